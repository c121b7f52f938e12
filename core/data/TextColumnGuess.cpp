#include "core/data/TextColumnGuess.h"

#include <QSet>

namespace attune {
namespace {

// Enough rows to judge cell lengths and distinct values; a guess need not read a large file twice.
constexpr int kRowsExamined = 10'000;

const char* const kTextNames[] = {"text",    "review", "sentence", "content",     "body",  "message",
                                  "comment", "tweet",  "document", "review_text", "text_a"};
const char* const kLabelNames[] = {"label",  "class",    "sentiment", "category", "target",
                                   "labels", "polarity", "intent",    "topic",    "y"};

template <size_t N>
int findByName(const QStringList& columns, const char* const (&names)[N], int exclude) {
  // The order of `names` is the preference: "text" beats "body" when a table has both.
  for (const char* name : names)
    for (int i = 0; i < columns.size(); ++i)
      if (i != exclude && columns[i].trimmed().compare(QLatin1String(name), Qt::CaseInsensitive) == 0)
        return i;
  return -1;
}

}  // namespace

TextColumnGuess guessTextColumns(const TextTable& table) {
  TextColumnGuess guess;
  const int columns = int(table.columns.size());
  const int rows = std::min(int(table.rows.size()), kRowsExamined);

  guess.textColumn = findByName(table.columns, kTextNames, -1);
  if (guess.textColumn >= 0) guess.textBasis = GuessBasis::Name;
  guess.labelColumn = findByName(table.columns, kLabelNames, guess.textColumn);
  if (guess.labelColumn >= 0) guess.labelBasis = GuessBasis::Name;

  if (guess.textColumn < 0) {
    double longest = 0.0;
    for (int c = 0; c < columns; ++c) {
      if (c == guess.labelColumn) continue;
      qint64 characters = 0;
      for (int r = 0; r < rows; ++r) characters += table.rows[size_t(r)].cells[c].size();
      const double average = rows > 0 ? double(characters) / rows : 0.0;
      if (average > longest) {
        longest = average;
        guess.textColumn = c;
        guess.textBasis = GuessBasis::Content;
      }
    }
  }
  if (guess.labelColumn < 0) {
    qsizetype fewest = 0;
    for (int c = 0; c < columns; ++c) {
      if (c == guess.textColumn) continue;
      QSet<QString> distinct;
      int filled = 0;
      for (int r = 0; r < rows; ++r) {
        const QString value = table.rows[size_t(r)].cells[c].trimmed();
        if (value.isEmpty()) continue;
        ++filled;
        distinct.insert(value);
      }
      // An id column has as many values as rows: not a label.
      const bool fewValues = distinct.size() >= 2 && (filled < 10 || distinct.size() * 2 <= filled);
      if (fewValues && (guess.labelColumn < 0 || distinct.size() < fewest)) {
        fewest = distinct.size();
        guess.labelColumn = c;
        guess.labelBasis = GuessBasis::Content;
      }
    }
  }
  return guess;
}

}  // namespace attune
