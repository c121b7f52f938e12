#pragma once
// How unsure a model is about an item, to label the most useful items first (uncertainty sampling,
// the simplest form of active learning): the items the model is least sure of teach it most.

#include <vector>

namespace attune {

enum class Uncertainty {
  LeastConfident,  // 1 - the top probability
  Margin,          // 1 - (top - second): close calls between two classes first
  Entropy,         // the spread of the probabilities, normalised to [0, 1] by log(classes)
};

// The uncertainty of one item's class probabilities: higher is less sure, in [0, 1]; -1 when there
// are none (fewer than two classes).
double uncertaintyOf(const std::vector<float>& probabilities, Uncertainty measure);

// The items' indices, the least sure first (ties: in index order); items without probabilities last.
std::vector<int> mostUncertainFirst(const std::vector<std::vector<float>>& probabilities,
                                    Uncertainty measure);

}  // namespace attune
