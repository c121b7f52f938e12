// Fuzz target: text tables (core/data/TextTable: CSV, TSV, JSON Lines and JSON arrays). The first
// byte picks the format and the read's options; the rest is the file.
#include "core/data/TextTable.h"
#include "tests/fuzz/FuzzSupport.h"

#include <QSet>

#include <array>

using namespace attune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t choice = data[0];
  const TextTableFormat format = std::array{TextTableFormat::Csv, TextTableFormat::Tsv,
                                            TextTableFormat::Jsonl, TextTableFormat::Json}[choice & 3];
  TextTableReadOptions options;
  if (choice & 4) options.maxRows = 3;
  if (choice & 8) {
    options.limits.maxColumns = 8;
    options.limits.maxCells = 64;
  }
  const auto input = (choice & 16) ? TextTable::Input::Prefix : TextTable::Input::Complete;
  const auto bytes = QByteArray::fromRawData(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
  const auto table = TextTable::parse(bytes, format, QStringLiteral("fuzz"), options, input);
  if (!table) {
    fuzz::checkError(table.error());
    return 0;
  }
  // Column names are unique and never empty; every row has one cell per column. (A JSON or JSON Lines
  // file may have no columns: every record skipped, or every record an empty object {}.)
  FUZZ_CHECK(table->columns.size() <= options.limits.maxColumns);
  QSet<QString> names;
  for (const QString& column : table->columns) {
    FUZZ_CHECK(!column.isEmpty());
    FUZZ_CHECK(!names.contains(column));
    names.insert(column);
    FUZZ_CHECK(table->columnIndex(column) >= 0);
  }
  if (options.maxRows >= 0) FUZZ_CHECK(qsizetype(table->rows.size()) <= options.maxRows);
  int previous = 0;
  for (const TextTableRow& row : table->rows) {
    FUZZ_CHECK(row.cells.size() == table->columns.size());
    FUZZ_CHECK(row.line > previous);
    previous = row.line;
  }
  for (const SkippedRow& skipped : table->skipped) FUZZ_CHECK(!skipped.reason.isEmpty());
  return 0;
}
