#pragma once
// Internal (includes LibTorch): torchvision 0.14's MobileNetV3 Small and Large (width 1.0, no
// dilation) with its module names: features.0 .. features.N, then classifier.0 (Linear),
// classifier.1 (Hardswish), classifier.2 (Dropout) and the head classifier.3.

#include "core/models/detail/ImageClassifier.h"

namespace attune::detail {

class MobileNetV3Impl : public ImageClassifierImpl {
 public:
  enum class Size { Small, Large };

  MobileNetV3Impl(Size size, int numClasses);

  torch::Tensor features(torch::Tensor input) override;
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;
  std::string headPrefix() const override { return "classifier.3."; }

 private:
  torch::nn::Sequential m_features{nullptr};
  torch::nn::Sequential m_classifier{nullptr};
};

}  // namespace attune::detail
