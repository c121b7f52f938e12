#include "core/training/detail/Validation.h"

namespace attune::detail {

std::optional<ValidationResult> validationPass(
    EpochBatches& batches, const std::function<torch::Tensor(const torch::Tensor&)>& logitsOf,
    const torch::Device& device, bool keepAnswers, const std::atomic<bool>& stop) {
  namespace F = torch::nn::functional;
  torch::NoGradGuard noGrad;
  auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  int64_t seen = 0;
  // The probabilities stay on the device and are copied once after the loop (a copy per batch would
  // wait for the device each time).
  std::vector<torch::Tensor> probabilityBatches, labelBatches;
  while (auto batch = batches.next()) {
    if (stop.load()) return std::nullopt;
    if (batch->count == 0) continue;
    auto logits = logitsOf(batch->inputs);
    lossSum += F::cross_entropy(logits, batch->labels, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .to(torch::kFloat64);
    correct += logits.argmax(1).eq(batch->labels).sum();
    seen += batch->count;
    if (keepAnswers) {
      probabilityBatches.push_back(torch::softmax(logits.to(torch::kFloat32), 1));
      // A copy: the loader may reuse the batch's label buffer for the next batch.
      labelBatches.push_back(batch->labels.to(torch::kInt64).clone());
    }
  }
  ValidationResult result;
  if (keepAnswers && !probabilityBatches.empty()) {
    const auto probabilities = torch::cat(probabilityBatches).cpu().contiguous();
    const auto labels = torch::cat(labelBatches).cpu().contiguous();
    result.probabilities.assign(probabilities.data_ptr<float>(),
                                probabilities.data_ptr<float>() + probabilities.numel());
    result.labels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  }
  result.loss = seen > 0 ? lossSum.item<double>() / double(seen) : 0.0;
  result.accuracy = seen > 0 ? double(correct.item<int64_t>()) / double(seen) : 0.0;
  return result;
}

}  // namespace attune::detail
