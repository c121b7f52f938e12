#pragma once
// The shape of a BERT or DistilBERT text model, read from a Hugging Face config.json (its field names:
// hidden_size / dim, num_hidden_layers / n_layers, ...). Plain data without LibTorch: the GUI, the
// project file and the CLI describe and check a text model with it before anything is allocated.

#include "core/common/Result.h"
#include "core/weights/ModelCatalog.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <vector>

namespace attune {

enum class TextModelKind { Bert, DistilBert };

// config.json's hidden_act (BERT) / activation (DistilBERT).
enum class HiddenActivation {
  Gelu,      // "gelu": the exact form x * Phi(x) with the error function
  GeluTanh,  // "gelu_new", "gelu_pytorch_tanh", "gelu_fast": the tanh approximation
  Relu,      // "relu"
  Silu,      // "silu", "swish"
};

struct TextModelConfig {
  TextModelKind kind = TextModelKind::Bert;
  // Defaults are bert-base-uncased's (DistilBERT: distilbert-base-uncased's, see defaultsFor()).
  int vocabSize = 30522;
  int hiddenSize = 768;             // DistilBERT: dim
  int numHiddenLayers = 12;         // n_layers
  int numAttentionHeads = 12;       // n_heads
  int intermediateSize = 3072;      // hidden_dim
  int maxPositionEmbeddings = 512;  // the longest sequence in tokens, [CLS] and [SEP] included
  int typeVocabSize = 2;            // BERT only (segment A / B); DistilBERT has no token types
  double layerNormEps = 1e-12;      // DistilBERT: always 1e-12
  HiddenActivation hiddenAct = HiddenActivation::Gelu;
  double hiddenDropout = 0.1;      // hidden_dropout_prob / dropout
  double attentionDropout = 0.1;   // attention_probs_dropout_prob / attention_dropout
  double classifierDropout = 0.1;  // classifier_dropout (else hidden_dropout_prob) / seq_classif_dropout
  int padTokenId = 0;              // padded positions are masked out of attention
  double initializerRange = 0.02;  // standard deviation of the initial weights of new layers
  // DistilBERT's sinusoidal_pos_embds: fixed sine/cosine position embeddings that are never trained.
  bool sinusoidalPositions = false;

  static TextModelConfig defaultsFor(TextModelKind kind);

  // "bert" or "distilbert" (config.json's model_type, the catalog's architecture).
  QString architectureId() const;
  // Parameter-name prefix of the encoder: "bert." or "distilbert.".
  QString encoderPrefix() const;
  // Plain-language refusals (heads that do not divide the width, sizes out of any sensible range);
  // checked before a model is allocated.
  Status validate() const;
  // Exact number of trainable parameters of the sequence classifier with numClasses outputs (fixed
  // sinusoidal position embeddings are not counted).
  qint64 parameterCount(int numClasses) const;
  // A Hugging Face config.json for this model (the kind's own field names, model_type, architectures).
  nlohmann::json toJson() const;
};

// From a parsed config.json; the kind comes from model_type, else architectures, else the field names.
// Missing fields keep the kind's defaults; a field of the wrong type or out of range is refused naming it.
Result<TextModelConfig> parseTextModelConfig(const nlohmann::json& json);
Result<TextModelConfig> readTextModelConfig(const QString& path);

// config.json's name of an activation ("gelu", "gelu_new", "relu", "silu").
QString hiddenActivationName(HiddenActivation activation);

// Layer groups from the input to the head, for discriminative rates and gradual unfreezing:
// "embeddings", "encoder layer 0" .. (DistilBERT: "transformer layer 0" ..), (BERT) "pooler", "head", the
// model catalog's names. Every parameter of the sequence classifier belongs to exactly one group.
std::vector<LayerGroupSpec> textLayerGroups(const TextModelConfig& config);

}  // namespace attune
