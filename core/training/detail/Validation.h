#pragma once
// Internal (LibTorch): the validation pass of an epoch: the mean loss and accuracy over the validation
// batches, and every example's class probabilities for the run's per-epoch validation answers.

#include "core/training/detail/EpochBatches.h"

#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

namespace attune::detail {

struct ValidationResult {
  double loss = 0.0;  // mean cross-entropy (no label smoothing, no class weights); 0 without examples
  double accuracy = 0.0;
  // With keepAnswers: class probabilities (examples x classes, in validation order) and labels.
  std::vector<float> probabilities;
  std::vector<int> labels;
};

// Runs `logitsOf` (float32 logits of a batch's inputs, the model in evaluation mode) over `batches`
// without gradients. Nothing when `stop` was set.
std::optional<ValidationResult> validationPass(
    EpochBatches& batches, const std::function<torch::Tensor(const torch::Tensor&)>& logitsOf,
    const torch::Device& device, bool keepAnswers, const std::atomic<bool>& stop);

}  // namespace attune::detail
