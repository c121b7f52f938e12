#pragma once
// How the model did on the validation split at every epoch of a run, from the answers the run
// wrote after each validation (RunWriter's val_probabilities.csv): the confusion matrix and the
// metrics per epoch, for the evaluation view's epoch slider.

#include "core/common/Result.h"
#include "core/eval/Metrics.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

struct EpochValidation {
  int epoch = 0;
  ClassificationMetrics metrics;
};

// Every epoch's metrics in epoch order; empty when the run wrote no answers (runs before Attune
// wrote them, or a validation split too large to keep). A resumed run's repeated epoch counts once
// (its later answers); rows that do not parse (cut by a crash) are left out.
Result<std::vector<EpochValidation>> validationByEpoch(const QString& runDirectory,
                                                       const QStringList& classes);

}  // namespace attune
