#pragma once
#include <cstdint>
#include <vector>

namespace attune {

struct SplitIndices {
  std::vector<int> train;  // indices into the label list, ascending
  std::vector<int> val;
};

// Seeded stratified split: each class contributes round(valFraction * count) items to validation,
// at least one to each side when the class has two or more. Same labels + seed -> same split, on
// every platform. A class with a single item goes to train. valFraction <= 0 puts everything in
// train and >= 1 everything in val (the caller asked for no split). Each class is shuffled by its
// own seeded generator, so adding items to one class does not move the others.
SplitIndices stratifiedSplit(const std::vector<int>& labels, double valFraction, uint64_t seed);

// Seeded stratified k-fold: the fold (0..k-1) of each item. Each class is shuffled by its own
// generator and dealt round-robin, starting where the previous class stopped, so every fold gets
// nearly the same number of items of every class and the folds' sizes differ by at most one.
std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, uint64_t seed);

}  // namespace attune
