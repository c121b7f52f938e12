#pragma once
// Internal (includes LibTorch): BERT for sequence classification with Hugging Face's parameter names
// (BertForSequenceClassification's state_dict), so its checkpoints load 1:1:
//   bert.embeddings.{word_embeddings, position_embeddings, token_type_embeddings}.weight,
//   bert.embeddings.LayerNorm, bert.encoder.layer.<i>.attention.self.{query, key, value},
//   ...attention.output.{dense, LayerNorm}, ...intermediate.dense, ...output.{dense, LayerNorm},
//   bert.pooler.dense, classifier.
// The post-LN encoder: x = LayerNorm(x + Dropout(Attention(x))), x = LayerNorm(x + Dropout(FFN(x))).
//
// features() is the pooled output tanh(pooler.dense(hidden[:, 0])): the pooler is pre-trained in
// bert-base checkpoints (next-sentence prediction), so it belongs to the backbone. The head is
// classifyFeatures(): dropout (classifier_dropout, else hidden_dropout_prob) then `classifier`.
// The position_ids buffer of some checkpoints is not a tensor of this model (positions are 0..L-1).

#include "core/models/detail/Dense.h"
#include "core/models/detail/TextClassifier.h"

namespace attune::detail {

class BertModelImpl;  // bert.*: defined in Bert.cpp

class BertClassifierImpl : public TextClassifierImpl {
 public:
  BertClassifierImpl(const TextModelConfig& config, int numClasses);

  // ids [N, L] -> pooled [CLS] [N, hidden]
  torch::Tensor features(torch::Tensor ids) override;
  // ids [N, L] -> the last layer's hidden states [N, L, hidden]
  torch::Tensor encode(const torch::Tensor& ids);
  std::string headPrefix() const override { return "classifier."; }

 protected:
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;

 private:
  std::shared_ptr<BertModelImpl> m_bert;
  Dense m_classifier{nullptr};
};

}  // namespace attune::detail
