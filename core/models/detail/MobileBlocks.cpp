#include "core/models/detail/MobileBlocks.h"

namespace attune::detail {

namespace {

torch::Tensor activate(const torch::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::None:
      return x;
    case Activation::ReLU:
      return torch::relu(x);
    case Activation::Hardswish:
      return torch::hardswish(x);
    case Activation::SiLU:
      return torch::silu(x);
  }
  return x;
}

}  // namespace

NestedSequential makeConvNormActivation(const ConvNormActivationOptions& options) {
  NestedSequential layers;
  layers->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in, options.out, options.kernel)
                                          .stride(options.stride)
                                          .padding((options.kernel - 1) / 2)
                                          .groups(options.groups)
                                          .bias(false)));
  layers->push_back(torch::nn::BatchNorm2d(
      torch::nn::BatchNormOptions(options.out).eps(options.norm.eps).momentum(options.norm.momentum)));
  if (options.activation != Activation::None) layers->push_back(makeActivation(options.activation));
  return layers;
}

OnnxValue activationToOnnx(OnnxGraph& graph, Activation activation, const OnnxValue& x) {
  switch (activation) {
    case Activation::None:
      return x;
    case Activation::ReLU:
      return graph.relu(x);
    case Activation::Hardswish:
      return graph.hardSwish(x);
    case Activation::SiLU:
      return graph.silu(x);
  }
  return x;
}

torch::Tensor ActivationLayerImpl::forward(const torch::Tensor& x) {
  return activate(x, m_activation);
}

ActivationLayer makeActivation(Activation activation) {
  return ActivationLayer(activation);
}

SqueezeExcitationImpl::SqueezeExcitationImpl(int64_t channels, int64_t squeezeChannels, Activation activation,
                                             Gate gate)
    : m_fc1(
          register_module("fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeezeChannels, 1)))),
      m_fc2(
          register_module("fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeezeChannels, channels, 1)))),
      m_activation(activation),
      m_gate(gate) {}

torch::Tensor SqueezeExcitationImpl::forward(torch::Tensor input) {
  auto scale = torch::adaptive_avg_pool2d(input, {1, 1});
  scale = m_fc2(activate(m_fc1(scale), m_activation));
  scale = m_gate == Gate::Sigmoid ? torch::sigmoid(scale) : torch::hardsigmoid(scale);
  return scale * input;
}

OnnxValue SqueezeExcitationImpl::toOnnx(OnnxGraph& graph, const OnnxValue& input) const {
  OnnxValue scale = graph.op("GlobalAveragePool", {input});
  scale = graph.conv(*m_fc2, activationToOnnx(graph, m_activation, graph.conv(*m_fc1, scale)));
  scale = m_gate == Gate::Sigmoid ? graph.sigmoid(scale) : graph.hardSigmoid(scale);
  return graph.mul(scale, input);
}

int64_t makeDivisible(double value, int64_t divisor) {
  const auto rounded = static_cast<int64_t>(value + static_cast<double>(divisor) / 2.0) / divisor * divisor;
  int64_t result = std::max(divisor, rounded);
  if (static_cast<double>(result) < 0.9 * value) result += divisor;
  return result;
}

void initialiseConvolutions(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  for (auto& module : model.modules(/*include_self=*/false)) {
    if (auto* convolution = dynamic_cast<torch::nn::Conv2dImpl*>(module.get())) {
      torch::nn::init::kaiming_normal_(convolution->weight, 0.0, torch::kFanOut);
      if (convolution->bias.defined()) torch::nn::init::zeros_(convolution->bias);
    }
  }
}

}  // namespace attune::detail
