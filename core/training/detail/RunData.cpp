#include "core/training/detail/RunData.h"

namespace attune::detail {
namespace {

class ImageRunData : public RunData {
 public:
  ImageRunData(std::vector<ImageSample> train, std::vector<ImageSample> val, BatchLoaderOptions base,
               const torch::Device& device, FailedImageReporter onFailed)
      : m_samples{std::move(train), std::move(val)},
        m_base(std::move(base)),
        m_device(device),
        m_onFailed(std::move(onFailed)) {
    for (int s = 0; s < 2; ++s)
      for (const auto& sample : m_samples[s]) m_labels[s].push_back(sample.label);
  }

  const std::vector<int>& labels(Split split) const override { return m_labels[int(split)]; }

  std::unique_ptr<EpochBatches> batches(Split split, std::vector<int64_t> rows, TransformMode mode, int epoch,
                                        int firstBatch) const override {
    const auto& all = m_samples[int(split)];
    std::vector<ImageSample> samples;
    if (rows.empty()) {
      samples = all;
    } else {
      samples.reserve(rows.size());
      for (int64_t r : rows) samples.push_back(all[size_t(r)]);
    }
    BatchLoaderOptions options = m_base;
    options.shuffle = mode == TransformMode::Training ? Shuffle::Yes : Shuffle::No;
    options.epoch = epoch;
    options.firstBatch = firstBatch;
    options.transform.mode = mode;
    return imageBatches(std::move(samples), options, m_device, m_onFailed);
  }

  QString itemName(Split split, size_t index) const override { return m_samples[int(split)][index].path; }
  QString itemsWord() const override { return QStringLiteral("images"); }
  void setLoaderWorkers(int workers) override { m_base.workers = std::max(1, workers); }

 private:
  std::vector<ImageSample> m_samples[2];
  std::vector<int> m_labels[2];
  BatchLoaderOptions m_base;
  torch::Device m_device;
  FailedImageReporter m_onFailed;
};

class TextRunData : public RunData {
 public:
  TextRunData(const std::vector<TextSample>& train, const std::vector<TextSample>& val,
              const TextEncoder& encode, int64_t padId, int batchSize, uint64_t seed,
              const torch::Device& device)
      : m_batchSize(batchSize), m_seed(seed), m_device(device) {
    const std::vector<TextSample>* parts[2] = {&train, &val};
    for (int s = 0; s < 2; ++s) {
      auto texts = std::make_shared<EncodedTexts>();
      texts->padId = padId;
      for (const auto& sample : *parts[s]) {
        texts->ids.push_back(encode(sample.text));
        texts->labels.push_back(sample.label);
        m_lines[s].push_back(sample.line);
      }
      m_texts[s] = std::move(texts);
    }
  }

  const std::vector<int>& labels(Split split) const override { return m_texts[int(split)]->labels; }

  std::unique_ptr<EpochBatches> batches(Split split, std::vector<int64_t> rows, TransformMode mode, int epoch,
                                        int firstBatch) const override {
    return textBatches(m_texts[int(split)], std::move(rows), m_batchSize, mode == TransformMode::Training,
                       m_seed, epoch, firstBatch, m_device);
  }

  QString itemName(Split split, size_t index) const override {
    return QStringLiteral("line %1").arg(m_lines[int(split)][index]);
  }
  QString itemsWord() const override { return QStringLiteral("texts"); }

 private:
  std::shared_ptr<const EncodedTexts> m_texts[2];
  std::vector<int> m_lines[2];
  int m_batchSize;
  uint64_t m_seed;
  torch::Device m_device;
};

}  // namespace

std::unique_ptr<RunData> imageRunData(std::vector<ImageSample> train, std::vector<ImageSample> val,
                                      BatchLoaderOptions base, const torch::Device& device,
                                      FailedImageReporter onFailed) {
  return std::make_unique<ImageRunData>(std::move(train), std::move(val), std::move(base), device,
                                        std::move(onFailed));
}

std::unique_ptr<RunData> textRunData(const std::vector<TextSample>& train, const std::vector<TextSample>& val,
                                     const TextEncoder& encode, int64_t padId, int batchSize, uint64_t seed,
                                     const torch::Device& device) {
  return std::make_unique<TextRunData>(train, val, encode, padId, batchSize, seed, device);
}

}  // namespace attune::detail
