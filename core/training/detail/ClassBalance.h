#pragma once
// Internal (LibTorch): the training loss of a run: cross-entropy with the configured label smoothing
// and, for imbalanced classes (TrainingConfig::classBalance), class weights or balanced sampling.

#include "core/project/TrainingConfig.h"
#include "core/training/RunMetrics.h"

#include <torch/torch.h>

#include <QStringList>

#include <optional>
#include <vector>

namespace attune::detail {

struct TrainingLoss {
  torch::nn::functional::CrossEntropyFuncOptions options;
  bool balancedSampling = false;    // each epoch draws every class equally often (balancedDraw)
  std::optional<RunEvent> message;  // what was decided and why, for the run's log
};

// `trainLabels`: the class index of every training example; `items`: "images" or "texts". With
// ClassBalance::Auto, classes are imbalanced when the largest has at least 3 times the examples of
// the smallest; they then count equally in the loss.
TrainingLoss trainingLoss(const TrainingConfig& config, const QStringList& classes,
                          const std::vector<int>& trainLabels, const QString& items,
                          const torch::Device& device);

}  // namespace attune::detail
