#include "core/training/detail/TextBatches.h"

#include "core/data/detail/Random.h"

#include <algorithm>
#include <numeric>

namespace attune::detail {
namespace {

constexpr uint64_t kTextStream = 0x7e47;

class TextEpoch : public EpochBatches {
 public:
  TextEpoch(std::shared_ptr<const EncodedTexts> texts, std::vector<int64_t> order, int batchSize,
            int firstBatch, const torch::Device& device)
      : m_texts(std::move(texts)),
        m_order(std::move(order)),
        m_batchSize(std::max(1, batchSize)),
        m_next(int64_t(std::max(0, firstBatch)) * m_batchSize),
        m_device(device) {}

  std::optional<TensorBatch> next() override {
    if (m_next >= int64_t(m_order.size())) return std::nullopt;
    const auto made = std::chrono::steady_clock::now();
    const int64_t n = std::min<int64_t>(m_batchSize, int64_t(m_order.size()) - m_next);
    size_t longest = 1;
    for (int64_t i = 0; i < n; ++i)
      longest = std::max(longest, m_texts->ids[size_t(m_order[size_t(m_next + i)])].size());
    auto ids = torch::full({n, int64_t(longest)}, m_texts->padId, torch::kInt64);
    auto labels = torch::empty({n}, torch::kInt64);
    auto idsOut = ids.accessor<int64_t, 2>();
    auto labelsOut = labels.accessor<int64_t, 1>();
    for (int64_t i = 0; i < n; ++i) {
      const size_t row = size_t(m_order[size_t(m_next + i)]);
      const auto& text = m_texts->ids[row];
      for (size_t t = 0; t < text.size(); ++t) idsOut[i][int64_t(t)] = text[t];
      labelsOut[i] = m_texts->labels[row];
    }
    m_next += n;
    TensorBatch out;
    out.count = n;
    out.inputs = onDevice(ids, m_device);
    out.labels = onDevice(labels, m_device);
    out.toTensorMs = msSince(made);
    return out;
  }

  int64_t batchCount() const override { return (int64_t(m_order.size()) + m_batchSize - 1) / m_batchSize; }

 private:
  std::shared_ptr<const EncodedTexts> m_texts;
  std::vector<int64_t> m_order;
  int m_batchSize;
  int64_t m_next;
  torch::Device m_device;
};

}  // namespace

std::unique_ptr<EpochBatches> textBatches(std::shared_ptr<const EncodedTexts> texts,
                                          std::vector<int64_t> rows, int batchSize, bool shuffle,
                                          uint64_t seed, int epoch, int firstBatch,
                                          const torch::Device& device) {
  if (rows.empty()) {
    rows.resize(texts->ids.size());
    std::iota(rows.begin(), rows.end(), int64_t(0));
  }
  if (shuffle) {
    std::mt19937_64 rng(combineSeed({seed, uint64_t(epoch), kTextStream}));
    fisherYatesShuffle(rows, rng);
  }
  return std::make_unique<TextEpoch>(std::move(texts), std::move(rows), batchSize, firstBatch, device);
}

}  // namespace attune::detail
