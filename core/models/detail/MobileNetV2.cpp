#include "core/models/detail/MobileNetV2.h"

#include <array>

namespace attune::detail {

namespace {

constexpr int kStemChannels = 32;
constexpr int kLastChannels = 1280;
constexpr double kDropout = 0.2;

// torchvision's Conv2dNormActivation with ReLU6: a Sequential whose children are "0" (conv),
// "1" (BatchNorm) and "2" (ReLU6), registered under those names so the state_dict keys match.
class ConvNormReLU6Impl : public torch::nn::Module, public OnnxModule {
 public:
  ConvNormReLU6Impl(int in, int out, int kernel, int stride, int groups)
      : m_conv(register_module("0", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                          .stride(stride)
                                                          .padding((kernel - 1) / 2)
                                                          .groups(groups)
                                                          .bias(false)))),
        m_bn(register_module("1", torch::nn::BatchNorm2d(out))),
        m_relu6(register_module("2", torch::nn::ReLU6(torch::nn::ReLU6Options().inplace(true)))) {}

  torch::Tensor forward(torch::Tensor x) { return m_relu6(m_bn(m_conv(x))); }
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    return g.relu6(g.batchNorm(*m_bn, g.conv(*m_conv, x)));
  }

 private:
  torch::nn::Conv2d m_conv;
  torch::nn::BatchNorm2d m_bn;
  torch::nn::ReLU6 m_relu6;
};
TORCH_MODULE(ConvNormReLU6);

// torchvision's InvertedResidual. Its "conv" Sequential is [expand (only when t != 1), depthwise,
// project conv, project BN], so blocks with t = 1 number their children one lower.
class InvertedResidualImpl : public torch::nn::Module, public OnnxModule {
 public:
  InvertedResidualImpl(int in, int out, int stride, int expandRatio)
      : m_useResidual(stride == 1 && in == out) {
    const int hidden = in * expandRatio;
    torch::nn::Sequential layers;
    if (expandRatio != 1) layers->push_back(ConvNormReLU6(in, hidden, 1, 1, 1));
    layers->push_back(ConvNormReLU6(hidden, hidden, 3, stride, hidden));
    layers->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, out, 1).bias(false)));
    layers->push_back(torch::nn::BatchNorm2d(out));
    m_conv = register_module("conv", layers);
  }

  torch::Tensor forward(torch::Tensor x) {
    return m_useResidual ? x + m_conv->forward(x) : m_conv->forward(x);
  }
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    const auto branch = g.module(*m_conv, x);
    return m_useResidual ? g.add(x, branch) : branch;
  }

 private:
  bool m_useResidual;
  torch::nn::Sequential m_conv{nullptr};
};
TORCH_MODULE(InvertedResidual);

struct StageSetting {
  int expandRatio;  // t
  int channels;     // c
  int repeats;      // n
  int stride;       // s (of the first block)
};

// torchvision's inverted_residual_setting at width multiplier 1.0 (all channel counts are already
// multiples of 8, so _make_divisible changes nothing).
constexpr std::array<StageSetting, 7> kStages{{
    {1, 16, 1, 1},
    {6, 24, 2, 2},
    {6, 32, 3, 2},
    {6, 64, 4, 2},
    {6, 96, 3, 1},
    {6, 160, 3, 2},
    {6, 320, 1, 1},
}};

}  // namespace

MobileNetV2Impl::MobileNetV2Impl(int numClasses) {
  torch::nn::Sequential features;
  features->push_back(ConvNormReLU6(3, kStemChannels, 3, 2, 1));
  int channels = kStemChannels;
  for (const auto& stage : kStages) {
    for (int i = 0; i < stage.repeats; ++i) {
      features->push_back(
          InvertedResidual(channels, stage.channels, i == 0 ? stage.stride : 1, stage.expandRatio));
      channels = stage.channels;
    }
  }
  features->push_back(ConvNormReLU6(channels, kLastChannels, 1, 1, 1));
  m_features = register_module("features", features);

  m_classifier = register_module(
      "classifier",
      torch::nn::Sequential(torch::nn::Dropout(kDropout), torch::nn::Linear(kLastChannels, numClasses)));

  // torchvision's initialisation (BatchNorm's weight 1 / bias 0 are already LibTorch's defaults).
  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* convolution = dynamic_cast<torch::nn::Conv2dImpl*>(module.get())) {
      torch::nn::init::kaiming_normal_(convolution->weight, 0.0, torch::kFanOut);
    } else if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
      torch::nn::init::normal_(linear->weight, 0.0, 0.01);
      torch::nn::init::zeros_(linear->bias);
    }
  }
}

torch::Tensor MobileNetV2Impl::features(torch::Tensor input) {
  auto x = m_features->forward(input);
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

// classifier = (dropout, the head).
torch::Tensor MobileNetV2Impl::classifyFeatures(torch::Tensor features) {
  return m_classifier->forward(features);
}

OnnxValue MobileNetV2Impl::onnxFeatures(OnnxGraph& g, const OnnxValue& input) const {
  return g.globalAveragePool(g.module(*m_features, input));
}

OnnxValue MobileNetV2Impl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.module(*m_classifier, features);
}

}  // namespace attune::detail
