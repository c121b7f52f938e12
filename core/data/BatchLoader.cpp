#include "core/data/BatchLoader.h"

#include "core/data/detail/Random.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

namespace attune {

namespace {

// A batch whose samples are still being decoded. Workers write disjoint slices of `pixels`
// without the lock; `remaining` (under the lock) says when the consumer may read them.
struct PendingBatch {
  int count = 0;
  int remaining = 0;
  std::vector<float> pixels;
  std::vector<QString> failures;  // per position: empty = decoded, else the reason
};

}  // namespace

struct BatchLoader::Impl {
  std::vector<ImageSample> samples;
  BatchLoaderOptions options;
  std::vector<int> order;  // epoch position -> sample index
  int batchCount = 0;
  qsizetype floatsPerImage = 0;

  std::mutex mutex;
  std::condition_variable workAvailable;  // workers: a sample entered the prefetch window, or cancel
  std::condition_variable batchReady;     // consumer: a batch completed, or cancel
  bool cancelled = false;
  int nextPosition = 0;                                // the next epoch position a worker claims
  int consumedCount = 0;                               // batches handed out by next()
  std::vector<std::unique_ptr<PendingBatch>> pending;  // by batch index, created on first claim
  std::vector<std::thread> workers;

  int batchOf(int position) const { return position / options.batchSize; }
  int sizeOf(int batch) const {
    return std::min(options.batchSize, int(order.size()) - batch * options.batchSize);
  }
  bool claimable() const {
    return nextPosition < int(order.size()) &&
           batchOf(nextPosition) < consumedCount + options.prefetchBatches;
  }

  void work();
  void prepare(int position, PendingBatch& batch);
  ImageBatch assemble(int batchIndex, PendingBatch&& done) const;
};

void BatchLoader::Impl::work() {
  // A zeroed batch buffer costs milliseconds of page faults; preparing it here, outside the lock,
  // keeps the other workers from waiting on it when this worker opens the next batch.
  std::vector<float> spare(size_t(sizeOf(0) * floatsPerImage));
  for (;;) {
    int position = 0;
    int openedBatch = -1;
    PendingBatch* batch = nullptr;
    {
      std::unique_lock lock(mutex);
      workAvailable.wait(lock, [&] { return cancelled || nextPosition >= int(order.size()) || claimable(); });
      if (cancelled || nextPosition >= int(order.size())) return;
      position = nextPosition++;
      const int batchIndex = batchOf(position);
      auto& slot = pending[size_t(batchIndex)];
      if (!slot) {
        slot = std::make_unique<PendingBatch>();
        slot->count = sizeOf(batchIndex);
        slot->remaining = slot->count;
        slot->pixels = std::move(spare);
        slot->pixels.resize(size_t(slot->count * floatsPerImage));
        slot->failures.resize(size_t(slot->count));
        openedBatch = batchIndex;
      }
      batch = slot.get();
    }
    if (openedBatch >= 0 && openedBatch + 1 < batchCount)
      spare = std::vector<float>(size_t(options.batchSize * floatsPerImage));

    prepare(position, *batch);

    std::lock_guard lock(mutex);
    if (--batch->remaining == 0) batchReady.notify_all();
  }
}

void BatchLoader::Impl::prepare(int position, PendingBatch& batch) {
  const int slot = position % options.batchSize;
  const int sampleIndex = order[size_t(position)];
  QString& failure = batch.failures[size_t(slot)];
  try {
    Result<QImage> image = decodeImage(samples[size_t(sampleIndex)].path, decodeMinSide(options.transform),
                                       QImage::Format_RGB32);
    if (!image) {
      failure = image.error().text();
      return;
    }
    // Keyed by the sample, not by the worker or the position, so augmentations are the same for
    // any worker count and for shuffled and unshuffled epochs.
    std::mt19937_64 rng(detail::combineSeed({options.seed, uint64_t(options.epoch), uint64_t(sampleIndex)}));
    transformImage(*image, options.transform, rng, batch.pixels.data() + slot * floatsPerImage);
  } catch (const std::exception& e) {
    // Out of memory on a huge image must cost that image, not the process.
    failure = QStringLiteral("cannot be prepared: %1").arg(QString::fromLocal8Bit(e.what()));
  }
}

ImageBatch BatchLoader::Impl::assemble(int batchIndex, PendingBatch&& done) const {
  ImageBatch batch;
  batch.height = options.transform.outputSize;
  batch.width = options.transform.outputSize;
  batch.pixels = std::move(done.pixels);
  int kept = 0;
  for (int slot = 0; slot < done.count; ++slot) {
    const ImageSample& sample = samples[size_t(order[size_t(batchIndex * options.batchSize + slot)])];
    if (!done.failures[size_t(slot)].isEmpty()) {
      batch.failedPaths << sample.path;
      batch.failedReasons << done.failures[size_t(slot)];
      continue;
    }
    if (kept != slot)
      std::copy_n(batch.pixels.begin() + slot * floatsPerImage, floatsPerImage,
                  batch.pixels.begin() + kept * floatsPerImage);
    batch.labels.push_back(sample.label);
    ++kept;
  }
  batch.count = kept;
  batch.pixels.resize(size_t(kept * floatsPerImage));
  return batch;
}

BatchLoader::BatchLoader(std::vector<ImageSample> samples, BatchLoaderOptions options)
    : m_impl(std::make_unique<Impl>()) {
  Impl& d = *m_impl;
  options.batchSize = std::max(1, options.batchSize);
  options.workers = std::max(1, options.workers);
  options.prefetchBatches = std::max(1, options.prefetchBatches);
  d.samples = std::move(samples);
  d.options = options;
  d.floatsPerImage = 3 * qsizetype(options.transform.outputSize) * options.transform.outputSize;

  d.order.resize(d.samples.size());
  std::iota(d.order.begin(), d.order.end(), 0);
  if (options.shuffle == Shuffle::Yes) {
    std::mt19937_64 rng(detail::combineSeed({options.seed, uint64_t(options.epoch)}));
    detail::fisherYatesShuffle(d.order, rng);
  }
  d.batchCount = (int(d.order.size()) + options.batchSize - 1) / options.batchSize;
  d.pending.resize(size_t(d.batchCount));
  d.consumedCount = std::clamp(options.firstBatch, 0, d.batchCount);
  d.nextPosition = std::min(int(d.order.size()), d.consumedCount * options.batchSize);

  // More workers than images in flight would only wait.
  const int workerCount = std::min(options.workers, int(d.order.size()));
  for (int i = 0; i < workerCount; ++i) d.workers.emplace_back([&d] { d.work(); });
}

BatchLoader::~BatchLoader() {
  cancel();
  for (std::thread& worker : m_impl->workers) worker.join();
}

int BatchLoader::batchCount() const {
  return m_impl->batchCount;
}

std::optional<ImageBatch> BatchLoader::next() {
  Impl& d = *m_impl;
  std::unique_ptr<PendingBatch> done;
  int batchIndex = 0;
  {
    std::unique_lock lock(d.mutex);
    if (d.cancelled || d.consumedCount >= d.batchCount) return std::nullopt;
    batchIndex = d.consumedCount;
    d.batchReady.wait(lock, [&] {
      const auto& slot = d.pending[size_t(batchIndex)];
      return d.cancelled || (slot && slot->remaining == 0);
    });
    if (d.cancelled) return std::nullopt;
    done = std::move(d.pending[size_t(batchIndex)]);
    ++d.consumedCount;
  }
  // The prefetch window moved on by one batch.
  d.workAvailable.notify_all();
  return d.assemble(batchIndex, std::move(*done));
}

void BatchLoader::cancel() {
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->cancelled = true;
  }
  m_impl->workAvailable.notify_all();
  m_impl->batchReady.notify_all();
}

}  // namespace attune
