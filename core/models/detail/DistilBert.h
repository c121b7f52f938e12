#pragma once
// Internal (includes LibTorch): DistilBERT for sequence classification with Hugging Face's parameter
// names (DistilBertForSequenceClassification's state_dict), so its checkpoints load 1:1:
//   distilbert.embeddings.{word_embeddings, position_embeddings}.weight, distilbert.embeddings.LayerNorm,
//   distilbert.transformer.layer.<i>.attention.{q_lin, k_lin, v_lin, out_lin}, ...sa_layer_norm,
//   ...ffn.{lin1, lin2}, ...output_layer_norm, pre_classifier, classifier.
// Post-LN blocks as BERT's, without token types or pooler; LayerNorm eps is always 1e-12.
//
// features() is the last hidden state of the first token ([CLS]). pre_classifier is not in the
// pre-trained distilbert-base checkpoints (it is new for classification), so it belongs to the head:
// classifyFeatures() = classifier(Dropout(ReLU(pre_classifier(features)))) with seq_classif_dropout.
// The head is therefore two prefixes: isHeadName() is overridden; headPrefix() names the last layer.

#include "core/models/detail/Dense.h"
#include "core/models/detail/TextClassifier.h"

namespace attune::detail {

class DistilBertModelImpl;  // distilbert.*: defined in DistilBert.cpp

class DistilBertClassifierImpl : public TextClassifierImpl {
 public:
  DistilBertClassifierImpl(const TextModelConfig& config, int numClasses);

  // ids [N, L] -> the first token's last hidden state [N, dim]
  torch::Tensor features(torch::Tensor ids) override;
  // ids [N, L] -> the last layer's hidden states [N, L, dim]
  torch::Tensor encode(const torch::Tensor& ids);
  std::string headPrefix() const override { return "classifier."; }
  bool isHeadName(const std::string& name) const override;

 protected:
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;

 private:
  std::shared_ptr<DistilBertModelImpl> m_distilbert;
  Dense m_preClassifier{nullptr};
  Dense m_classifier{nullptr};
};

}  // namespace attune::detail
