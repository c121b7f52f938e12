#pragma once
// Internal (LibTorch): the feature cache. While every pre-trained layer group is frozen and the
// examples are not augmented, the backbone's output for an example is the same in every epoch: it is
// computed once for the training and validation examples, and the head then trains on these features,
// which makes an epoch take a fraction of the time. Unfreezing a pre-trained group ends it.

#include "core/common/Result.h"
#include "core/project/TrainingConfig.h"
#include "core/training/TrainingJob.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/ModelSetup.h"
#include "core/training/detail/RunData.h"

#include <torch/torch.h>

#include <atomic>
#include <memory>
#include <vector>

namespace attune::detail {

// Whether the run should train on cached features: FeatureCacheMode::Auto, no augmentation (texts
// have none), and every group but the head frozen under `frozen` (per group; empty: not applied yet).
bool featureCacheWanted(const TrainingConfig& config, TaskKind task,
                        const std::vector<BoundLayerGroup>& groups, const std::vector<bool>& frozen);

class FeatureCache {
 public:
  bool active() const { return m_active; }
  // Examples cached, training and validation together.
  int64_t size() const { return m_trainFeatures.size(0) + m_valFeatures.size(0); }

  // Computes the features of every training and validation example of `data` (decoded as for
  // validation), in bfloat16 when `bf16`; the model's training mode is kept. Errors: Cancelled when
  // `stop` is set (the cache stays inactive).
  Status build(ImageClassifierImpl& model, const RunData& data, bool bf16, const torch::Device& device,
               const std::atomic<bool>& stop);
  // Frees the features; the run computes them from the examples again.
  void clear();

  // cachedBatches (EpochBatches.h) over the cached training features, shuffled.
  std::unique_ptr<EpochBatches> trainBatches(std::vector<int64_t> rows, int batchSize, uint64_t seed,
                                             int epoch, int firstBatch) const;
  // ... over the validation features, in order.
  std::unique_ptr<EpochBatches> valBatches(int batchSize) const;

 private:
  Status compute(ImageClassifierImpl& model, const RunData& data, Split split, bool bf16,
                 const torch::Device& device, const std::atomic<bool>& stop, torch::Tensor& features,
                 torch::Tensor& labels);

  torch::Tensor m_trainFeatures, m_trainLabels, m_valFeatures, m_valLabels;
  bool m_active = false;
};

}  // namespace attune::detail
