#pragma once
// Likely label mistakes: examples whose given label the model strongly disagrees with, for a person to
// review. The model's answers should come from a model that did not train on the example: the
// out-of-fold predictions of a k-fold run (oof.csv, every example answered once), else the run's
// validation answers.

#include "core/common/Result.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

struct SuspectedLabel {
  int example = 0;                    // index into the examples given
  int given = 0;                      // the class it is labelled with
  int suggested = 0;                  // the class the model is surest of
  double givenProbability = 0.0;      // the model's probability for the given class
  double suggestedProbability = 0.0;  // ... and for the suggested one
};

// The examples whose given class has probability at most `maxGiven` while another class has at
// least `minSuggested`, the most doubted first (lowest given probability; ties: surest suggestion).
// Examples without probabilities are passed over.
std::vector<SuspectedLabel> likelyLabelMistakes(const std::vector<int>& labels,
                                                const std::vector<std::vector<double>>& probabilities,
                                                double maxGiven = 0.2, double minSuggested = 0.6);

// The out-of-fold predictions a k-fold run wrote (oof.csv): each example (an image path, or a text's
// line in the table) with its label and probabilities in the order of `classes`.
struct OutOfFoldPredictions {
  QStringList items;  // image paths, or line numbers of texts
  std::vector<int> labels;
  std::vector<std::vector<double>> probabilities;  // empty rows: the image could not be read
};
Result<OutOfFoldPredictions> readOutOfFold(const QString& runDirectory, const QStringList& classes);

}  // namespace attune
