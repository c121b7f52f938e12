#include "core/models/detail/VisionTransformer.h"
#include "core/models/detail/Dense.h"
#include "core/models/detail/FunctionalLayers.h"

#include <cmath>

namespace attune::detail {

namespace {

constexpr int64_t kPatchSize = 16;
constexpr int64_t kTrainedGrid = 224 / kPatchSize;  // 14 x 14 patches at the pre-training size
constexpr int64_t kLayers = 12;
constexpr int64_t kHeads = 12;
constexpr int64_t kHidden = 768;
constexpr int64_t kMlpHidden = 3072;
constexpr double kLayerNormEps = 1e-6;

torch::nn::LayerNorm makeLayerNorm() {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({kHidden}).eps(kLayerNormEps));
}

// nn.MultiheadAttention's parameters (in_proj_weight [3E, E] holding the query, key and value
// projections, in_proj_bias, out_proj), computing plain scaled dot-product self-attention without
// masks or dropout (torchvision's ViT uses none).
class SelfAttentionImpl : public torch::nn::Module, public OnnxModule {
 public:
  SelfAttentionImpl()
      : m_inProjWeight(register_parameter("in_proj_weight", torch::empty({3 * kHidden, kHidden}))),
        m_inProjBias(register_parameter("in_proj_bias", torch::zeros({3 * kHidden}))),
        m_outProj(register_module("out_proj", Dense(kHidden, kHidden))) {
    // PyTorch's initialisation of nn.MultiheadAttention; out_proj keeps Linear's default weights.
    torch::NoGradGuard noGrad;
    torch::nn::init::xavier_uniform_(m_inProjWeight);
    torch::nn::init::zeros_(m_outProj->bias);
  }

  // x: [N, L, E] -> [N, L, E]
  torch::Tensor forward(torch::Tensor x) {
    const int64_t batch = x.size(0);
    const int64_t length = x.size(1);
    const int64_t headDim = kHidden / kHeads;
    auto qkv = denseLinear(x, m_inProjWeight, m_inProjBias).chunk(3, /*dim=*/-1);
    auto split = [&](const torch::Tensor& t) {
      return t.reshape({batch, length, kHeads, headDim}).transpose(1, 2);
    };
    const auto query = split(qkv[0]) / std::sqrt(double(headDim));
    const auto weights = torch::softmax(torch::matmul(query, split(qkv[1]).transpose(-2, -1)), /*dim=*/-1);
    const auto context =
        torch::matmul(weights, split(qkv[2])).transpose(1, 2).reshape({batch, length, kHidden});
    return m_outProj(context);
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x) const override {
    const auto qkv =
        g.op("Split", {g.linear(m_inProjWeight, m_inProjBias, x), g.ints({kHidden, kHidden, kHidden})}, 3,
             {{"axis", int64_t{-1}}});
    return g.linear(*m_outProj, g.attention(qkv[0], qkv[1], qkv[2], kHeads, kHidden));
  }

 private:
  torch::Tensor m_inProjWeight;
  torch::Tensor m_inProjBias;
  Dense m_outProj;
};
TORCH_MODULE(SelfAttention);

// torchvision's EncoderBlock (pre-norm): x + attention(ln_1(x)), then + mlp(ln_2(.)). The MLP is
// torchvision's MLP Sequential: 0 Linear, 1 GELU, 2 Dropout, 3 Linear, 4 Dropout (dropout 0).
class EncoderBlockImpl : public torch::nn::Module, public OnnxModule {
 public:
  EncoderBlockImpl()
      : m_ln1(register_module("ln_1", makeLayerNorm())),
        m_attention(register_module("self_attention", SelfAttention())),
        m_ln2(register_module("ln_2", makeLayerNorm())) {
    torch::nn::Sequential mlp;
    mlp->push_back(Dense(kHidden, kMlpHidden));
    mlp->push_back(GeluLayer());
    mlp->push_back(torch::nn::Dropout(0.0));
    mlp->push_back(Dense(kMlpHidden, kHidden));
    mlp->push_back(torch::nn::Dropout(0.0));
    m_mlp = register_module("mlp", mlp);

    // torchvision's MLPBlock initialisation.
    torch::NoGradGuard noGrad;
    for (auto& module : m_mlp->modules(/*include_self=*/false)) {
      if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
        torch::nn::init::xavier_uniform_(linear->weight);
        torch::nn::init::normal_(linear->bias, 0.0, 1e-6);
      }
    }
  }

  torch::Tensor forward(torch::Tensor input) {
    const auto x = m_attention(m_ln1(input)) + input;
    return x + m_mlp->forward(m_ln2(x));
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& input) const override {
    const auto x = g.add(g.module(*m_attention, g.layerNorm(*m_ln1, input)), input);
    return g.add(x, g.module(*m_mlp, g.layerNorm(*m_ln2, x)));
  }

 private:
  torch::nn::LayerNorm m_ln1;
  SelfAttention m_attention;
  torch::nn::LayerNorm m_ln2;
  torch::nn::Sequential m_mlp{nullptr};
};
TORCH_MODULE(EncoderBlock);

}  // namespace

// torchvision's Encoder: the position embedding (class token first, then the patch grid row by
// row), encoder_layer_0 .. encoder_layer_11, and the final LayerNorm "ln".
class TransformerEncoderImpl : public torch::nn::Module {
 public:
  TransformerEncoderImpl()
      : m_posEmbedding(register_parameter("pos_embedding",
                                          torch::empty({1, kTrainedGrid * kTrainedGrid + 1, kHidden}))) {
    {
      torch::NoGradGuard noGrad;
      torch::nn::init::normal_(m_posEmbedding, 0.0, 0.02);
    }
    torch::nn::Sequential layers;
    for (int64_t i = 0; i < kLayers; ++i)
      layers->push_back("encoder_layer_" + std::to_string(i), EncoderBlock());
    m_layers = register_module("layers", layers);
    m_ln = register_module("ln", makeLayerNorm());
  }

  // tokens: [N, 1 + gridHeight * gridWidth, E], class token first.
  torch::Tensor forward(torch::Tensor tokens, int64_t gridHeight, int64_t gridWidth) {
    return m_ln(m_layers->forward(tokens + positionEmbedding(gridHeight, gridWidth)));
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& tokens, int64_t gridHeight, int64_t gridWidth) const {
    torch::NoGradGuard noGrad;
    const auto positions =
        g.tensor(positionEmbedding(gridHeight, gridWidth), "encoder.pos_embedding_resized");
    return g.layerNorm(*m_ln, g.module(*m_layers, g.add(tokens, positions)));
  }

 private:
  torch::Tensor positionEmbedding(int64_t gridHeight, int64_t gridWidth) const {
    if (gridHeight == kTrainedGrid && gridWidth == kTrainedGrid) return m_posEmbedding;
    namespace F = torch::nn::functional;
    const auto classPosition = m_posEmbedding.slice(1, 0, 1);
    auto grid =
        m_posEmbedding.slice(1, 1).reshape({1, kTrainedGrid, kTrainedGrid, kHidden}).permute({0, 3, 1, 2});
    grid = F::interpolate(grid, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{gridHeight, gridWidth})
                                    .mode(torch::kBicubic)
                                    .align_corners(true));
    grid = grid.permute({0, 2, 3, 1}).reshape({1, gridHeight * gridWidth, kHidden});
    return torch::cat({classPosition, grid}, 1);
  }

  torch::Tensor m_posEmbedding;
  torch::nn::Sequential m_layers{nullptr};
  torch::nn::LayerNorm m_ln{nullptr};
};

VisionTransformerB16Impl::VisionTransformerB16Impl(int numClasses) {
  m_convProj = register_module(
      "conv_proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, kHidden, kPatchSize).stride(kPatchSize)));
  m_classToken = register_parameter("class_token", torch::zeros({1, 1, kHidden}));
  m_encoder = register_module("encoder", std::make_shared<TransformerEncoderImpl>());
  torch::nn::Sequential heads;
  heads->push_back("head", Dense(kHidden, numClasses));
  m_heads = register_module("heads", heads);

  // torchvision's initialisation: the patch projection truncated normal with std sqrt(1 / fan_in)
  // (cut at +-2, 55 standard deviations out: a plain normal is the same), zero bias; the head zero.
  torch::NoGradGuard noGrad;
  torch::nn::init::normal_(m_convProj->weight, 0.0, std::sqrt(1.0 / double(3 * kPatchSize * kPatchSize)));
  torch::nn::init::zeros_(m_convProj->bias);
  for (auto& parameter : m_heads->parameters()) torch::nn::init::zeros_(parameter);
}

torch::Tensor VisionTransformerB16Impl::features(torch::Tensor input) {
  TORCH_CHECK(input.dim() == 4 && input.size(2) >= kPatchSize && input.size(3) >= kPatchSize,
              "ViT-B/16 needs images of at least ", kPatchSize, " x ", kPatchSize, " pixels");
  auto x = m_convProj(input);  // [N, E, gridHeight, gridWidth]
  const int64_t batch = x.size(0);
  const int64_t gridHeight = x.size(2);
  const int64_t gridWidth = x.size(3);
  x = x.reshape({batch, kHidden, gridHeight * gridWidth}).permute({0, 2, 1});
  x = torch::cat({m_classToken.expand({batch, -1, -1}), x}, 1);
  x = m_encoder->forward(x, gridHeight, gridWidth);
  return x.select(1, 0);
}

torch::Tensor VisionTransformerB16Impl::classifyFeatures(torch::Tensor features) {
  return m_heads->forward(features);
}

OnnxValue VisionTransformerB16Impl::onnxFeatures(OnnxGraph& g, const OnnxValue& input) const {
  const int64_t gridHeight = g.imageHeight() / kPatchSize;  // the convolution's output size
  const int64_t gridWidth = g.imageWidth() / kPatchSize;
  if (gridHeight < 1 || gridWidth < 1)
    throw OnnxUnsupported("ViT-B/16 on images smaller than 16 x 16 pixels");
  auto x = g.conv(*m_convProj, input);                         // [N, E, gridHeight, gridWidth]
  x = g.transpose(g.reshape(x, {0, kHidden, -1}), {0, 2, 1});  // [N, gridHeight * gridWidth, E]
  // The class token for every image of the batch: [N, 1, E].
  const auto batch = g.op("Shape", {input}, {{"start", int64_t{0}}, {"end", int64_t{1}}});
  const auto shape = g.op("Concat", {batch, g.ints({1, kHidden})}, {{"axis", int64_t{0}}});
  const auto classTokens = g.op("Expand", {g.tensor(m_classToken), shape});
  x = g.op("Concat", {classTokens, x}, {{"axis", int64_t{1}}});
  x = m_encoder->toOnnx(g, x, gridHeight, gridWidth);
  return g.selectSecondAxis(x, 0);
}

OnnxValue VisionTransformerB16Impl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.module(*m_heads, features);
}

}  // namespace attune::detail
