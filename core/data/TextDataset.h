#pragma once
// Texts and labels taken from a TextTable through a column mapping, and their seeded stratified
// train/validation split and k-fold assignment.

#include "core/common/Result.h"
#include "core/data/TextSample.h"
#include "core/data/TextTable.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace attune {

struct TextColumnMapping {
  QString textColumn;
  QString labelColumn;  // empty: the table has no labels yet (every text is unlabelled)
};

struct TextDataset {
  RowNumbering numbering = RowNumbering::Line;
  QStringList classes;                 // the labels as found (trimmed), sorted by code point
  std::vector<TextSample> labelled;    // in file order
  std::vector<TextSample> unlabelled;  // texts with an empty label, in file order
  std::vector<SkippedRow> skipped;     // the table's skipped rows and the empty texts, by position
  QStringList warnings;                // plain-language findings (very many classes, tiny classes)

  // Labelled texts per class, in the order of `classes`.
  std::vector<int> classCounts() const;
  // "line 12" or "entry 12".
  QString position(int line) const;
  // A few lines for a console: counts per class, unlabelled and skipped texts, warnings.
  QString summary() const;
  // SHA-256 (hex) over the text and class name of every labelled sample, in order: the same data
  // gives the same value on every platform; any changed text or label gives another.
  QString fingerprint() const;

  // Errors: a mapped column the table lacks (the message lists the columns that exist), the same
  // column for text and label.
  static Result<TextDataset> fromTable(const TextTable& table, const TextColumnMapping& mapping);
};

struct TextSplit {
  std::vector<TextSample> train;
  std::vector<TextSample> val;
};

// The labelled samples split by stratifiedSplit (StratifiedSplit.h): same data + seed, same split.
TextSplit splitTextDataset(const TextDataset& dataset, double valFraction, uint64_t seed);
// Fold `fold` (0..folds-1) of stratifiedFolds as the validation side, the other folds as training.
TextSplit textFold(const TextDataset& dataset, int folds, int fold, uint64_t seed);

}  // namespace attune
