#pragma once
// Internal (includes LibTorch): BERT / DistilBERT sequence classifiers, their common parts and loading
// a Hugging Face model folder into them.
//
// Input: ONE int64 tensor of token ids [N, L], padded per batch with config.padTokenId; the attention
// mask is derived inside as ids != padTokenId (the training engine's batch stays one tensor). Every
// sequence is a single sentence: token type ids are all 0. L may not exceed maxPositionEmbeddings.
// Padding never changes a sequence's logits: padded keys get no attention weight (exactly zero after
// the softmax), and only the first token ([CLS]) enters the head.

#include "core/common/Result.h"
#include "core/models/TextModelConfig.h"
#include "core/models/TextModelFolder.h"
#include "core/models/WeightLoadReport.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/weights/TensorData.h"

#include <memory>

namespace attune::detail {

class TextClassifierImpl : public ImageClassifierImpl {
 public:
  explicit TextClassifierImpl(TextModelConfig config) : m_config(std::move(config)) {}
  const TextModelConfig& config() const { return m_config; }

  // True where ids holds a real token, false at padding: [N, L] bool.
  torch::Tensor tokenMask(const torch::Tensor& ids) const { return ids.ne(m_config.padTokenId); }

 protected:
  // Refuses (TORCH_CHECK, a readable message) what would index outside the embedding tables: not
  // [N, L] int64, longer than maxPositionEmbeddings, ids outside the vocabulary.
  void checkIds(const torch::Tensor& ids) const;
  // Hugging Face's initialisation of new weights: Linear and trained embedding weights normal(0,
  // initializer_range), the padding token's embedding, biases and LayerNorm biases zero, LayerNorm
  // weights one.
  void initialiseWeights();

 private:
  TextModelConfig m_config;
};

// The parts BERT and DistilBERT share. Dropout follows the module that owns it (`owner`): a frozen
// layer is kept in eval mode while the rest trains, and then drops nothing.
torch::Tensor hiddenActivation(const torch::Tensor& x, HiddenActivation activation);
torch::Tensor ownerDropout(const torch::Tensor& x, double probability, const torch::nn::Module& owner);
// The same in an ONNX graph: the activation, and the graph's attention_mask as a bool key mask.
OnnxValue hiddenActivationToOnnx(OnnxGraph& graph, const OnnxValue& x, HiddenActivation activation);
OnnxValue keyMaskToOnnx(OnnxGraph& graph);
// Multi-head scaled dot-product attention of already projected query, key, value [N, L, H] split into
// `heads` heads; keys where keyMask [N, L] is false get exactly zero weight; attention probabilities
// dropped with dropoutProbability (pass 0 outside training).
torch::Tensor maskedSelfAttention(const torch::Tensor& query, const torch::Tensor& key,
                                  const torch::Tensor& value, const torch::Tensor& keyMask, int64_t heads,
                                  double dropoutProbability);

using TextClassifierPtr = std::shared_ptr<TextClassifierImpl>;

// An embedding table whose weight is a parameter, or a buffer for DistilBERT's fixed sinusoidal
// position embeddings (saved under the same name, never trained). The padding token's row gets no
// gradient, as nn.Embedding(padding_idx=...) in Hugging Face's models.
class EmbeddingTableImpl : public torch::nn::Module {
 public:
  enum class Storage { Trained, Fixed };
  static constexpr int64_t kNoPadding = -1;
  EmbeddingTableImpl(int64_t count, int64_t width, Storage storage = Storage::Trained,
                     int64_t paddingIndex = kNoPadding);
  torch::Tensor forward(const torch::Tensor& ids) const {
    return torch::embedding(weight, ids, m_paddingIndex);
  }
  Storage storage() const { return m_storage; }
  int64_t paddingIndex() const { return m_paddingIndex; }

  torch::Tensor weight;

 private:
  Storage m_storage;
  int64_t m_paddingIndex;
};
TORCH_MODULE(EmbeddingTable);

// A randomly initialised classifier with numClasses outputs; BertClassifierImpl or
// DistilBertClassifierImpl by config.kind. The config must be valid (TextModelConfig::validate).
TextClassifierPtr makeTextClassifier(const TextModelConfig& config, int numClasses);

// The checkpoint's tensor names as the model names them: legacy LayerNorm gamma/beta become
// weight/bias; a bare encoder (BertModel / DistilBertModel, saved without the bert. / distilbert.
// prefix) gets the prefix. Other names (pre-training heads: cls.*, vocab_transform, vocab_layer_norm,
// vocab_projector; the position_ids buffer) stay as they are and end up unused.
TensorMap normaliseTextCheckpoint(TensorMap tensors, TextModelKind kind);

// Loads checkpoint tensors (normalised first) into the model: every encoder tensor must be there with
// its shape (else an error naming the missing ones and nothing changes); a head that is absent or of
// another number of classes stays freshly initialised; unused tensors are listed in the report.
Result<WeightLoadReport> loadTextCheckpoint(TextClassifierImpl& model, TensorMap tensors);
// The same from the folder's weights file (model.safetensors or pytorch_model.bin).
Result<WeightLoadReport> loadTextModelFolder(TextClassifierImpl& model, const TextModelFolder& folder);

// describeTextModelFolder + makeTextClassifier + loadTextModelFolder in one step.
struct LoadedTextClassifier {
  TextClassifierPtr model;
  TextModelFolder folder;
  WeightLoadReport report;
};
// With PretrainedWeights::Skip the folder's weights are neither needed nor read (the report is empty).
Result<LoadedTextClassifier> loadTextClassifier(const QString& folder, int numClasses,
                                                PretrainedWeights pretrained = PretrainedWeights::Load);

}  // namespace attune::detail
