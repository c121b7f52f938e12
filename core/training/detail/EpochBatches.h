#pragma once
// Internal (LibTorch): the batches of one training or validation epoch, as tensors on the device:
// decoded and augmented images from a BatchLoader, or rows of the feature cache (the frozen
// backbone's outputs computed once). Both are deterministic for (seed, epoch) and can start at any
// batch, which is what makes a resumed run continue exactly.

#include "core/data/BatchLoader.h"
#include "core/data/ImageSample.h"

#include <torch/torch.h>

#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace attune::detail {

struct TensorBatch {
  torch::Tensor inputs;  // images [N, 3, H, W] or features [N, D]
  torch::Tensor labels;  // [N] int64
  int64_t count = 0;     // 0: every image of the batch failed to load (skip it, it still counts)
  std::shared_ptr<ImageBatch> storage;  // keeps the loader's pixels alive under `inputs`
  // Of the time next() took, what went into making the tensors and moving them to the device (the
  // rest was waiting for the loader): StepPhases.
  double toTensorMs = 0.0;
};

// Milliseconds since `start` on the steady clock (StepPhases).
inline double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// A batch's host tensor on `device`: itself on the CPU; on a GPU, copied into page-locked (pinned)
// memory and from there without the host waiting for the copy (the device's queue orders it before the
// forward pass that reads it, and the pinned block is not reused until the copy is done).
inline torch::Tensor onDevice(const torch::Tensor& host, const torch::Device& device) {
  if (device.is_cpu()) return host;
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

using FailedImageReporter = std::function<void(const QStringList& paths, const QStringList& reasons)>;

class EpochBatches {
 public:
  virtual ~EpochBatches() = default;
  virtual std::optional<TensorBatch> next() = 0;
  virtual int64_t batchCount() const = 0;
};

std::unique_ptr<EpochBatches> imageBatches(std::vector<ImageSample> samples,
                                           const BatchLoaderOptions& options, const torch::Device& device,
                                           FailedImageReporter onFailed);

// Cached features, shuffled with (seed, epoch) when `shuffle`, in batches of batchSize from firstBatch.
// `rows` picks (and may repeat) the rows of this epoch, in order before shuffling; empty: all rows.
std::unique_ptr<EpochBatches> cachedBatches(const torch::Tensor& features, const torch::Tensor& labels,
                                            std::vector<int64_t> rows, int batchSize, bool shuffle,
                                            uint64_t seed, int epoch, int firstBatch);

// Balanced sampling: as many draws as there are samples, each picking a class uniformly and then one
// of its samples uniformly, seeded by (seed, epoch). Returns indices into `labels`.
std::vector<int64_t> balancedDraw(const std::vector<int>& labels, int classCount, uint64_t seed, int epoch);

}  // namespace attune::detail
