#pragma once
// Internal (includes LibTorch): torchvision's StochasticDepth in "row" mode. While training, each
// sample's residual branch is dropped with probability p (and the kept ones scaled by 1 / (1 - p));
// in eval mode, and for a frozen backbone (see ImageClassifierImpl::train), it is the identity.
// It has no parameters, so it is not part of any state_dict.

#include <torch/torch.h>

namespace attune::detail {

class StochasticDepthImpl : public torch::nn::Module {
 public:
  explicit StochasticDepthImpl(double dropProbability) : m_dropProbability(dropProbability) {
    TORCH_CHECK(dropProbability >= 0.0 && dropProbability <= 1.0,
                "stochastic depth needs a probability between 0 and 1, got ", dropProbability);
  }

  torch::Tensor forward(torch::Tensor input) {
    if (!is_training() || m_dropProbability == 0.0) return input;
    const double survival = 1.0 - m_dropProbability;
    std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
    shape[0] = input.size(0);
    auto keep = torch::empty(shape, input.options()).bernoulli_(survival);
    if (survival > 0.0) keep.div_(survival);
    return input * keep;
  }

  double dropProbability() const { return m_dropProbability; }

 private:
  double m_dropProbability;
};
TORCH_MODULE(StochasticDepth);

}  // namespace attune::detail
