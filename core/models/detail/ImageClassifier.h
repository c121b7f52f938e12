#pragma once
// Internal (includes LibTorch): the image classifiers. Parameter and buffer names are exactly
// torchvision's, so its state_dicts (saved as safetensors) load without renaming.

#include "core/data/ImageTransform.h"

#include <torch/torch.h>

#include <QString>

#include <memory>
#include <string>
#include <vector>

namespace attune::detail {

enum class BackboneState { Trainable, Frozen };
// Whether weight decay pulls a parameter towards zero. It does for the weight matrices and kernels of
// Linear and convolution layers; it does not for biases, normalisation parameters, ViT's class token
// and position embeddings or ConvNeXt's layer scales, whose values mean something other than a
// connection strength (decaying them only distorts the pre-trained network).
enum class WeightDecay { Apply, Exempt };

class ImageClassifierImpl : public torch::nn::Module {
 public:
  // NCHW float input, normalised; returns logits [N, numClasses].
  virtual torch::Tensor forward(torch::Tensor input) = 0;

  // Everything but the head / the head only (the new layer for the user's classes).
  std::vector<torch::Tensor> backboneParameters() const;
  std::vector<torch::Tensor> headParameters() const;
  // The same, only those whose decay is the given one.
  std::vector<torch::Tensor> backboneParameters(WeightDecay decay) const;
  std::vector<torch::Tensor> headParameters(WeightDecay decay) const;
  static WeightDecay weightDecayOf(const std::string& name, const torch::Tensor& parameter);
  // Name prefix of the head's parameters ("fc.", "classifier.1.", "heads.head.").
  virtual std::string headPrefix() const = 0;

  // Frozen: backbone parameters get no gradients, its BatchNorm layers keep their running
  // statistics and its stochastic depth is off (both stay in eval mode) even while the model trains.
  void setBackboneState(BackboneState state);
  BackboneState backboneState() const { return m_backboneState; }

  void train(bool on = true) override;

 protected:
  bool isHeadName(const std::string& name) const;

 private:
  enum class Part { Backbone, Head };
  std::vector<torch::Tensor> parametersOf(Part part, const WeightDecay* decay) const;

  BackboneState m_backboneState = BackboneState::Trainable;
};

using ImageClassifierPtr = std::shared_ptr<ImageClassifierImpl>;

// "resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
// "efficientnet_b0", "convnext_tiny", "vit_b_16"; nullptr for an unknown id. The head is a new
// Linear layer with numClasses outputs, initialised like torchvision's.
ImageClassifierPtr makeImageClassifier(const QString& architecture, int numClasses);

}  // namespace attune::detail
