#pragma once
// How good a classifier is on a set of labelled examples, from its class probabilities: accuracy,
// balanced accuracy, per-class precision / recall / F1 / support, macro and weighted averages,
// log-loss, calibration (expected calibration error over a reliability diagram) and the confusion
// matrix. Plain arithmetic, no LibTorch: the same numbers for the GUI, the CLI and the report.
//
// Conventions (stated because libraries differ):
// - A class that the model never predicts has precision 0; its F1 is 0 unless its recall is too.
// - A class absent from the examples (support 0) has recall 0 and is left out of balanced accuracy and
//   of the macro averages (they average over the classes present); weighted averages weight by support.
// - Log-loss clips probabilities to [1e-15, 1] (natural log).
// - Calibration: confidence is the top class's probability; `bins` equal-width bins over [0, 1] (a
//   confidence of exactly 1 falls in the last); ECE = sum over bins of (count / N) |accuracy - mean
//   confidence|; empty bins add nothing.

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

struct ClassMetrics {
  QString name;
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  int support = 0;    // examples of this class
  int predicted = 0;  // examples the model gave this class
};

struct CalibrationBin {
  double lower = 0.0;
  double upper = 0.0;
  int count = 0;
  double meanConfidence = 0.0;  // 0 when empty
  double accuracy = 0.0;        // 0 when empty
};

struct ClassificationMetrics {
  int count = 0;    // examples scored
  int skipped = 0;  // examples without probabilities (an image that could not be read), not scored
  double accuracy = 0.0;
  double balancedAccuracy = 0.0;
  double macroPrecision = 0.0, macroRecall = 0.0, macroF1 = 0.0;
  double weightedPrecision = 0.0, weightedRecall = 0.0, weightedF1 = 0.0;
  double logLoss = 0.0;
  double expectedCalibrationError = 0.0;
  std::vector<ClassMetrics> classes;
  std::vector<std::vector<int>> confusion;  // [true class][predicted class]
  std::vector<CalibrationBin> calibration;
  QStringList absentClasses;  // classes with no example (left out of the macro averages)
};

// `labels[i]` is the true class index of example i, `probabilities[i]` its probabilities in class
// order (empty: not scored). Labels outside the class list are not scored either (counted as skipped).
ClassificationMetrics computeMetrics(const QStringList& classes, const std::vector<int>& labels,
                                     const std::vector<std::vector<double>>& probabilities, int bins = 10);

}  // namespace attune
