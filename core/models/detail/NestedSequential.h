#pragma once
// Internal (includes LibTorch): a Sequential that can sit inside another Sequential. LibTorch's own
// Sequential has a templated forward(), which its containers cannot store; torchvision nests them
// freely (features.1.0.block.0.1.weight), so Attune needs this to reproduce its names.

#include <torch/torch.h>

namespace attune::detail {

class NestedSequentialImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor input) { return SequentialImpl::forward(input); }
};
TORCH_MODULE(NestedSequential);

}  // namespace attune::detail
