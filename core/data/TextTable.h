#pragma once
// A table of text cells read from a CSV, TSV, JSONL or JSON file: the first step of a text dataset
// (TextDataset maps its columns to texts and labels).
//
// What is read, and what is refused:
// - UTF-8, with or without a byte-order mark. A UTF-16/UTF-32 byte-order mark is refused as a whole,
//   and so is a file that is mostly not UTF-8 (see TextTable::read). Single records with bytes that
//   are not UTF-8 (or a NUL byte) are skipped and reported.
// - CSV/TSV: RFC 4180 quoting ("" inside a quoted field is one quote; quoted fields may hold
//   separators and line breaks, CRLF inside them becomes LF), CRLF or LF line ends, the first
//   non-blank record names the columns. Blank lines are ignored. A record with more or fewer cells
//   than the header, or a quote never closed, is skipped and reported; reading goes on at the line
//   after the one the bad record started on.
// - JSONL: one object per line; JSON: one array of objects (a .json file whose first value is an
//   object is read as JSONL). Columns are the keys in first-seen order; strings are kept, numbers and
//   true/false become their JSON text, null and missing keys become empty cells, nested values their
//   compact JSON. A line or entry that is not valid JSON, or not an object, is skipped and reported.
//
// Row numbers: CSV, TSV and JSONL rows carry the 1-based line where the record starts. The entries
// of a JSON array carry their 1-based position in the array instead (such files are often a single
// line), and messages say "entry N" for them (RowNumbering::Entry).

#include "core/common/Result.h"
#include "core/common/TextTableFormat.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace attune {

enum class RowNumbering { Line, Entry };

struct SkippedRow {
  int line = 0;    // a line or entry number (RowNumbering of the table)
  QString reason;  // plain words: "it has 3 cells but the header names 2 columns"
};

struct TextTableRow {
  int line = 0;       // where the record starts (line, or entry of a JSON array)
  QStringList cells;  // exactly one per column
};

// Bounds that keep hostile files from taking unbounded memory.
struct TextTableLimits {
  qint64 maxFileBytes = qint64(1) << 30;  // 1 GiB
  qint64 maxCells = 20'000'000;           // rows x columns
  int maxColumns = 10'000;
};

// Options of a read; the defaults read the whole file in the format its extension names.
struct TextTableReadOptions {
  std::optional<TextTableFormat> format;  // overrides the extension
  int maxRows = -1;                       // stop after this many rows (a preview); -1: all
  TextTableLimits limits;
};

struct TextTable {
  TextTableFormat format = TextTableFormat::Csv;
  RowNumbering numbering = RowNumbering::Line;
  QStringList columns;  // unique, never empty: blank names become "column N", repeats "name (2)"
  std::vector<TextTableRow> rows;
  std::vector<SkippedRow> skipped;  // in file order
  bool truncated = false;           // reading stopped at maxRows rows: there may be more

  // Index of the column named `name` (exact match, then case-insensitive); -1 when none.
  int columnIndex(const QString& name) const;
  // "line 12" or "entry 12", as messages name a row.
  QString position(int line) const;
  // "'text', 'label'": the column names for a message.
  QString columnList() const;

  // Reads a file. Errors (as values): missing or unreadable file, unknown extension without a
  // format, file too large, empty file, UTF-16/UTF-32 byte-order mark, mostly not UTF-8 (more than
  // half of the records, or at least 3 records that are more than half of those holding non-ASCII
  // bytes, are not UTF-8: a file saved in another encoding), no header, too many columns or cells,
  // a .json file that is not an array of objects.
  static Result<TextTable> read(const QString& path, const TextTableReadOptions& options = {});
  // The column names and the first `rowCount` rows (at least one), reading only the first 4 MiB.
  static Result<TextTable> preview(const QString& path, int rowCount,
                                   std::optional<TextTableFormat> format = std::nullopt);
  // The same rules on bytes already in memory (`name` is used in messages). Input::Prefix: `bytes`
  // is only the start of a file, so a record cut off at the end is dropped silently.
  enum class Input { Complete, Prefix };
  static Result<TextTable> parse(const QByteArray& bytes, TextTableFormat format, const QString& name,
                                 const TextTableReadOptions& options = {}, Input input = Input::Complete);
};

// `text` as one CSV cell for writing (RFC 4180): quoted when it holds a comma, a quote or a line
// break, with quotes doubled; as it is otherwise. A text a spreadsheet would run as a formula (it starts
// with =, +, -, @, a tab or a carriage return and is not a plain number such as -1.5) gets a leading
// single quote, the way spreadsheet programs mark a cell as text (OWASP's "CSV injection"); so does a
// text that starts with a quote followed by such a character or another quote, so that fromCsvField
// gives every text back exactly.
QString csvField(const QString& text);
// The text csvField was given, from a cell as a CSV reader returns it (without the RFC 4180 quoting):
// the single quote csvField added is taken off again; any other cell is returned as it is.
QString fromCsvField(const QString& cell);

}  // namespace attune
