// CSV and TSV records (RFC 4180 quoting) for TextTable.

#include "core/data/detail/TextTableBuilder.h"

#include <cstring>

namespace attune::detail {
namespace {

// An unterminated quote makes the rest of the file one record; reading resumes at the next line,
// but a file that keeps doing this is given up on instead of being re-read again and again.
constexpr int kMaxQuoteRecoveries = 16;

enum class RecordEnd { Newline, EndOfInput, Unterminated };

struct Record {
  std::vector<QByteArray> fields;
  int startLine = 0;
  qsizetype begin = 0;  // byte range of the record, line break excluded
  qsizetype end = 0;
  bool anyQuoted = false;
};

class RecordScanner {
 public:
  RecordScanner(const QByteArray& bytes, char separator)
      : m_data(bytes.constData()), m_size(bytes.size()), m_separator(separator) {}

  bool atEnd() const { return m_pos >= m_size; }
  int line() const { return m_line; }

  RecordEnd next(Record& record) {
    record.fields.clear();
    record.startLine = m_line;
    record.begin = m_pos;
    record.anyQuoted = false;
    QByteArray field;
    bool atFieldStart = true;
    while (true) {
      if (m_pos >= m_size) {
        record.fields.push_back(field);
        record.end = m_pos;
        return RecordEnd::EndOfInput;
      }
      const char c = m_data[m_pos];
      if (atFieldStart && c == '"') {
        record.anyQuoted = true;
        atFieldStart = false;
        ++m_pos;
        if (!readQuoted(field)) {
          record.end = m_size;
          return RecordEnd::Unterminated;
        }
        continue;  // anything after the closing quote up to the separator is kept as it is
      }
      atFieldStart = false;
      if (c == m_separator) {
        record.fields.push_back(field);
        field.clear();
        atFieldStart = true;
        ++m_pos;
        continue;
      }
      const bool crlf = c == '\r' && (m_pos + 1 == m_size || m_data[m_pos + 1] == '\n');
      if (c == '\n' || crlf) {
        record.fields.push_back(field);
        record.end = m_pos;
        m_pos += crlf && m_pos + 1 < m_size ? 2 : 1;
        ++m_line;
        return RecordEnd::Newline;
      }
      // A run of plain bytes (a lone quote inside an unquoted cell is kept as it is).
      qsizetype stop = m_pos + 1;
      while (stop < m_size && m_data[stop] != m_separator && m_data[stop] != '\n' && m_data[stop] != '\r')
        ++stop;
      field.append(m_data + m_pos, stop - m_pos);
      m_pos = stop;
    }
  }

  // Resumes at the line after `line`, which starts at byte `begin`.
  void resumeAfter(qsizetype begin, int line) {
    const void* newline = std::memchr(m_data + begin, '\n', size_t(m_size - begin));
    m_pos = newline ? static_cast<const char*>(newline) - m_data + 1 : m_size;
    m_line = line + 1;
  }

  // The first line of [begin, end) that is not UTF-8, counting from `firstLine`.
  int firstInvalidLine(qsizetype begin, qsizetype end, int firstLine) const {
    int line = firstLine;
    while (begin < end) {
      const void* newline = std::memchr(m_data + begin, '\n', size_t(end - begin));
      const qsizetype stop = newline ? static_cast<const char*>(newline) - m_data : end;
      if (checkUtf8(m_data + begin, m_data + stop) == Utf8Check::Invalid) return line;
      begin = stop + 1;
      ++line;
    }
    return firstLine;
  }

  const char* data() const { return m_data; }

 private:
  // After an opening quote: up to the closing one; false at the end of the input.
  bool readQuoted(QByteArray& field) {
    while (true) {
      const void* found = std::memchr(m_data + m_pos, '"', size_t(m_size - m_pos));
      const qsizetype quote = found ? static_cast<const char*>(found) - m_data : m_size;
      for (qsizetype i = m_pos; i < quote; ++i) {
        if (m_data[i] == '\n') ++m_line;
        // CRLF inside a cell becomes LF: the text then reads the same whichever system wrote it.
        if (!(m_data[i] == '\r' && i + 1 < quote && m_data[i + 1] == '\n')) field.append(m_data[i]);
      }
      if (!found) {
        m_pos = m_size;
        return false;
      }
      m_pos = quote + 1;
      if (m_pos < m_size && m_data[m_pos] == '"') {
        field.append('"');
        ++m_pos;
        continue;
      }
      return true;
    }
  }

  const char* m_data;
  qsizetype m_size;
  char m_separator;
  qsizetype m_pos = 0;
  int m_line = 1;
};

bool isBlank(const Record& record) {
  return !record.anyQuoted && record.fields.size() == 1 && record.fields.front().trimmed().isEmpty();
}

QStringList decode(const Record& record) {
  QStringList cells;
  cells.reserve(qsizetype(record.fields.size()));
  for (const auto& field : record.fields) cells << QString::fromUtf8(field);
  return cells;
}

}  // namespace

Status readDelimited(const QByteArray& bytes, char separator, TextTable::Input input,
                     TextTableBuilder& builder) {
  RecordScanner scanner(bytes, separator);
  const QString& name = builder.fileName();
  bool haveHeader = false;
  qsizetype columns = 0;
  int recoveries = 0;
  Record record;
  while (!scanner.atEnd() && !(haveHeader && builder.full())) {
    const RecordEnd end = scanner.next(record);
    if (end == RecordEnd::Unterminated) {
      if (input == TextTable::Input::Prefix) break;  // cut off by the preview, not broken
      if (!haveHeader)
        return Error(ErrorCode::BadFormat,
                     QStringLiteral("%1: a quote in the header on line %2 is never closed.")
                         .arg(name)
                         .arg(record.startLine),
                     QStringLiteral("Check the first line of the file: it should name the columns."));
      builder.skip(record.startLine,
                   QStringLiteral("a quoted cell that starts on this line is never closed"));
      if (++recoveries > kMaxQuoteRecoveries) {
        builder.skip(record.startLine + 1,
                     QStringLiteral("the rest of the file was not read: too many quotes are never closed"));
        break;
      }
      scanner.resumeAfter(record.begin, record.startLine);
      continue;
    }
    if (end == RecordEnd::EndOfInput && input == TextTable::Input::Prefix) break;  // maybe cut off
    if (isBlank(record)) continue;

    const Utf8Check check = checkUtf8(scanner.data() + record.begin, scanner.data() + record.end);
    builder.countRecord(check);
    if (!haveHeader) {
      if (check == Utf8Check::Invalid) return builder.notUtf8Error();
      if (auto status = builder.setColumns(decode(record)); !status) return status;
      columns = qsizetype(record.fields.size());
      haveHeader = true;
      continue;
    }
    if (check == Utf8Check::Invalid) {
      const int line = scanner.firstInvalidLine(record.begin, record.end, record.startLine);
      builder.skip(record.startLine,
                   line == record.startLine
                       ? QStringLiteral("the line is not UTF-8 text")
                       : QStringLiteral("line %1 of the record is not UTF-8 text").arg(line));
      continue;
    }
    if (qsizetype(record.fields.size()) != columns) {
      builder.skip(record.startLine, QStringLiteral("it has %1 cells but the header names %2 columns")
                                         .arg(record.fields.size())
                                         .arg(columns));
      continue;
    }
    if (auto status = builder.addRow(record.startLine, decode(record)); !status) return status;
  }
  if (!haveHeader)
    return Error(ErrorCode::NotEnoughData, QStringLiteral("%1 has no header line.").arg(name),
                 QStringLiteral("The first line should name the columns, for example: text,label"));
  return {};
}

}  // namespace attune::detail
