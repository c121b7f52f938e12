#pragma once
// Decodes and augments the images of one epoch on worker threads, ahead of the trainer, and hands
// out ready batches in order. Deterministic for a given seed and epoch whatever the worker count:
// each sample's augmentation draws from its own generator seeded by (seed, epoch, sample index),
// where the sample index is its place in the `samples` vector (not in the shuffled order).
// Threads: next() from one consumer thread; cancel() from any thread.

#include "core/data/ImageSample.h"
#include "core/data/ImageTransform.h"

#include <QStringList>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace attune {

// An image that fails to decode is left out of its batch, so `count` can be below the batch size,
// and 0 when every image of the batch failed (pixels and labels are then empty): skip such a batch.
struct ImageBatch {
  int count = 0;  // images in this batch
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<float> pixels;    // count * channels * height * width, NCHW
  std::vector<int64_t> labels;  // count
  QStringList failedPaths;      // images of this batch that could not be read (left out of it)
  QStringList failedReasons;    // why, in plain words; same order as failedPaths
};

enum class Shuffle { No, Yes };

struct BatchLoaderOptions {
  int batchSize = 32;
  Shuffle shuffle = Shuffle::No;
  uint64_t seed = 0;
  int epoch = 0;
  int workers = 2;          // at least 1
  int prefetchBatches = 4;  // how many batches may be ready ahead of the consumer (at least 1)
  // Starts the epoch at this batch, as if the earlier ones had been handed out (a resumed run):
  // the batches that follow are exactly those of an epoch read from the start.
  int firstBatch = 0;
  TransformOptions transform;
};

class BatchLoader {
 public:
  BatchLoader(std::vector<ImageSample> samples, BatchLoaderOptions options);
  ~BatchLoader();  // cancels and joins the workers
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int batchCount() const;
  // The next batch in order; nullopt after the last one or after cancel(). Blocks while the
  // workers are still preparing it.
  std::optional<ImageBatch> next();
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace attune
