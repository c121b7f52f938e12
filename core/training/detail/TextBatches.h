#pragma once
// Internal (LibTorch): the batches of texts already encoded as token ids, padded per batch to the
// longest text in it (dynamic padding: a batch of short texts costs little), as ONE int64 tensor
// [N, L] whose padding is `padId` (the text models derive their attention mask from it).

#include "core/training/detail/EpochBatches.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace attune::detail {

struct EncodedTexts {
  std::vector<std::vector<int32_t>> ids;  // per text, special tokens included, already truncated
  std::vector<int> labels;                // per text
  int64_t padId = 0;
};

// The texts that `rows` picks (may repeat; empty: all, in order), shuffled with (seed, epoch) when
// `shuffle`, in batches of batchSize from batch firstBatch on. Deterministic for (seed, epoch).
std::unique_ptr<EpochBatches> textBatches(std::shared_ptr<const EncodedTexts> texts,
                                          std::vector<int64_t> rows, int batchSize, bool shuffle,
                                          uint64_t seed, int epoch, int firstBatch,
                                          const torch::Device& device);

}  // namespace attune::detail
