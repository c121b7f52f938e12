#include "core/data/detail/TextTableBuilder.h"

#include "core/data/detail/Plural.h"

#include <algorithm>

namespace attune::detail {

Utf8Check checkUtf8(const char* begin, const char* end) {
  const auto* p = reinterpret_cast<const unsigned char*>(begin);
  const auto* const stop = reinterpret_cast<const unsigned char*>(end);
  bool nonAscii = false;
  while (p < stop) {
    const unsigned char c = *p;
    if (c == 0) return Utf8Check::Invalid;
    if (c < 0x80) {
      ++p;
      continue;
    }
    nonAscii = true;
    int length = 0;
    uint32_t codePoint = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      codePoint = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      codePoint = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      codePoint = c & 0x07;
    } else {
      return Utf8Check::Invalid;  // a continuation byte first, 0xC0/0xC1 (overlong) or past 0xF4
    }
    if (stop - p < length) return Utf8Check::Invalid;
    for (int i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return Utf8Check::Invalid;
      codePoint = (codePoint << 6) | (p[i] & 0x3F);
    }
    const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
    if (overlong || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
      return Utf8Check::Invalid;
    p += length;
  }
  return nonAscii ? Utf8Check::Utf8 : Utf8Check::Ascii;
}

TextTableBuilder::TextTableBuilder(TextTable& table, const TextTableReadOptions& options, QString fileName)
    : m_table(table), m_options(options), m_fileName(std::move(fileName)) {}

void TextTableBuilder::countRecord(Utf8Check check) {
  ++m_records;
  if (check != Utf8Check::Ascii) ++m_nonAsciiRecords;
  if (check == Utf8Check::Invalid) ++m_invalidRecords;
}

Status TextTableBuilder::setColumns(const QStringList& names) {
  if (names.size() > m_options.limits.maxColumns)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("%1 has %2 columns; Attune reads at most %3.")
                     .arg(m_fileName)
                     .arg(names.size())
                     .arg(m_options.limits.maxColumns),
                 QStringLiteral("Keep only the columns you need (the text and the label) and try again."));
  m_table.columns.clear();
  m_columnIndex.clear();
  // The next number to try for each repeated name: a header of n copies of one name costs n steps,
  // not n² (each number is tried once per name, and names taken are found in a hash).
  QHash<QString, int> nextNumber;
  for (int i = 0; i < names.size(); ++i) {
    QString name = names[i].trimmed();
    if (name.isEmpty()) name = QStringLiteral("column %1").arg(i + 1);
    QString unique = name;
    if (m_columnIndex.contains(unique)) {
      int& next = nextNumber[name];
      next = std::max(next, 2);
      do {
        unique = QStringLiteral("%1 (%2)").arg(name).arg(next++);
      } while (m_columnIndex.contains(unique));
    }
    addColumn(unique);
  }
  return {};
}

void TextTableBuilder::addColumn(const QString& name) {
  m_columnIndex.insert(name, int(m_table.columns.size()));
  m_table.columns << name;
}

Result<int> TextTableBuilder::columnForKey(const QString& key) {
  if (const auto found = m_keyColumns.constFind(key); found != m_keyColumns.constEnd()) return *found;
  if (m_table.columns.size() >= m_options.limits.maxColumns)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The records of %1 use more than %2 different keys.")
                     .arg(m_fileName)
                     .arg(m_options.limits.maxColumns),
                 QStringLiteral("Keep only the fields you need (the text and the label) and try again."));
  // A blank key ("") names its column "column N", as a blank header does; a name another column has
  // taken already (a key "column 1" after a blank one) gets " (2)", " (3)"...
  const int column = int(m_table.columns.size());
  const QString base = key.trimmed().isEmpty() ? QStringLiteral("column %1").arg(column + 1) : key;
  QString name = base;
  for (int next = 2; m_columnIndex.contains(name); ++next)
    name = QStringLiteral("%1 (%2)").arg(base).arg(next);
  addColumn(name);
  m_keyColumns.insert(key, column);
  return column;
}

Status TextTableBuilder::checkCells() const {
  const qint64 cells = qint64(m_table.rows.size()) * qint64(m_table.columns.size());
  if (cells <= m_options.limits.maxCells) return {};
  return Error(
      ErrorCode::BadFormat,
      QStringLiteral("%1 holds more than %2 cells (rows times columns); Attune reads at most that many.")
          .arg(m_fileName)
          .arg(m_options.limits.maxCells),
      QStringLiteral("Keep only the columns you need, or split the file into smaller ones."));
}

Status TextTableBuilder::addRow(int line, QStringList cells) {
  m_table.rows.push_back({line, std::move(cells)});
  m_cells += m_table.rows.back().cells.size();
  if (m_cells > m_options.limits.maxCells) return checkCells();
  return {};
}

void TextTableBuilder::skip(int line, QString reason) {
  m_table.skipped.push_back({line, std::move(reason)});
}

bool TextTableBuilder::full() const {
  return m_options.maxRows >= 0 && qsizetype(m_table.rows.size()) >= m_options.maxRows;
}

Error TextTableBuilder::notUtf8Error() const {
  return Error(ErrorCode::BadFormat,
               QStringLiteral("%1 is not UTF-8 text: it was saved in another encoding.").arg(m_fileName),
               QStringLiteral("Open it in a spreadsheet or text editor and save it as UTF-8 (for example "
                              "\"CSV UTF-8\"), then choose it again."));
}

Status TextTableBuilder::finish() {
  // A few damaged records are skipped; a file where most records (or most of those with accented
  // letters) fail is in another encoding, and skipping would silently lose much of the data.
  const bool mostlyInvalid = m_invalidRecords * 2 > m_records;
  const bool otherEncoding = m_invalidRecords >= 3 && m_invalidRecords * 2 > m_nonAsciiRecords;
  if (mostlyInvalid || otherEncoding) {
    Error error = notUtf8Error();
    error.message += QStringLiteral(" (%1 of %2 are not UTF-8.)")
                         .arg(plural(m_invalidRecords, "record", "records"))
                         .arg(m_records);
    return error;
  }
  if (auto status = checkCells(); !status) return status;
  const qsizetype columns = m_table.columns.size();
  for (auto& row : m_table.rows)
    while (row.cells.size() < columns) row.cells.append(QString());
  return {};
}

}  // namespace attune::detail
