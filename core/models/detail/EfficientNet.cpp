#include "core/models/detail/EfficientNet.h"

#include "core/models/detail/MobileBlocks.h"
#include "core/models/detail/StochasticDepth.h"

#include <array>
#include <cmath>

namespace attune::detail {

namespace {

// EfficientNet-B0 in torchvision uses PyTorch's BatchNorm defaults (eps 1e-5, momentum 0.1); only
// its V2 variants use eps 1e-3.
constexpr BatchNormSettings kNorm{};
constexpr int64_t kLastChannels = 1280;  // 4 x the last stage's 320
constexpr double kDropout = 0.2;
// The drop probability of the last block; earlier blocks get proportionally less.
constexpr double kStochasticDepth = 0.2;

// One row of the paper's table 1 (torchvision's MBConvConfig at width and depth 1.0).
struct StageSetting {
  int64_t expandRatio;
  int64_t kernel;
  int64_t stride;  // of the stage's first block
  int64_t in;
  int64_t out;
  int64_t blocks;
};

constexpr std::array<StageSetting, 7> kStages{{
    {1, 3, 1, 32, 16, 1},
    {6, 3, 2, 16, 24, 2},
    {6, 5, 2, 24, 40, 2},
    {6, 3, 2, 40, 80, 3},
    {6, 5, 1, 80, 112, 3},
    {6, 5, 2, 112, 192, 4},
    {6, 3, 1, 192, 320, 1},
}};

// torchvision's MBConv: "block" is [expand (unless the ratio is 1), depthwise, squeeze-excitation,
// project]; "stochastic_depth" (no parameters) drops the residual branch while training.
class MBConvImpl : public torch::nn::Module, public OnnxModule {
 public:
  MBConvImpl(const StageSetting& stage, int64_t in, int64_t stride, double dropProbability)
      : m_useResidual(stride == 1 && in == stage.out) {
    const int64_t expanded = makeDivisible(double(in * stage.expandRatio), 8);
    torch::nn::Sequential layers;
    if (expanded != in)
      layers->push_back(makeConvNormActivation(
          {.in = in, .out = expanded, .kernel = 1, .activation = Activation::SiLU, .norm = kNorm}));
    layers->push_back(makeConvNormActivation({.in = expanded,
                                              .out = expanded,
                                              .kernel = stage.kernel,
                                              .stride = stride,
                                              .groups = expanded,
                                              .activation = Activation::SiLU,
                                              .norm = kNorm}));
    // The squeeze width comes from the block's input channels, not the expanded ones.
    layers->push_back(
        SqueezeExcitation(expanded, std::max<int64_t>(1, in / 4), Activation::SiLU, Gate::Sigmoid));
    layers->push_back(makeConvNormActivation(
        {.in = expanded, .out = stage.out, .kernel = 1, .activation = Activation::None, .norm = kNorm}));
    m_block = register_module("block", layers);
    m_stochasticDepth = register_module("stochastic_depth", StochasticDepth(dropProbability));
  }

  torch::Tensor forward(torch::Tensor x) {
    auto result = m_block->forward(x);
    return m_useResidual ? m_stochasticDepth(result) + x : result;
  }
  // Stochastic depth drops nothing in evaluation mode.
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    const auto branch = g.module(*m_block, x);
    return m_useResidual ? g.add(branch, x) : branch;
  }

 private:
  bool m_useResidual;
  torch::nn::Sequential m_block{nullptr};
  StochasticDepth m_stochasticDepth{nullptr};
};
TORCH_MODULE(MBConv);

}  // namespace

EfficientNetB0Impl::EfficientNetB0Impl(int numClasses) {
  torch::nn::Sequential features;
  features->push_back(makeConvNormActivation({.in = 3,
                                              .out = kStages.front().in,
                                              .kernel = 3,
                                              .stride = 2,
                                              .activation = Activation::SiLU,
                                              .norm = kNorm}));

  int64_t totalBlocks = 0;
  for (const auto& stage : kStages) totalBlocks += stage.blocks;
  int64_t blockIndex = 0;
  for (const auto& stage : kStages) {
    NestedSequential blocks;
    for (int64_t i = 0; i < stage.blocks; ++i, ++blockIndex) {
      const double dropProbability = kStochasticDepth * double(blockIndex) / double(totalBlocks);
      blocks->push_back(
          MBConv(stage, i == 0 ? stage.in : stage.out, i == 0 ? stage.stride : 1, dropProbability));
    }
    features->push_back(blocks);
  }
  features->push_back(makeConvNormActivation({.in = kStages.back().out,
                                              .out = kLastChannels,
                                              .kernel = 1,
                                              .activation = Activation::SiLU,
                                              .norm = kNorm}));
  m_features = register_module("features", features);

  m_classifier = register_module(
      "classifier",
      torch::nn::Sequential(torch::nn::Dropout(kDropout), torch::nn::Linear(kLastChannels, numClasses)));

  // torchvision's initialisation: Kaiming normal convolutions; the Linear uniform in
  // +-1/sqrt(out_features) with zero bias (BatchNorm's 1 / 0 are LibTorch's defaults).
  initialiseConvolutions(*this);
  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
      const double range = 1.0 / std::sqrt(double(linear->weight.size(0)));
      torch::nn::init::uniform_(linear->weight, -range, range);
      torch::nn::init::zeros_(linear->bias);
    }
  }
}

torch::Tensor EfficientNetB0Impl::features(torch::Tensor input) {
  auto x = m_features->forward(input);
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

// classifier = (dropout, the head).
torch::Tensor EfficientNetB0Impl::classifyFeatures(torch::Tensor features) {
  return m_classifier->forward(features);
}

OnnxValue EfficientNetB0Impl::onnxFeatures(OnnxGraph& g, const OnnxValue& input) const {
  return g.globalAveragePool(g.module(*m_features, input));
}

OnnxValue EfficientNetB0Impl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.module(*m_classifier, features);
}

}  // namespace attune::detail
