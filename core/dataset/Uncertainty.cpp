#include "core/dataset/Uncertainty.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attune {

double uncertaintyOf(const std::vector<float>& p, Uncertainty measure) {
  if (p.size() < 2) return -1.0;
  switch (measure) {
    case Uncertainty::LeastConfident:
      return 1.0 - double(*std::max_element(p.begin(), p.end()));
    case Uncertainty::Margin: {
      std::vector<float> sorted = p;
      std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
      return 1.0 - double(sorted[0] - sorted[1]);
    }
    case Uncertainty::Entropy: {
      double entropy = 0.0;
      for (float q : p)
        if (q > 0.0f) entropy -= double(q) * std::log(double(q));
      return std::clamp(entropy / std::log(double(p.size())), 0.0, 1.0);
    }
  }
  return -1.0;
}

std::vector<int> mostUncertainFirst(const std::vector<std::vector<float>>& probabilities,
                                    Uncertainty measure) {
  std::vector<double> score(probabilities.size());
  for (size_t i = 0; i < probabilities.size(); ++i) score[i] = uncertaintyOf(probabilities[i], measure);
  std::vector<int> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&score](int a, int b) { return score[size_t(a)] > score[size_t(b)]; });
  return order;
}

}  // namespace attune
