#pragma once
// Internal (includes LibTorch): parameter-free layers for Sequential containers that also write
// themselves into an ONNX graph (a torch::nn::Functional holds an opaque function, which cannot).

#include "core/models/detail/OnnxGraph.h"

#include <torch/torch.h>

#include <vector>

namespace attune::detail {

// The exact GELU (with the error function), as torch.nn.GELU().
class GeluLayerImpl : public torch::nn::Module, public OnnxModule {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return torch::gelu(x); }
  OnnxValue toOnnx(OnnxGraph& graph, const OnnxValue& x) const override { return graph.gelu(x); }
};
TORCH_MODULE(GeluLayer);

// x.permute(dims).
class PermuteLayerImpl : public torch::nn::Module, public OnnxModule {
 public:
  explicit PermuteLayerImpl(std::vector<int64_t> dims) : m_dims(std::move(dims)) {}
  torch::Tensor forward(const torch::Tensor& x) { return x.permute(m_dims); }
  OnnxValue toOnnx(OnnxGraph& graph, const OnnxValue& x) const override { return graph.transpose(x, m_dims); }

 private:
  std::vector<int64_t> m_dims;
};
TORCH_MODULE(PermuteLayer);

}  // namespace attune::detail
