#pragma once
// The model in the labelling loop: a trained run's answers for the project's unlabelled items (images
// without a class, texts without a label, after the labels made in Attune), so that the user can
// accept a suggestion with one key and label the items the model is least sure of first.

#include "core/common/Result.h"
#include "core/dataset/Uncertainty.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

struct LabelSuggestions {
  QString runId;
  QStringList classes;  // the run's classes: the order of every item's probabilities
  QStringList keys;     // the label journal's key of each unlabelled item (ProjectData.h)
  QStringList items;    // its image path, or its text
  std::vector<std::vector<float>> probabilities;  // per item; empty: the image could not be read
};

// The answers of run `run` (as runDirectoryOf: empty for the latest run with a saved model) for every
// unlabelled item of the project, in file order. Errors: no such run or model, a model of the other
// kind (images / texts), the project's data cannot be read.
Result<LabelSuggestions> suggestLabels(const Project& project, const QString& run = {});

}  // namespace attune
