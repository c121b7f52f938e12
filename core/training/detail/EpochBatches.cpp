#include "core/training/detail/EpochBatches.h"

#include "core/data/detail/Random.h"

#include <numeric>

namespace attune::detail {
namespace {

// Balanced draws use their own stream so they never coincide with the loader's shuffle.
constexpr uint64_t kBalancedStream = 0xba1a'4ced;
constexpr uint64_t kCacheStream = 0xcac4e;

class ImageEpoch : public EpochBatches {
 public:
  ImageEpoch(std::vector<ImageSample> samples, const BatchLoaderOptions& options, const torch::Device& device,
             FailedImageReporter onFailed)
      : m_loader(std::move(samples), options), m_device(device), m_onFailed(std::move(onFailed)) {}

  std::optional<TensorBatch> next() override {
    auto batch = m_loader.next();
    if (!batch) return std::nullopt;
    const auto made = std::chrono::steady_clock::now();
    if (!batch->failedPaths.isEmpty() && m_onFailed) m_onFailed(batch->failedPaths, batch->failedReasons);
    TensorBatch out;
    out.count = batch->count;
    if (batch->count == 0) return out;
    out.storage = std::make_shared<ImageBatch>(std::move(*batch));
    ImageBatch& b = *out.storage;
    out.inputs = torch::from_blob(b.pixels.data(), {b.count, b.channels, b.height, b.width}, torch::kFloat32);
    out.labels = torch::from_blob(b.labels.data(), {b.count}, torch::kInt64);
    out.inputs = onDevice(out.inputs, m_device);
    out.labels = onDevice(out.labels, m_device);
    out.toTensorMs = msSince(made);
    return out;
  }

  int64_t batchCount() const override { return m_loader.batchCount(); }

 private:
  BatchLoader m_loader;
  torch::Device m_device;
  FailedImageReporter m_onFailed;
};

class CachedEpoch : public EpochBatches {
 public:
  CachedEpoch(torch::Tensor features, torch::Tensor labels, std::vector<int64_t> order, int batchSize,
              int firstBatch)
      : m_features(std::move(features)),
        m_labels(std::move(labels)),
        m_order(std::move(order)),
        m_batchSize(std::max(1, batchSize)),
        m_next(int64_t(std::max(0, firstBatch)) * m_batchSize),
        // The epoch's order goes to the features' device once, not a batch at a time.
        m_index(onDevice(torch::from_blob(m_order.data(), {int64_t(m_order.size())}, torch::kInt64),
                         m_features.device())) {}

  std::optional<TensorBatch> next() override {
    if (m_next >= int64_t(m_order.size())) return std::nullopt;
    const auto made = std::chrono::steady_clock::now();
    const int64_t n = std::min<int64_t>(m_batchSize, int64_t(m_order.size()) - m_next);
    auto index = m_index.narrow(0, m_next, n);
    m_next += n;
    TensorBatch out;
    out.count = n;
    out.inputs = m_features.index_select(0, index);
    out.labels = m_labels.index_select(0, index);
    out.toTensorMs = msSince(made);
    return out;
  }

  int64_t batchCount() const override { return (int64_t(m_order.size()) + m_batchSize - 1) / m_batchSize; }

 private:
  torch::Tensor m_features;
  torch::Tensor m_labels;
  std::vector<int64_t> m_order;
  int m_batchSize;
  int64_t m_next;
  torch::Tensor m_index;  // m_order on the features' device (on the CPU: over m_order's memory)
};

}  // namespace

std::unique_ptr<EpochBatches> imageBatches(std::vector<ImageSample> samples,
                                           const BatchLoaderOptions& options, const torch::Device& device,
                                           FailedImageReporter onFailed) {
  return std::make_unique<ImageEpoch>(std::move(samples), options, device, std::move(onFailed));
}

std::unique_ptr<EpochBatches> cachedBatches(const torch::Tensor& features, const torch::Tensor& labels,
                                            std::vector<int64_t> rows, int batchSize, bool shuffle,
                                            uint64_t seed, int epoch, int firstBatch) {
  if (rows.empty()) {
    rows.resize(size_t(features.size(0)));
    std::iota(rows.begin(), rows.end(), int64_t(0));
  }
  if (shuffle) {
    std::mt19937_64 rng(combineSeed({seed, uint64_t(epoch), kCacheStream}));
    fisherYatesShuffle(rows, rng);
  }
  return std::make_unique<CachedEpoch>(features, labels, std::move(rows), batchSize, firstBatch);
}

std::vector<int64_t> balancedDraw(const std::vector<int>& labels, int classCount, uint64_t seed, int epoch) {
  std::vector<std::vector<int64_t>> byClass(size_t(std::max(0, classCount)));
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= 0 && labels[i] < classCount) byClass[size_t(labels[i])].push_back(int64_t(i));
  std::vector<size_t> present;
  for (size_t c = 0; c < byClass.size(); ++c)
    if (!byClass[c].empty()) present.push_back(c);
  std::vector<int64_t> draws;
  if (present.empty()) return draws;
  std::mt19937_64 rng(combineSeed({seed, uint64_t(epoch), kBalancedStream}));
  draws.reserve(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& members = byClass[present[size_t(uniformBelow(rng, present.size()))]];
    draws.push_back(members[size_t(uniformBelow(rng, members.size()))]);
  }
  return draws;
}

}  // namespace attune::detail
