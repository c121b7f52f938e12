#include "core/models/detail/MobileNetV3.h"

#include "core/models/detail/MobileBlocks.h"

#include <vector>

namespace attune::detail {

namespace {

// MobileNetV3's BatchNorm settings (those of the TensorFlow original), unlike PyTorch's defaults.
constexpr BatchNormSettings kNorm{0.001, 0.01};
constexpr int64_t kStemChannels = 16;
constexpr double kDropout = 0.2;

// One row of the paper's tables 1 and 2 (torchvision's InvertedResidualConfig at width 1.0).
struct BlockSetting {
  int64_t in;
  int64_t kernel;
  int64_t expanded;
  int64_t out;
  bool squeezeExcite;
  Activation activation;  // ReLU ("RE") or Hardswish ("HS")
  int64_t stride;
};

constexpr Activation RE = Activation::ReLU;
constexpr Activation HS = Activation::Hardswish;

const std::vector<BlockSetting> kLargeBlocks = {
    {16, 3, 16, 16, false, RE, 1},   {16, 3, 64, 24, false, RE, 2},   {24, 3, 72, 24, false, RE, 1},
    {24, 5, 72, 40, true, RE, 2},    {40, 5, 120, 40, true, RE, 1},   {40, 5, 120, 40, true, RE, 1},
    {40, 3, 240, 80, false, HS, 2},  {80, 3, 200, 80, false, HS, 1},  {80, 3, 184, 80, false, HS, 1},
    {80, 3, 184, 80, false, HS, 1},  {80, 3, 480, 112, true, HS, 1},  {112, 3, 672, 112, true, HS, 1},
    {112, 5, 672, 160, true, HS, 2}, {160, 5, 960, 160, true, HS, 1}, {160, 5, 960, 160, true, HS, 1},
};
constexpr int64_t kLargeLastChannels = 1280;

const std::vector<BlockSetting> kSmallBlocks = {
    {16, 3, 16, 16, true, RE, 2},  {16, 3, 72, 24, false, RE, 2}, {24, 3, 88, 24, false, RE, 1},
    {24, 5, 96, 40, true, HS, 2},  {40, 5, 240, 40, true, HS, 1}, {40, 5, 240, 40, true, HS, 1},
    {40, 5, 120, 48, true, HS, 1}, {48, 5, 144, 48, true, HS, 1}, {48, 5, 288, 96, true, HS, 2},
    {96, 5, 576, 96, true, HS, 1}, {96, 5, 576, 96, true, HS, 1},
};
constexpr int64_t kSmallLastChannels = 1024;

// torchvision's MobileNetV3 InvertedResidual: "block" is [expand (only when the expansion changes
// the width), depthwise, squeeze-excitation (only where the table says so), project].
class InvertedResidualImpl : public torch::nn::Module, public OnnxModule {
 public:
  explicit InvertedResidualImpl(const BlockSetting& s) : m_useResidual(s.stride == 1 && s.in == s.out) {
    torch::nn::Sequential layers;
    if (s.expanded != s.in)
      layers->push_back(makeConvNormActivation(
          {.in = s.in, .out = s.expanded, .kernel = 1, .activation = s.activation, .norm = kNorm}));
    layers->push_back(makeConvNormActivation({.in = s.expanded,
                                              .out = s.expanded,
                                              .kernel = s.kernel,
                                              .stride = s.stride,
                                              .groups = s.expanded,
                                              .activation = s.activation,
                                              .norm = kNorm}));
    if (s.squeezeExcite)
      layers->push_back(SqueezeExcitation(s.expanded, makeDivisible(double(s.expanded / 4), 8),
                                          Activation::ReLU, Gate::Hardsigmoid));
    layers->push_back(makeConvNormActivation(
        {.in = s.expanded, .out = s.out, .kernel = 1, .activation = Activation::None, .norm = kNorm}));
    m_block = register_module("block", layers);
  }

  torch::Tensor forward(torch::Tensor x) {
    return m_useResidual ? x + m_block->forward(x) : m_block->forward(x);
  }
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    const auto branch = g.module(*m_block, x);
    return m_useResidual ? g.add(x, branch) : branch;
  }

 private:
  bool m_useResidual;
  torch::nn::Sequential m_block{nullptr};
};
TORCH_MODULE(InvertedResidual);

}  // namespace

MobileNetV3Impl::MobileNetV3Impl(Size size, int numClasses) {
  const auto& blocks = size == Size::Large ? kLargeBlocks : kSmallBlocks;
  const int64_t lastChannels = size == Size::Large ? kLargeLastChannels : kSmallLastChannels;

  torch::nn::Sequential features;
  features->push_back(makeConvNormActivation(
      {.in = 3, .out = kStemChannels, .kernel = 3, .stride = 2, .activation = HS, .norm = kNorm}));
  for (const auto& block : blocks) features->push_back(InvertedResidual(block));
  const int64_t lastConvIn = blocks.back().out;
  const int64_t lastConvOut = 6 * lastConvIn;
  features->push_back(makeConvNormActivation(
      {.in = lastConvIn, .out = lastConvOut, .kernel = 1, .activation = HS, .norm = kNorm}));
  m_features = register_module("features", features);

  m_classifier =
      register_module("classifier", torch::nn::Sequential(torch::nn::Linear(lastConvOut, lastChannels),
                                                          makeActivation(HS), torch::nn::Dropout(kDropout),
                                                          torch::nn::Linear(lastChannels, numClasses)));

  // torchvision's initialisation (BatchNorm's weight 1 / bias 0 are already LibTorch's defaults).
  initialiseConvolutions(*this);
  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
      torch::nn::init::normal_(linear->weight, 0.0, 0.01);
      torch::nn::init::zeros_(linear->bias);
    }
  }
}

// classifier = (Linear, Hardswish | dropout, the head): the first two are pre-trained layers and belong
// to the features; the dropout and the head classify.
torch::Tensor MobileNetV3Impl::features(torch::Tensor input) {
  auto x = m_features->forward(input);
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  auto it = m_classifier->begin();
  x = it->forward<torch::Tensor>(x);
  return (it + 1)->forward<torch::Tensor>(x);
}

torch::Tensor MobileNetV3Impl::classifyFeatures(torch::Tensor features) {
  auto it = m_classifier->begin() + 2;
  features = it->forward<torch::Tensor>(features);
  return (it + 1)->forward<torch::Tensor>(features);
}

OnnxValue MobileNetV3Impl::onnxFeatures(OnnxGraph& g, const OnnxValue& input) const {
  auto x = g.globalAveragePool(g.module(*m_features, input));
  const auto layers = m_classifier->children();
  return g.module(*layers[1], g.module(*layers[0], x));
}

OnnxValue MobileNetV3Impl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  const auto layers = m_classifier->children();
  return g.module(*layers[3], g.module(*layers[2], features));
}

}  // namespace attune::detail
