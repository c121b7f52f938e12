#pragma once
// Which column of a text table holds the texts and which the labels, guessed for the column-mapping
// step (the user confirms or changes it).

#include "core/data/TextTable.h"

namespace attune {

enum class GuessBasis { None, Name, Content };

struct TextColumnGuess {
  int textColumn = -1;  // -1: no candidate
  int labelColumn = -1;
  GuessBasis textBasis = GuessBasis::None;
  GuessBasis labelBasis = GuessBasis::None;
};

// By name first (text, review, sentence, content, body, message, ...; label, class, sentiment,
// category, target, ...), case-insensitive. Otherwise by content over the first rows: the text is
// the column with the longest average cell, the label the other column with the fewest distinct
// non-empty values (at least 2, and fewer than half of the non-empty cells when there are ten or more).
TextColumnGuess guessTextColumns(const TextTable& table);

}  // namespace attune
