#pragma once
// Internal (includes LibTorch): torchvision 0.14's ConvNeXt-Tiny with its module names:
// features.0 (4x4 patchify conv + LayerNorm2d), features.1/3/5/7 (stages of CNBlocks, each with its
// own layer_scale parameter), features.2/4/6 (LayerNorm2d + 2x2 downsampling conv), then
// classifier.0 (LayerNorm2d), classifier.1 (Flatten) and the head classifier.2.

#include "core/models/detail/ImageClassifier.h"

namespace attune::detail {

class ConvNeXtTinyImpl : public ImageClassifierImpl {
 public:
  explicit ConvNeXtTinyImpl(int numClasses);

  torch::Tensor features(torch::Tensor input) override;
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;
  std::string headPrefix() const override { return "classifier.2."; }

 private:
  torch::nn::Sequential m_features{nullptr};
  torch::nn::Sequential m_classifier{nullptr};
};

}  // namespace attune::detail
