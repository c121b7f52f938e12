#include "core/training/detail/ClassBalance.h"

namespace attune::detail {
namespace {

// A class this many times larger than the smallest makes the data "imbalanced" for ClassBalance::Auto.
constexpr double kImbalanceRatio = 3.0;

// Each present class weighs total / (classes present * its count), so each counts equally in the loss.
std::vector<float> balancingWeights(const std::vector<int64_t>& counts, double total) {
  std::vector<float> weights(counts.size(), 1.0f);
  int present = 0;
  for (auto n : counts) present += n > 0 ? 1 : 0;
  for (size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) weights[c] = float(total / (double(present) * double(counts[c])));
  return weights;
}

}  // namespace

TrainingLoss trainingLoss(const TrainingConfig& config, const QStringList& classes,
                          const std::vector<int>& trainLabels, const QString& items,
                          const torch::Device& device) {
  TrainingLoss loss;
  loss.options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config.labelSmoothing);
  const int classCount = int(classes.size());
  std::vector<int64_t> counts(size_t(classCount), 0);
  for (int label : trainLabels)
    if (label >= 0 && label < classCount) ++counts[size_t(label)];
  int largest = -1, smallest = -1;
  for (int c = 0; c < classCount; ++c) {
    if (counts[size_t(c)] == 0) continue;
    if (largest < 0 || counts[size_t(c)] > counts[size_t(largest)]) largest = c;
    if (smallest < 0 || counts[size_t(c)] < counts[size_t(smallest)]) smallest = c;
  }
  if (largest < 0) return loss;
  const double ratio = double(counts[size_t(largest)]) / double(counts[size_t(smallest)]);
  ClassBalance mode = config.classBalance;
  const bool imbalanced = ratio >= kImbalanceRatio;
  if (mode == ClassBalance::Auto) mode = imbalanced ? ClassBalance::WeightedLoss : ClassBalance::Off;
  const QString facts = QStringLiteral("'%1' has %2 training %3 and '%4' %5")
                            .arg(classes[largest])
                            .arg(counts[size_t(largest)])
                            .arg(items, classes[smallest])
                            .arg(counts[size_t(smallest)]);
  if (mode == ClassBalance::WeightedLoss) {
    loss.options.weight(torch::tensor(balancingWeights(counts, double(trainLabels.size()))).to(device));
    loss.message = RunEvent{RunEventKind::Info,
                            QStringLiteral("Your classes are imbalanced (%1). Each class counts equally in "
                                           "the loss (class-weighted loss), so the model does not learn "
                                           "to favour the large classes. Change it under loss.class_balance.")
                                .arg(facts)};
  } else if (mode == ClassBalance::BalancedSampling) {
    loss.balancedSampling = true;
    loss.message =
        RunEvent{RunEventKind::Info, QStringLiteral("Balanced sampling: each epoch draws every class "
                                                    "equally often (%1), repeating %2 of the small "
                                                    "classes.")
                                         .arg(facts, items)};
  } else if (imbalanced) {
    loss.message = RunEvent{RunEventKind::Warning,
                            QStringLiteral("Your classes are imbalanced (%1) and class balancing is off: "
                                           "the model may favour the large classes.")
                                .arg(facts)};
  }
  return loss;
}

}  // namespace attune::detail
