#pragma once
// Internal (includes LibTorch): torchvision 0.14's MobileNetV2 (width 1.0) with its module names:
// features.0 .. features.18 and classifier.1 (classifier.0 is the dropout).

#include "core/models/detail/ImageClassifier.h"

namespace attune::detail {

class MobileNetV2Impl : public ImageClassifierImpl {
 public:
  explicit MobileNetV2Impl(int numClasses);

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
