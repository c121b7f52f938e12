#pragma once
// Plain-language reading of a run for people who do not read plots: what the settings meant, and
// what the data, the curves and the evaluation say ("class X has too few examples", "validation loss
// rose after epoch 4: the best checkpoint is from epoch 4"). Used by the run report.

#include "core/eval/Evaluation.h"
#include "core/eval/SavedRun.h"

#include <QStringList>

namespace attune {

struct Finding {
  enum Kind { Good, Note, Warning } kind = Note;
  QString text;
};

// One sentence per group of settings: the model and its starting weights, length, learning rates,
// freezing, schedule, regularisation, augmentation, early stopping.
QStringList plainSettings(const SavedRun& run);

// Findings from the data counts, the epoch curves and (when given) the evaluation, most important
// first.
std::vector<Finding> runFindings(const SavedRun& run, const RunEvaluation* evaluation);

}  // namespace attune
