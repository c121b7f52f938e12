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

class ImageClassifierImpl : public torch::nn::Module {
 public:
  // NCHW float input, normalised; returns logits [N, numClasses].
  virtual torch::Tensor forward(torch::Tensor input) = 0;

  // Everything but the head / the head only (the new layer for the user's classes).
  std::vector<torch::Tensor> backboneParameters() const;
  std::vector<torch::Tensor> headParameters() const;
  // Name prefix of the head's parameters ("fc.", "classifier.1.").
  virtual std::string headPrefix() const = 0;

  // Frozen: backbone parameters get no gradients and its BatchNorm layers keep their running
  // statistics (stay in eval mode) even while the model trains.
  void setBackboneState(BackboneState state);
  BackboneState backboneState() const { return m_backboneState; }

  void train(bool on = true) override;

 protected:
  bool isHeadName(const std::string& name) const;

 private:
  BackboneState m_backboneState = BackboneState::Trainable;
};

using ImageClassifierPtr = std::shared_ptr<ImageClassifierImpl>;

// "resnet18", "resnet34", "resnet50", "mobilenet_v2"; nullptr for an unknown id. The head is a new
// Linear layer with numClasses outputs, initialised like torchvision's.
ImageClassifierPtr makeImageClassifier(const QString& architecture, int numClasses);

}  // namespace attune::detail
