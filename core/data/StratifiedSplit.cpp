#include "core/data/StratifiedSplit.h"

#include "core/data/detail/Random.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace attune {

SplitIndices stratifiedSplit(const std::vector<int>& labels, double valFraction, uint64_t seed) {
  std::map<int, std::vector<int>> byClass;  // ordered, so the result never depends on hash order
  for (int i = 0; i < int(labels.size()); ++i) byClass[labels[size_t(i)]].push_back(i);

  const double fraction = std::isfinite(valFraction) ? std::clamp(valFraction, 0.0, 1.0) : 0.0;
  SplitIndices split;
  for (auto& [label, indices] : byClass) {
    const int count = int(indices.size());
    int valCount = int(std::lround(fraction * count));
    if (count >= 2 && fraction > 0.0 && fraction < 1.0) valCount = std::clamp(valCount, 1, count - 1);
    // A lone image goes to training: it cannot be on both sides, and validating on a class the
    // model never saw measures nothing.
    if (count == 1 && fraction < 1.0) valCount = 0;

    // Each class draws from its own generator, so adding images to one class leaves the split of
    // the others unchanged.
    std::mt19937_64 rng(detail::combineSeed({seed, uint64_t(int64_t(label))}));
    detail::fisherYatesShuffle(indices, rng);
    split.val.insert(split.val.end(), indices.begin(), indices.begin() + valCount);
    split.train.insert(split.train.end(), indices.begin() + valCount, indices.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.val.begin(), split.val.end());
  return split;
}

std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, uint64_t seed) {
  std::vector<int> fold(labels.size(), 0);
  if (folds < 2) return fold;
  std::map<int, std::vector<int>> byClass;
  for (int i = 0; i < int(labels.size()); ++i) byClass[labels[size_t(i)]].push_back(i);
  int next = 0;
  for (auto& [label, indices] : byClass) {
    std::mt19937_64 rng(detail::combineSeed({seed, uint64_t(int64_t(label)), 0x6b666f6cULL}));
    detail::fisherYatesShuffle(indices, rng);
    for (int index : indices) {
      fold[size_t(index)] = next;
      next = (next + 1) % folds;
    }
  }
  return fold;
}

}  // namespace attune
