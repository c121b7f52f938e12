#pragma once
#include <cstdint>
#include <vector>

namespace attune {

struct SplitIndices {
  std::vector<int> train;  // indices into the label list, ascending
  std::vector<int> val;
};

// Seeded stratified split: each class contributes round(valFraction * count) items to validation,
// at least one to each side when the class has two or more. Same labels + seed -> same split.
SplitIndices stratifiedSplit(const std::vector<int>& labels, double valFraction, uint64_t seed);

}  // namespace attune
