#pragma once
// Internal (includes LibTorch): torchvision 0.14's ResNet (BasicBlock for 18/34, Bottleneck for 50),
// with its module names, so that named_parameters() and named_buffers() equal its state_dict keys.

#include "core/models/detail/ImageClassifier.h"

#include <array>

namespace attune::detail {

class ResNetImpl : public ImageClassifierImpl {
 public:
  enum class Block { Basic, Bottleneck };
  using LayerCounts = std::array<int, 4>;  // blocks in layer1..layer4

  ResNetImpl(Block block, LayerCounts layers, int numClasses);

  torch::Tensor features(torch::Tensor input) override;
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;
  std::string headPrefix() const override { return "fc."; }

 private:
  torch::nn::Sequential makeLayer(Block block, int planes, int blocks, int stride);

  int m_inplanes = 64;  // channels entering the next layer, as in torchvision's _make_layer
  torch::nn::Conv2d m_conv1{nullptr};
  torch::nn::BatchNorm2d m_bn1{nullptr};
  std::array<torch::nn::Sequential, 4> m_layers{nullptr, nullptr, nullptr, nullptr};
  torch::nn::Linear m_fc{nullptr};
};

}  // namespace attune::detail
