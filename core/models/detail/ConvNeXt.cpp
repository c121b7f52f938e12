#include "core/models/detail/ConvNeXt.h"

#include "core/models/detail/FunctionalLayers.h"
#include "core/models/detail/NestedSequential.h"
#include "core/models/detail/StochasticDepth.h"

#include <array>

namespace attune::detail {

namespace {

constexpr double kLayerNormEps = 1e-6;
constexpr double kInitialLayerScale = 1e-6;
// The drop probability of the last block; earlier blocks get proportionally less (the first none).
constexpr double kStochasticDepth = 0.1;
constexpr double kInitStd = 0.02;

struct StageSetting {
  int64_t channels;
  int64_t downsampledChannels;  // after the stage; 0 for the last stage, which has no downsampling
  int64_t blocks;
};

constexpr std::array<StageSetting, 4> kStages{{{96, 192, 3}, {192, 384, 3}, {384, 768, 9}, {768, 0, 3}}};

// torchvision's LayerNorm2d: LayerNorm over the channels of an NCHW tensor, with "weight" and
// "bias" of the channel count.
class LayerNorm2dImpl : public torch::nn::Module, public OnnxModule {
 public:
  explicit LayerNorm2dImpl(int64_t channels)
      : m_channels(channels),
        m_weight(register_parameter("weight", torch::ones({channels}))),
        m_bias(register_parameter("bias", torch::zeros({channels}))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = torch::layer_norm(x.permute({0, 2, 3, 1}), {m_channels}, m_weight, m_bias, kLayerNormEps);
    return x.permute({0, 3, 1, 2});
  }
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    const auto normalised = g.layerNorm(m_weight, m_bias, kLayerNormEps, g.transpose(x, {0, 2, 3, 1}));
    return g.transpose(normalised, {0, 3, 1, 2});
  }

 private:
  int64_t m_channels;
  torch::Tensor m_weight;
  torch::Tensor m_bias;
};
TORCH_MODULE(LayerNorm2d);

// torchvision's CNBlock: "block" is [depthwise 7x7 conv, permute to NHWC, LayerNorm, Linear to 4x,
// GELU, Linear back, permute to NCHW]; the branch is scaled per channel by "layer_scale" (shape
// [C, 1, 1]) and dropped by stochastic depth while training.
class CNBlockImpl : public torch::nn::Module, public OnnxModule {
 public:
  CNBlockImpl(int64_t channels, double dropProbability) {
    torch::nn::Sequential layers;
    layers->push_back(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 7).padding(3).groups(channels)));
    layers->push_back(PermuteLayer(std::vector<int64_t>{0, 2, 3, 1}));
    layers->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels}).eps(kLayerNormEps)));
    layers->push_back(torch::nn::Linear(channels, 4 * channels));
    layers->push_back(GeluLayer());
    layers->push_back(torch::nn::Linear(4 * channels, channels));
    layers->push_back(PermuteLayer(std::vector<int64_t>{0, 3, 1, 2}));
    m_block = register_module("block", layers);
    m_layerScale = register_parameter("layer_scale", torch::full({channels, 1, 1}, kInitialLayerScale));
    m_stochasticDepth = register_module("stochastic_depth", StochasticDepth(dropProbability));
  }

  torch::Tensor forward(torch::Tensor x) { return m_stochasticDepth(m_layerScale * m_block->forward(x)) + x; }
  // Stochastic depth drops nothing in evaluation mode.
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    return g.add(g.mul(g.tensor(m_layerScale), g.module(*m_block, x)), x);
  }

 private:
  torch::nn::Sequential m_block{nullptr};
  torch::Tensor m_layerScale;
  StochasticDepth m_stochasticDepth{nullptr};
};
TORCH_MODULE(CNBlock);

}  // namespace

ConvNeXtTinyImpl::ConvNeXtTinyImpl(int numClasses) {
  torch::nn::Sequential features;
  const int64_t stemChannels = kStages.front().channels;
  features->push_back(NestedSequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(3, stemChannels, 4).stride(4)), LayerNorm2d(stemChannels)));

  int64_t totalBlocks = 0;
  for (const auto& stage : kStages) totalBlocks += stage.blocks;
  int64_t blockIndex = 0;
  for (const auto& stage : kStages) {
    NestedSequential blocks;
    for (int64_t i = 0; i < stage.blocks; ++i, ++blockIndex)
      blocks->push_back(
          CNBlock(stage.channels, kStochasticDepth * double(blockIndex) / double(totalBlocks - 1)));
    features->push_back(blocks);
    if (stage.downsampledChannels > 0)
      features->push_back(NestedSequential(
          LayerNorm2d(stage.channels),
          torch::nn::Conv2d(
              torch::nn::Conv2dOptions(stage.channels, stage.downsampledChannels, 2).stride(2))));
  }
  m_features = register_module("features", features);

  const int64_t lastChannels = kStages.back().channels;
  m_classifier =
      register_module("classifier", torch::nn::Sequential(LayerNorm2d(lastChannels), torch::nn::Flatten(),
                                                          torch::nn::Linear(lastChannels, numClasses)));

  // torchvision's initialisation: truncated normal (std 0.02, cut at +-2) for every convolution and
  // Linear, zero biases. The cut lies 100 standard deviations out, so a plain normal is the same.
  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    torch::Tensor weight, bias;
    if (auto* convolution = dynamic_cast<torch::nn::Conv2dImpl*>(module.get())) {
      weight = convolution->weight;
      bias = convolution->bias;
    } else if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
      weight = linear->weight;
      bias = linear->bias;
    } else {
      continue;
    }
    torch::nn::init::normal_(weight, 0.0, kInitStd);
    if (bias.defined()) torch::nn::init::zeros_(bias);
  }
}

// classifier = (LayerNorm2d, Flatten | the head): the pre-trained norm belongs to the features.
torch::Tensor ConvNeXtTinyImpl::features(torch::Tensor input) {
  auto x = m_features->forward(input);
  x = torch::adaptive_avg_pool2d(x, {1, 1});
  auto it = m_classifier->begin();
  x = it->forward<torch::Tensor>(x);
  return (it + 1)->forward<torch::Tensor>(x);
}

torch::Tensor ConvNeXtTinyImpl::classifyFeatures(torch::Tensor features) {
  return (m_classifier->begin() + 2)->forward<torch::Tensor>(features);
}

OnnxValue ConvNeXtTinyImpl::onnxFeatures(OnnxGraph& g, const OnnxValue& input) const {
  auto x = g.op("GlobalAveragePool", {g.module(*m_features, input)});  // [N, C, 1, 1]
  const auto layers = m_classifier->children();
  return g.module(*layers[1], g.module(*layers[0], x));
}

OnnxValue ConvNeXtTinyImpl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.module(*m_classifier->children()[2], features);
}

}  // namespace attune::detail
