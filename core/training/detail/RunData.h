#pragma once
// Internal (LibTorch): the samples of a run whatever their kind — images read from files, or texts
// encoded as token ids — behind one interface for the training loop, the LR finder and k-fold: their
// labels, their batches as tensors on the device, and a name for each in reports (oof.csv).

#include "core/data/BatchLoader.h"
#include "core/data/ImageSample.h"
#include "core/data/TextSample.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/TextBatches.h"

#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace attune::detail {

enum class Split { Train, Val };

class RunData {
 public:
  virtual ~RunData() = default;
  virtual const std::vector<int>& labels(Split split) const = 0;
  int64_t size(Split split) const { return int64_t(labels(split).size()); }
  // One pass over `split`: the samples `rows` picks (may repeat; empty: all, in order), shuffled with
  // (seed, epoch) and augmented when `mode` is Training, in batches from batch `firstBatch` on.
  virtual std::unique_ptr<EpochBatches> batches(Split split, std::vector<int64_t> rows, TransformMode mode,
                                                int epoch, int firstBatch) const = 0;
  // How a report names sample `index` of `split`: its path, or its position in the table.
  virtual QString itemName(Split split, size_t index) const = 0;
  // "images" or "texts", for the run's messages.
  virtual QString itemsWord() const = 0;
  // How many threads prepare the batches of the next batches() (images; texts need none).
  virtual void setLoaderWorkers(int workers) { (void)workers; }
};

// Images: batches decoded and augmented by a BatchLoader with `base` options (batch size, seed,
// workers, transform); failed images are reported through `onFailed`.
std::unique_ptr<RunData> imageRunData(std::vector<ImageSample> train, std::vector<ImageSample> val,
                                      BatchLoaderOptions base, const torch::Device& device,
                                      FailedImageReporter onFailed);

// Texts: encoded once by `encode` (special tokens included, truncated), then dynamically padded.
using TextEncoder = std::function<std::vector<int32_t>(const QString& text)>;
std::unique_ptr<RunData> textRunData(const std::vector<TextSample>& train, const std::vector<TextSample>& val,
                                     const TextEncoder& encode, int64_t padId, int batchSize, uint64_t seed,
                                     const torch::Device& device);

}  // namespace attune::detail
