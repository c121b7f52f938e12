#include "core/eval/Metrics.h"

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

constexpr double kMinProbability = 1e-15;

double ratio(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : 0.0;
}

double harmonicMean(double a, double b) {
  return a + b > 0.0 ? 2.0 * a * b / (a + b) : 0.0;
}

}  // namespace

ClassificationMetrics computeMetrics(const QStringList& classes, const std::vector<int>& labels,
                                     const std::vector<std::vector<double>>& probabilities, int bins) {
  ClassificationMetrics m;
  const int k = int(classes.size());
  bins = std::max(1, bins);
  m.confusion.assign(size_t(k), std::vector<int>(size_t(k), 0));
  std::vector<int> binCount(size_t(bins), 0), binCorrect(size_t(bins), 0);
  std::vector<double> binConfidence(size_t(bins), 0.0);
  double logLossSum = 0.0;
  int correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    const std::vector<double>& row = i < probabilities.size() ? probabilities[i] : std::vector<double>{};
    if (row.size() != size_t(k) || label < 0 || label >= k) {
      ++m.skipped;
      continue;
    }
    const int predicted = int(std::max_element(row.begin(), row.end()) - row.begin());
    const double confidence = row[size_t(predicted)];
    ++m.confusion[size_t(label)][size_t(predicted)];
    ++m.count;
    correct += int(predicted == label);
    logLossSum -= std::log(std::clamp(row[size_t(label)], kMinProbability, 1.0));
    const int bin = std::clamp(int(confidence * bins), 0, bins - 1);
    ++binCount[size_t(bin)];
    binCorrect[size_t(bin)] += int(predicted == label);
    binConfidence[size_t(bin)] += confidence;
  }
  m.accuracy = ratio(correct, m.count);
  m.logLoss = ratio(logLossSum, m.count);

  int present = 0;
  double recallSum = 0.0;
  for (int c = 0; c < k; ++c) {
    ClassMetrics cm;
    cm.name = classes[c];
    const int truePositives = m.confusion[size_t(c)][size_t(c)];
    for (int other = 0; other < k; ++other) {
      cm.support += m.confusion[size_t(c)][size_t(other)];
      cm.predicted += m.confusion[size_t(other)][size_t(c)];
    }
    cm.precision = ratio(truePositives, cm.predicted);
    cm.recall = ratio(truePositives, cm.support);
    cm.f1 = harmonicMean(cm.precision, cm.recall);
    if (cm.support > 0) {
      ++present;
      recallSum += cm.recall;
      m.macroPrecision += cm.precision;
      m.macroF1 += cm.f1;
      m.weightedPrecision += cm.precision * cm.support;
      m.weightedRecall += cm.recall * cm.support;
      m.weightedF1 += cm.f1 * cm.support;
    } else {
      m.absentClasses << cm.name;
    }
    m.classes.push_back(cm);
  }
  m.balancedAccuracy = ratio(recallSum, present);
  m.macroRecall = m.balancedAccuracy;
  m.macroPrecision = ratio(m.macroPrecision, present);
  m.macroF1 = ratio(m.macroF1, present);
  m.weightedPrecision = ratio(m.weightedPrecision, m.count);
  m.weightedRecall = ratio(m.weightedRecall, m.count);
  m.weightedF1 = ratio(m.weightedF1, m.count);

  for (int b = 0; b < bins; ++b) {
    CalibrationBin bin;
    bin.lower = double(b) / bins;
    bin.upper = double(b + 1) / bins;
    bin.count = binCount[size_t(b)];
    bin.meanConfidence = ratio(binConfidence[size_t(b)], bin.count);
    bin.accuracy = ratio(binCorrect[size_t(b)], bin.count);
    m.expectedCalibrationError += ratio(bin.count, m.count) * std::abs(bin.accuracy - bin.meanConfidence);
    m.calibration.push_back(bin);
  }
  return m;
}

}  // namespace attune
