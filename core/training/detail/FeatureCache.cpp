#include "core/training/detail/FeatureCache.h"

#include "core/training/detail/Autocast.h"

namespace attune::detail {

bool featureCacheWanted(const TrainingConfig& config, TaskKind task,
                        const std::vector<BoundLayerGroup>& groups, const std::vector<bool>& frozen) {
  // Augmentation changes images every epoch; texts are not augmented.
  const bool augmented = task == TaskKind::ImageClassification && config.augments();
  if (config.featureCache != FeatureCacheMode::Auto || augmented || frozen.empty()) return false;
  for (size_t g = 0; g < groups.size(); ++g)
    if (!groups[g].plan.isHead && !frozen[g]) return false;
  return true;
}

Status FeatureCache::build(ImageClassifierImpl& model, const RunData& data, bool bf16,
                           const torch::Device& device, const std::atomic<bool>& stop) {
  const bool wasTraining = model.is_training();
  model.eval();
  Status status = compute(model, data, Split::Train, bf16, device, stop, m_trainFeatures, m_trainLabels);
  if (status) status = compute(model, data, Split::Val, bf16, device, stop, m_valFeatures, m_valLabels);
  model.train(wasTraining);
  if (!status) return status;
  m_active = true;
  return {};
}

Status FeatureCache::compute(ImageClassifierImpl& model, const RunData& data, Split split, bool bf16,
                             const torch::Device& device, const std::atomic<bool>& stop,
                             torch::Tensor& features, torch::Tensor& labels) {
  torch::NoGradGuard noGrad;
  auto batches = data.batches(split, {}, TransformMode::Evaluation, 0, 0);
  std::vector<torch::Tensor> parts, partLabels;
  while (auto batch = batches->next()) {
    if (stop.load()) return Error(ErrorCode::Cancelled, QStringLiteral("Stopped while computing features."));
    if (batch->count == 0) continue;
    AutocastGuard autocast(bf16, device);
    parts.push_back(model.features(batch->inputs).to(torch::kFloat32));
    partLabels.push_back(batch->labels.clone());
  }
  if (parts.empty()) {
    features = torch::zeros({0, 1}, torch::TensorOptions().device(device));
    labels = torch::zeros({0}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  } else {
    features = torch::cat(parts);
    labels = torch::cat(partLabels);
  }
  return {};
}

void FeatureCache::clear() {
  m_trainFeatures = m_trainLabels = m_valFeatures = m_valLabels = torch::Tensor();
  m_active = false;
}

std::unique_ptr<EpochBatches> FeatureCache::trainBatches(std::vector<int64_t> rows, int batchSize,
                                                         uint64_t seed, int epoch, int firstBatch) const {
  return cachedBatches(m_trainFeatures, m_trainLabels, std::move(rows), batchSize, true, seed, epoch,
                       firstBatch);
}

std::unique_ptr<EpochBatches> FeatureCache::valBatches(int batchSize) const {
  return cachedBatches(m_valFeatures, m_valLabels, {}, batchSize, false, 0, 0, 0);
}

}  // namespace attune::detail
