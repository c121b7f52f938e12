#pragma once
// Random inputs and tables for text-model tests (includes LibTorch).

#include "core/models/TextModelConfig.h"
#include "core/weights/TensorData.h"

#include <torch/torch.h>

#include <QByteArray>

#include <algorithm>
#include <vector>

namespace attune::testing {

// A batch of token ids [N, L]: [CLS] (2), then random ids from 4 below `vocab`, padded with `pad` to the
// longest of `lengths`.
inline torch::Tensor randomPaddedIds(const std::vector<int64_t>& lengths, int64_t vocab, int64_t pad) {
  const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  auto ids = torch::full({int64_t(lengths.size()), longest}, pad, torch::kInt64);
  for (size_t i = 0; i < lengths.size(); ++i) {
    ids[int64_t(i)][0] = 2;
    if (lengths[i] > 1) ids[int64_t(i)].slice(0, 1, lengths[i]) = torch::randint(4, vocab, {lengths[i] - 1});
  }
  return ids;
}

// A tiny BERT or DistilBERT with bert-base's shape relations: hidden 32, 2 layers, 4 heads, intermediate
// 37, vocabulary 99, 40 positions (make_text_reference.py's sizes).
inline TextModelConfig tinyTextConfig(TextModelKind kind) {
  TextModelConfig config = TextModelConfig::defaultsFor(kind);
  config.vocabSize = 99;
  config.hiddenSize = 32;
  config.numHiddenLayers = 2;
  config.numAttentionHeads = 4;
  config.intermediateSize = 37;
  config.maxPositionEmbeddings = 40;
  return config;
}

// A word-vector table [rows, width] of normal random numbers (seeded 11), its padding row 0 zero.
inline TensorData randomWordTable(int64_t rows, int64_t width) {
  torch::manual_seed(11);
  torch::Tensor table = torch::randn({rows, width});
  table[0].zero_();
  TensorData data;
  data.shape = {rows, width};
  data.bytes = QByteArray(reinterpret_cast<const char*>(table.data_ptr<float>()), int(table.numel() * 4));
  return data;
}

}  // namespace attune::testing
