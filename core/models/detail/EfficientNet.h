#pragma once
// Internal (includes LibTorch): torchvision 0.14's EfficientNet-B0 with its module names:
// features.0 (stem), features.1 .. features.7 (stages of MBConv blocks), features.8 (1x1 conv to
// 1280 channels), then classifier.0 (Dropout) and the head classifier.1.

#include "core/models/detail/ImageClassifier.h"

namespace attune::detail {

class EfficientNetB0Impl : public ImageClassifierImpl {
 public:
  explicit EfficientNetB0Impl(int numClasses);

  torch::Tensor features(torch::Tensor input) override;
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;
  std::string headPrefix() const override { return "classifier.1."; }

 private:
  torch::nn::Sequential m_features{nullptr};
  torch::nn::Sequential m_classifier{nullptr};
};

}  // namespace attune::detail
