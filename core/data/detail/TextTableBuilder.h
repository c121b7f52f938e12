#pragma once
// What the CSV/TSV and JSON readers of TextTable share: the table under construction, the limits,
// and the encoding statistics that decide whether a file is "mostly not UTF-8".

#include "core/data/TextTable.h"

#include <QHash>

namespace attune::detail {

enum class Utf8Check { Ascii, Utf8, Invalid };

// Whether [begin, end) is well-formed UTF-8: no overlong forms, surrogates or code points past
// U+10FFFF. A NUL byte counts as invalid: text files have none, UTF-16 files have many.
Utf8Check checkUtf8(const char* begin, const char* end);

class TextTableBuilder {
 public:
  TextTableBuilder(TextTable& table, const TextTableReadOptions& options, QString fileName);

  // One record (a CSV record, a JSONL line, a JSON entry) for the encoding statistics.
  void countRecord(Utf8Check check);
  // The header of a CSV/TSV file; blank names become "column N", repeated ones "name (2)".
  Status setColumns(const QStringList& names);
  // The column of a JSON key, added when new.
  Result<int> columnForKey(const QString& key);
  // `cells` may be shorter than the columns (JSON rows seen before a later key): padded by finish().
  Status addRow(int line, QStringList cells);
  void skip(int line, QString reason);
  // maxRows rows were added: the reader stops and the table is marked truncated.
  bool full() const;
  // Pads the rows and refuses a file that is mostly not UTF-8.
  Status finish();

  const QString& fileName() const { return m_fileName; }
  Error notUtf8Error() const;

 private:
  Status checkCells() const;
  void addColumn(const QString& name);

  TextTable& m_table;
  TextTableReadOptions m_options;
  QString m_fileName;
  QHash<QString, int> m_columnIndex;  // the table's columns by name
  QHash<QString, int> m_keyColumns;   // JSON records: the column of each key (a blank key's is "column N")
  qint64 m_cells = 0;
  int m_records = 0;
  int m_nonAsciiRecords = 0;
  int m_invalidRecords = 0;
};

// CSV/TSV records into the builder (separator ',' or '\t').
Status readDelimited(const QByteArray& bytes, char separator, TextTable::Input input,
                     TextTableBuilder& builder);
// JSONL lines into the builder.
Status readJsonLines(const QByteArray& bytes, TextTable::Input input, TextTableBuilder& builder);
// A JSON array of objects into the builder (RowNumbering::Entry).
Status readJsonArray(const QByteArray& bytes, TextTable::Input input, TextTableBuilder& builder);

}  // namespace attune::detail
