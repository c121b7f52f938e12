#pragma once
// Internal (includes LibTorch): the building blocks that torchvision's MobileNetV3 and EfficientNet
// share (torchvision.ops.misc): convolution + BatchNorm + activation, squeeze-and-excitation, and
// the channel rounding of the TensorFlow originals. Names follow torchvision so state_dicts match.

#include "core/models/detail/NestedSequential.h"
#include "core/models/detail/OnnxGraph.h"

#include <torch/torch.h>

namespace attune::detail {

enum class Activation { None, ReLU, Hardswish, SiLU };
enum class Gate { Sigmoid, Hardsigmoid };

struct BatchNormSettings {
  double eps = 1e-5;
  double momentum = 0.1;
};

// torchvision's Conv2dNormActivation: children "0" (Conv2d without bias), "1" (BatchNorm2d) and,
// unless activation is None, "2" (the activation, no parameters). Padding keeps the size at stride 1.
struct ConvNormActivationOptions {
  int64_t in = 0;
  int64_t out = 0;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t groups = 1;
  Activation activation = Activation::ReLU;
  BatchNormSettings norm;
};
NestedSequential makeConvNormActivation(const ConvNormActivationOptions& options);

// The activation in an ONNX graph.
OnnxValue activationToOnnx(OnnxGraph& graph, Activation activation, const OnnxValue& x);

// A parameter-free module applying the activation (for Sequential containers).
class ActivationLayerImpl : public torch::nn::Module, public OnnxModule {
 public:
  explicit ActivationLayerImpl(Activation activation) : m_activation(activation) {}
  torch::Tensor forward(const torch::Tensor& x);
  OnnxValue toOnnx(OnnxGraph& graph, const OnnxValue& x) const override {
    return activationToOnnx(graph, m_activation, x);
  }

 private:
  Activation m_activation;
};
TORCH_MODULE(ActivationLayer);
ActivationLayer makeActivation(Activation activation);

// torchvision's SqueezeExcitation: a per-channel gate computed from the globally pooled input by two
// 1x1 convolutions, "fc1" (in -> squeeze, then the activation) and "fc2" (squeeze -> in, then the gate).
class SqueezeExcitationImpl : public torch::nn::Module, public OnnxModule {
 public:
  SqueezeExcitationImpl(int64_t channels, int64_t squeezeChannels, Activation activation, Gate gate);
  torch::Tensor forward(torch::Tensor input);
  OnnxValue toOnnx(OnnxGraph& graph, const OnnxValue& input) const override;

 private:
  torch::nn::Conv2d m_fc1{nullptr};
  torch::nn::Conv2d m_fc2{nullptr};
  Activation m_activation;
  Gate m_gate;
};
TORCH_MODULE(SqueezeExcitation);

// torchvision's _make_divisible: the nearest multiple of divisor (at least divisor) that is not
// more than 10% below value.
int64_t makeDivisible(double value, int64_t divisor);

// torchvision's initialisation of both families' convolutions: Kaiming normal (fan_out), zero bias.
void initialiseConvolutions(torch::nn::Module& model);

}  // namespace attune::detail
