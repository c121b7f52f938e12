#pragma once
// Internal (includes LibTorch): torchvision 0.14's ViT-B/16 (patch 16, 12 layers of width 768 with
// 12 heads, MLP 3072, trained at 224 px) with its parameter names: conv_proj, class_token,
// encoder.pos_embedding, encoder.layers.encoder_layer_N.{ln_1, self_attention.{in_proj_weight,
// in_proj_bias, out_proj}, ln_2, mlp.0, mlp.3}, encoder.ln and the head heads.head.
//
// Other input sizes work too (torchvision refuses them): the position embeddings of the 14x14 patch
// grid are resized bicubically to the input's grid, as torchvision does when it loads weights for
// another image size. At 224 px nothing is resized.

#include "core/models/detail/ImageClassifier.h"

namespace attune::detail {

class TransformerEncoderImpl;  // encoder.*: defined in VisionTransformer.cpp

class VisionTransformerB16Impl : public ImageClassifierImpl {
 public:
  explicit VisionTransformerB16Impl(int numClasses);

  torch::Tensor features(torch::Tensor input) override;
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;
  std::string headPrefix() const override { return "heads.head."; }

 private:
  torch::nn::Conv2d m_convProj{nullptr};
  torch::Tensor m_classToken;
  std::shared_ptr<TransformerEncoderImpl> m_encoder;
  torch::nn::Sequential m_heads{nullptr};
};

}  // namespace attune::detail
