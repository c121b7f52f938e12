#include "core/data/TextTable.h"

#include "core/common/FileRead.h"
#include "core/data/detail/TextTableBuilder.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace attune {
namespace {

// A preview reads this much of a large file: thousands of rows of any ordinary table.
constexpr qint64 kPreviewBytes = 4 << 20;

Error readError(const QString& path, const QString& reason) {
  return Error(ErrorCode::FileUnreadable, QStringLiteral("Cannot read %1: %2.").arg(path, reason),
               QStringLiteral("Check that the file exists and that you may read it."));
}

// A byte-order mark of UTF-16 or UTF-32 (UTF-32 LE starts like UTF-16 LE: check it first).
QString otherUnicodeEncoding(const QByteArray& bytes) {
  if (bytes.startsWith(QByteArray("\xFF\xFE\x00\x00", 4)) ||
      bytes.startsWith(QByteArray("\x00\x00\xFE\xFF", 4)))
    return QStringLiteral("UTF-32");
  if (bytes.startsWith("\xFF\xFE") || bytes.startsWith("\xFE\xFF")) return QStringLiteral("UTF-16");
  return {};
}

qsizetype firstNonSpaceByte(const QByteArray& bytes) {
  qsizetype i = 0;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r'))
    ++i;
  return i;
}

Result<TextTableFormat> formatFor(const QString& path, const std::optional<TextTableFormat>& given) {
  if (given) return *given;
  if (auto format = textTableFormatForPath(path)) return *format;
  return Error(
      ErrorCode::BadFormat,
      QStringLiteral("Attune does not know how to read %1 as a table.").arg(QFileInfo(path).fileName()),
      QStringLiteral("Use a .csv, .tsv, .jsonl or .json file, or name its format."));
}

}  // namespace

int TextTable::columnIndex(const QString& name) const {
  const int exact = int(columns.indexOf(name));
  if (exact >= 0) return exact;
  for (int i = 0; i < columns.size(); ++i)
    if (columns[i].compare(name.trimmed(), Qt::CaseInsensitive) == 0) return i;
  return -1;
}

QString TextTable::position(int line) const {
  return (numbering == RowNumbering::Entry ? QStringLiteral("entry %1") : QStringLiteral("line %1"))
      .arg(line);
}

QString TextTable::columnList() const {
  QStringList quoted;
  for (const auto& column : columns) quoted << QLatin1Char('\'') + column + QLatin1Char('\'');
  return quoted.join(QStringLiteral(", "));
}

Result<TextTable> TextTable::parse(const QByteArray& bytes, TextTableFormat format, const QString& name,
                                   const TextTableReadOptions& options, Input input) {
  if (const QString encoding = otherUnicodeEncoding(bytes); !encoding.isEmpty())
    return Error(ErrorCode::BadFormat, QStringLiteral("%1 is saved as %2 text.").arg(name, encoding),
                 QStringLiteral("Save it as UTF-8 (for example \"CSV UTF-8\" in a spreadsheet), then choose "
                                "it again."));
  // A view without the UTF-8 byte-order mark: no copy of a file that may be large.
  const qsizetype bom = bytes.startsWith("\xEF\xBB\xBF") ? 3 : 0;
  const QByteArray body = QByteArray::fromRawData(bytes.constData() + bom, bytes.size() - bom);
  const qsizetype firstNonSpace = firstNonSpaceByte(body);
  if (firstNonSpace == body.size())
    return Error(ErrorCode::NotEnoughData, QStringLiteral("%1 is empty.").arg(name),
                 QStringLiteral("Choose the file that holds your texts."));

  TextTable table;
  table.format = format;
  detail::TextTableBuilder builder(table, options, name);
  Status status;
  switch (format) {
    case TextTableFormat::Csv:
      status = detail::readDelimited(body, ',', input, builder);
      break;
    case TextTableFormat::Tsv:
      status = detail::readDelimited(body, '\t', input, builder);
      break;
    case TextTableFormat::Jsonl:
      status = detail::readJsonLines(body, input, builder);
      break;
    case TextTableFormat::Json: {
      table.numbering = body.at(firstNonSpace) == '[' ? RowNumbering::Entry : RowNumbering::Line;
      status = detail::readJsonArray(body, input, builder);
      break;
    }
  }
  if (!status) return status.error();
  if (auto finished = builder.finish(); !finished) return finished.error();
  table.truncated = builder.full();
  return table;
}

Result<TextTable> TextTable::read(const QString& path, const TextTableReadOptions& options) {
  auto format = formatFor(path, options.format);
  if (!format) return format.error();
  QFile file;
  if (!QFileInfo::exists(path))
    return Error(ErrorCode::FileNotFound, QStringLiteral("The file %1 does not exist.").arg(path),
                 QStringLiteral("Check the path and try again."));
  // Only a regular file: a named pipe would block for ever, a device never end.
  if (auto opened = openRegularFile(file, path, -1, QStringLiteral("the data table")); !opened)
    return opened.error();
  if (file.size() > options.limits.maxFileBytes)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("%1 is %2 MB; Attune reads tables of up to %3 MB.")
                     .arg(path)
                     .arg(file.size() >> 20)
                     .arg(options.limits.maxFileBytes >> 20),
                 QStringLiteral("Split the file into smaller ones, or keep only the columns you need."));
  // The size measured above, and no more: a file that grows meanwhile cannot pass the limit.
  const QByteArray bytes = file.read(file.size());
  if (!file.atEnd())
    return Error(ErrorCode::FileUnreadable, QStringLiteral("%1 changed while it was read.").arg(path),
                 QStringLiteral("Wait until it is complete, then choose it again."));
  if (file.error() != QFileDevice::NoError) return readError(path, file.errorString());
  return parse(bytes, *format, QFileInfo(path).fileName(), options, Input::Complete);
}

Result<TextTable> TextTable::preview(const QString& path, int rowCount,
                                     std::optional<TextTableFormat> format) {
  auto resolved = formatFor(path, format);
  if (!resolved) return resolved.error();
  QFile file;
  if (!QFileInfo::exists(path))
    return Error(ErrorCode::FileNotFound, QStringLiteral("The file %1 does not exist.").arg(path),
                 QStringLiteral("Check the path and try again."));
  if (auto opened = openRegularFile(file, path, -1, QStringLiteral("the data table")); !opened)
    return opened.error();
  const QByteArray bytes = file.read(kPreviewBytes);
  if (file.error() != QFileDevice::NoError) return readError(path, file.errorString());
  TextTableReadOptions options;
  options.format = *resolved;
  options.maxRows = std::max(rowCount, 1);  // JSON records name the columns: read one at least
  const Input input = file.atEnd() ? Input::Complete : Input::Prefix;
  return parse(bytes, *resolved, QFileInfo(path).fileName(), options, input);
}

namespace {

bool isPlainNumber(const QString& text) {
  static const QRegularExpression number(QStringLiteral(R"(^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$)"));
  return number.match(text).hasMatch();
}

// Whether a spreadsheet would take `text` for a formula.
bool formulaLike(const QString& text) {
  if (text.isEmpty()) return false;
  const QChar first = text.front();
  const bool trigger =
      first == u'=' || first == u'+' || first == u'-' || first == u'@' || first == u'\t' || first == u'\r';
  return trigger && !isPlainNumber(text);
}

bool needsQuotePrefix(const QString& text) {
  if (formulaLike(text)) return true;
  if (!text.startsWith(u'\'')) return false;
  const QString rest = text.mid(1);
  return formulaLike(rest) || rest.startsWith(u'\'');
}

}  // namespace

QString fromCsvField(const QString& cell) {
  if (cell.startsWith(u'\'') && needsQuotePrefix(cell.mid(1))) return cell.mid(1);
  return cell;
}

QString csvField(const QString& value) {
  const QString text = needsQuotePrefix(value) ? QLatin1Char('\'') + value : value;
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
      !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r')))
    return text;
  return QLatin1Char('"') + QString(text).replace(QLatin1Char('"'), QStringLiteral("\"\"")) +
         QLatin1Char('"');
}

}  // namespace attune
