#include "core/models/detail/ResNet.h"

namespace attune::detail {

namespace {

torch::nn::Conv2d conv(int in, int out, int kernel, int stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

torch::nn::BatchNorm2d batchNorm(int channels) {
  return torch::nn::BatchNorm2d(channels);
}

// torchvision's BasicBlock: two 3x3 convolutions; expansion 1.
class BasicBlockImpl : public torch::nn::Module, public OnnxModule {
 public:
  static constexpr int kExpansion = 1;

  BasicBlockImpl(int inplanes, int planes, int stride, torch::nn::Sequential downsample)
      : m_conv1(register_module("conv1", conv(inplanes, planes, 3, stride))),
        m_bn1(register_module("bn1", batchNorm(planes))),
        m_conv2(register_module("conv2", conv(planes, planes, 3, 1))),
        m_bn2(register_module("bn2", batchNorm(planes))) {
    if (downsample) m_downsample = register_module("downsample", downsample);
  }

  torch::Tensor forward(torch::Tensor x) {
    auto out = m_bn1(m_conv1(x)).relu_();
    out = m_bn2(m_conv2(out));
    out += m_downsample ? m_downsample->forward(x) : x;
    return torch::relu_(out);
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    auto out = g.relu(g.batchNorm(*m_bn1, g.conv(*m_conv1, x)));
    out = g.batchNorm(*m_bn2, g.conv(*m_conv2, out));
    return g.relu(g.add(out, m_downsample ? g.module(*m_downsample, x) : x));
  }

 private:
  torch::nn::Conv2d m_conv1;
  torch::nn::BatchNorm2d m_bn1;
  torch::nn::Conv2d m_conv2;
  torch::nn::BatchNorm2d m_bn2;
  torch::nn::Sequential m_downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 convolution); expansion 4.
class BottleneckImpl : public torch::nn::Module, public OnnxModule {
 public:
  static constexpr int kExpansion = 4;

  BottleneckImpl(int inplanes, int planes, int stride, torch::nn::Sequential downsample)
      : m_conv1(register_module("conv1", conv(inplanes, planes, 1, 1))),
        m_bn1(register_module("bn1", batchNorm(planes))),
        m_conv2(register_module("conv2", conv(planes, planes, 3, stride))),
        m_bn2(register_module("bn2", batchNorm(planes))),
        m_conv3(register_module("conv3", conv(planes, planes * kExpansion, 1, 1))),
        m_bn3(register_module("bn3", batchNorm(planes * kExpansion))) {
    if (downsample) m_downsample = register_module("downsample", downsample);
  }

  torch::Tensor forward(torch::Tensor x) {
    auto out = m_bn1(m_conv1(x)).relu_();
    out = m_bn2(m_conv2(out)).relu_();
    out = m_bn3(m_conv3(out));
    out += m_downsample ? m_downsample->forward(x) : x;
    return torch::relu_(out);
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    auto out = g.relu(g.batchNorm(*m_bn1, g.conv(*m_conv1, x)));
    out = g.relu(g.batchNorm(*m_bn2, g.conv(*m_conv2, out)));
    out = g.batchNorm(*m_bn3, g.conv(*m_conv3, out));
    return g.relu(g.add(out, m_downsample ? g.module(*m_downsample, x) : x));
  }

 private:
  torch::nn::Conv2d m_conv1;
  torch::nn::BatchNorm2d m_bn1;
  torch::nn::Conv2d m_conv2;
  torch::nn::BatchNorm2d m_bn2;
  torch::nn::Conv2d m_conv3;
  torch::nn::BatchNorm2d m_bn3;
  torch::nn::Sequential m_downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

int expansionOf(ResNetImpl::Block block) {
  return block == ResNetImpl::Block::Basic ? BasicBlockImpl::kExpansion : BottleneckImpl::kExpansion;
}

}  // namespace

ResNetImpl::ResNetImpl(Block block, LayerCounts layers, int numClasses) {
  m_conv1 = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
  m_bn1 = register_module("bn1", batchNorm(64));
  const std::array<int, 4> kPlanes{64, 128, 256, 512};
  for (size_t i = 0; i < m_layers.size(); ++i) {
    m_layers[i] = register_module("layer" + std::to_string(i + 1),
                                  makeLayer(block, kPlanes[i], layers[i], /*stride=*/i == 0 ? 1 : 2));
  }
  // LibTorch's Linear initialises like PyTorch's, which is what torchvision's ResNet keeps.
  m_fc = register_module("fc", torch::nn::Linear(512 * expansionOf(block), numClasses));

  torch::NoGradGuard noGrad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* convolution = dynamic_cast<torch::nn::Conv2dImpl*>(module.get()))
      torch::nn::init::kaiming_normal_(convolution->weight, 0.0, torch::kFanOut, torch::kReLU);
    // LibTorch's BatchNorm already starts with weight 1 and bias 0, as torchvision sets them.
  }
}

torch::nn::Sequential ResNetImpl::makeLayer(Block block, int planes, int blocks, int stride) {
  const int outChannels = planes * expansionOf(block);
  torch::nn::Sequential downsample{nullptr};
  if (stride != 1 || m_inplanes != outChannels)
    downsample = torch::nn::Sequential(conv(m_inplanes, outChannels, 1, stride), batchNorm(outChannels));

  torch::nn::Sequential layer;
  for (int i = 0; i < blocks; ++i) {
    const int blockStride = i == 0 ? stride : 1;
    auto blockDownsample = i == 0 ? downsample : torch::nn::Sequential{nullptr};
    if (block == Block::Basic)
      layer->push_back(BasicBlock(m_inplanes, planes, blockStride, blockDownsample));
    else
      layer->push_back(Bottleneck(m_inplanes, planes, blockStride, blockDownsample));
    m_inplanes = outChannels;
  }
  return layer;
}

torch::Tensor ResNetImpl::features(torch::Tensor input) {
  auto x = m_bn1(m_conv1(input)).relu_();
  x = torch::max_pool2d(x, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
  for (auto& layer : m_layers) x = layer->forward(x);
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

torch::Tensor ResNetImpl::classifyFeatures(torch::Tensor features) {
  return m_fc(features);
}

OnnxValue ResNetImpl::onnxFeatures(OnnxGraph& g, const OnnxValue& input) const {
  auto x = g.relu(g.batchNorm(*m_bn1, g.conv(*m_conv1, input)));
  x = g.maxPool(x, /*kernel=*/3, /*stride=*/2, /*padding=*/1);
  for (const auto& layer : m_layers) x = g.module(*layer, x);
  return g.globalAveragePool(x);
}

OnnxValue ResNetImpl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.linear(*m_fc, features);
}

}  // namespace attune::detail
