#include "core/models/TextModelConfig.h"
#include "core/common/BoundedJson.h"

#include "core/common/FileRead.h"
#include "core/common/JsonFields.h"

#include <QFileInfo>

namespace attune {

namespace jf = json_fields;

namespace {

// Nesting these documents never need (they are a few levels deep): deeper text is refused unread.
constexpr int kMaxJsonDepth = 64;

// Far above any published BERT (bert-large: 1024 wide, 24 layers; multilingual vocabularies ~250k) and
// low enough that a corrupt or hostile config.json cannot make Attune allocate tens of gigabytes.
constexpr int kMaxVocabSize = 1'000'000;
constexpr int kMaxHiddenSize = 8192;
constexpr int kMaxLayers = 128;
constexpr int kMaxHeads = 256;
constexpr int kMaxIntermediateSize = 65536;
constexpr int kMaxPositions = 65536;
constexpr int kMaxTypeVocabSize = 1024;
constexpr qint64 kMaxParameters = 2'000'000'000;  // 8 GB of float32
constexpr qint64 kMaxConfigBytes = 1 << 20;

const QString kConfigHint = QStringLiteral(
    "This config.json does not describe a BERT or DistilBERT model Attune can build; download the model "
    "folder again or choose another model.");

Error configError(const QString& message) {
  return Error(ErrorCode::BadValue, QStringLiteral("The model's config.json cannot be used: ") + message,
               kConfigHint);
}

// json_fields' errors speak of the project file; these fields live in the model's config.json.
Status withConfigHint(Status status) {
  if (status) return status;
  return configError(status.error().message);
}

template <typename T>
Status readField(const nlohmann::json& json, const char* key, T& out) {
  return withConfigHint(jf::read(json, key, QString(), out));
}

// The names config.json gives each field, per kind.
struct FieldNames {
  const char* hidden;
  const char* layers;
  const char* heads;
  const char* intermediate;
  const char* activation;
  const char* hiddenDropout;
  const char* attentionDropout;
  const char* classifierDropout;
};

const FieldNames& namesOf(TextModelKind kind) {
  static const FieldNames bert{
      "hidden_size", "num_hidden_layers",   "num_attention_heads",          "intermediate_size",
      "hidden_act",  "hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout"};
  static const FieldNames distilBert{"dim",        "n_layers", "n_heads",           "hidden_dim",
                                     "activation", "dropout",  "attention_dropout", "seq_classif_dropout"};
  return kind == TextModelKind::Bert ? bert : distilBert;
}

Result<TextModelKind> kindOf(const nlohmann::json& json) {
  const auto modelType = json.find("model_type");
  if (modelType != json.end() && modelType->is_string()) {
    const auto type = modelType->get<std::string>();
    if (type == "bert") return TextModelKind::Bert;
    if (type == "distilbert") return TextModelKind::DistilBert;
    return Error(ErrorCode::BadValue,
                 QStringLiteral("This is a \"%1\" model; Attune fine-tunes BERT and DistilBERT text models.")
                     .arg(QString::fromStdString(type)),
                 QStringLiteral("Choose a BERT or DistilBERT model (for example bert-base-uncased)."));
  }
  // Early checkpoints (bert-base-uncased's first config.json) name neither model_type nor the class.
  const auto architectures = json.find("architectures");
  if (architectures != json.end() && architectures->is_array()) {
    for (const auto& name : *architectures) {
      if (!name.is_string()) continue;
      const auto text = name.get<std::string>();
      if (text.rfind("DistilBert", 0) == 0) return TextModelKind::DistilBert;
      if (text.rfind("Bert", 0) == 0) return TextModelKind::Bert;
    }
  }
  if (json.contains("dim") || json.contains("n_layers")) return TextModelKind::DistilBert;
  if (json.contains("hidden_size") || json.contains("num_hidden_layers")) return TextModelKind::Bert;
  return configError(QStringLiteral("it names no BERT or DistilBERT model (no model_type, no sizes)."));
}

Result<HiddenActivation> activationOf(const QString& name, const char* field) {
  if (name == QLatin1String("gelu")) return HiddenActivation::Gelu;
  if (name == QLatin1String("gelu_new") || name == QLatin1String("gelu_pytorch_tanh") ||
      name == QLatin1String("gelu_fast"))
    return HiddenActivation::GeluTanh;
  if (name == QLatin1String("relu")) return HiddenActivation::Relu;
  if (name == QLatin1String("silu") || name == QLatin1String("swish")) return HiddenActivation::Silu;
  return configError(
      QStringLiteral("%1 \"%2\" is not an activation Attune knows (gelu, gelu_new, relu, silu).")
          .arg(QString::fromUtf8(field), name));
}

Status checkRange(const char* field, double value, double low, double high) {
  if (value >= low && value <= high) return {};
  return configError(QStringLiteral("%1 is %2; it must be between %3 and %4.")
                         .arg(QString::fromUtf8(field))
                         .arg(value)
                         .arg(low)
                         .arg(high));
}

}  // namespace

TextModelConfig TextModelConfig::defaultsFor(TextModelKind kind) {
  TextModelConfig config;
  config.kind = kind;
  if (kind == TextModelKind::DistilBert) {
    config.numHiddenLayers = 6;
    config.typeVocabSize = 0;
    config.classifierDropout = 0.2;
  }
  return config;
}

QString TextModelConfig::architectureId() const {
  return kind == TextModelKind::Bert ? QStringLiteral("bert") : QStringLiteral("distilbert");
}

QString TextModelConfig::encoderPrefix() const {
  return architectureId() + QLatin1Char('.');
}

Status TextModelConfig::validate() const {
  const auto& names = namesOf(kind);
  if (auto s = checkRange("vocab_size", vocabSize, 1, kMaxVocabSize); !s) return s;
  if (auto s = checkRange(names.hidden, hiddenSize, 1, kMaxHiddenSize); !s) return s;
  if (auto s = checkRange(names.layers, numHiddenLayers, 1, kMaxLayers); !s) return s;
  if (auto s = checkRange(names.heads, numAttentionHeads, 1, kMaxHeads); !s) return s;
  if (auto s = checkRange(names.intermediate, intermediateSize, 1, kMaxIntermediateSize); !s) return s;
  if (auto s = checkRange("max_position_embeddings", maxPositionEmbeddings, 1, kMaxPositions); !s) return s;
  if (kind == TextModelKind::Bert)
    if (auto s = checkRange("type_vocab_size", typeVocabSize, 1, kMaxTypeVocabSize); !s) return s;
  if (hiddenSize % numAttentionHeads != 0)
    return configError(QStringLiteral("%1 (%2) is not divisible by %3 (%4): the attention heads must share "
                                      "the width equally.")
                           .arg(QString::fromUtf8(names.hidden))
                           .arg(hiddenSize)
                           .arg(QString::fromUtf8(names.heads))
                           .arg(numAttentionHeads));
  if (sinusoidalPositions && hiddenSize % 2 != 0)
    return configError(QStringLiteral("sinusoidal position embeddings need an even %1, not %2.")
                           .arg(QString::fromUtf8(names.hidden))
                           .arg(hiddenSize));
  if (auto s = checkRange("layer_norm_eps", layerNormEps, 1e-30, 0.1); !s) return s;
  if (auto s = checkRange(names.hiddenDropout, hiddenDropout, 0.0, 0.99); !s) return s;
  if (auto s = checkRange(names.attentionDropout, attentionDropout, 0.0, 0.99); !s) return s;
  if (auto s = checkRange(names.classifierDropout, classifierDropout, 0.0, 0.99); !s) return s;
  if (auto s = checkRange("initializer_range", initializerRange, 0.0, 1.0); !s) return s;
  if (padTokenId < 0 || padTokenId >= vocabSize)
    return configError(QStringLiteral("pad_token_id %1 is outside the vocabulary of %2 tokens.")
                           .arg(padTokenId)
                           .arg(vocabSize));
  if (parameterCount(2) > kMaxParameters)
    return configError(
        QStringLiteral("the model would have %1 million parameters, more than Attune can train.")
            .arg(parameterCount(2) / 1'000'000));
  return {};
}

qint64 TextModelConfig::parameterCount(int numClasses) const {
  const qint64 h = hiddenSize;
  const qint64 inter = intermediateSize;
  const bool trainedPositions = kind == TextModelKind::Bert || !sinusoidalPositions;
  qint64 embeddings = qint64(vocabSize) * h + 2 * h;  // words and LayerNorm
  if (trainedPositions) embeddings += qint64(maxPositionEmbeddings) * h;
  if (kind == TextModelKind::Bert) embeddings += qint64(typeVocabSize) * h;
  // Query, key, value and output projections, the FFN's two Linear layers, two LayerNorms.
  const qint64 layer = 4 * (h * h + h) + (h * inter + inter) + (inter * h + h) + 2 * 2 * h;
  const qint64 pooler = h * h + h;  // BERT's pooler, DistilBERT's pre_classifier
  const qint64 classifier = h * numClasses + numClasses;
  return embeddings + numHiddenLayers * layer + pooler + classifier;
}

nlohmann::json TextModelConfig::toJson() const {
  const auto& names = namesOf(kind);
  nlohmann::json json;
  json["model_type"] = architectureId().toStdString();
  json["architectures"] = {kind == TextModelKind::Bert ? "BertForSequenceClassification"
                                                       : "DistilBertForSequenceClassification"};
  json["vocab_size"] = vocabSize;
  json[names.hidden] = hiddenSize;
  json[names.layers] = numHiddenLayers;
  json[names.heads] = numAttentionHeads;
  json[names.intermediate] = intermediateSize;
  json["max_position_embeddings"] = maxPositionEmbeddings;
  json[names.activation] = hiddenActivationName(hiddenAct).toStdString();
  json[names.hiddenDropout] = hiddenDropout;
  json[names.attentionDropout] = attentionDropout;
  json[names.classifierDropout] = classifierDropout;
  json["pad_token_id"] = padTokenId;
  json["initializer_range"] = initializerRange;
  if (kind == TextModelKind::Bert) {
    json["type_vocab_size"] = typeVocabSize;
    json["layer_norm_eps"] = layerNormEps;
    json["position_embedding_type"] = "absolute";
  } else {
    json["sinusoidal_pos_embds"] = sinusoidalPositions;
  }
  return json;
}

Result<TextModelConfig> parseTextModelConfig(const nlohmann::json& json) {
  if (!json.is_object()) return configError(QStringLiteral("it is not a JSON object ({...})."));
  auto kind = kindOf(json);
  if (!kind) return kind.error();
  TextModelConfig config = TextModelConfig::defaultsFor(*kind);
  const auto& names = namesOf(*kind);

  Status status;
  auto read = [&](const char* key, auto& out) {
    if (status) status = readField(json, key, out);
  };
  read("vocab_size", config.vocabSize);
  read(names.hidden, config.hiddenSize);
  read(names.layers, config.numHiddenLayers);
  read(names.heads, config.numAttentionHeads);
  read(names.intermediate, config.intermediateSize);
  read("max_position_embeddings", config.maxPositionEmbeddings);
  read(names.hiddenDropout, config.hiddenDropout);
  read(names.attentionDropout, config.attentionDropout);
  read("pad_token_id", config.padTokenId);
  read("initializer_range", config.initializerRange);
  if (*kind == TextModelKind::Bert) {
    config.classifierDropout = config.hiddenDropout;  // unless classifier_dropout says otherwise
    read("type_vocab_size", config.typeVocabSize);
    read("layer_norm_eps", config.layerNormEps);
  } else {
    read("sinusoidal_pos_embds", config.sinusoidalPositions);
  }
  read(names.classifierDropout, config.classifierDropout);
  QString activation = hiddenActivationName(config.hiddenAct);
  read(names.activation, activation);
  QString positionType = QStringLiteral("absolute");
  if (*kind == TextModelKind::Bert) read("position_embedding_type", positionType);
  if (!status) return status.error();

  auto parsedActivation = activationOf(activation, names.activation);
  if (!parsedActivation) return parsedActivation.error();
  config.hiddenAct = *parsedActivation;
  if (positionType != QLatin1String("absolute"))
    return configError(QStringLiteral("position_embedding_type \"%1\" is not supported (only \"absolute\").")
                           .arg(positionType));
  if (auto valid = config.validate(); !valid) return valid.error();
  return config;
}

Result<TextModelConfig> readTextModelConfig(const QString& path) {
  if (!QFileInfo::exists(path))
    return Error(
        ErrorCode::FileNotFound, QStringLiteral("The model folder has no config.json (%1).").arg(path),
        QStringLiteral("Choose a Hugging Face model folder: it holds config.json next to the weights."));
  auto bytes = readRegularFile(path, kMaxConfigBytes, QStringLiteral("the model's config.json"));
  if (!bytes && bytes.error().code == ErrorCode::BadFormat)
    return configError(QStringLiteral("the file is far too large."));
  if (!bytes) return bytes.error();
  const auto json =
      parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
  if (json.is_discarded()) return configError(QStringLiteral("it is not valid JSON."));
  return parseTextModelConfig(json);
}

QString hiddenActivationName(HiddenActivation activation) {
  switch (activation) {
    case HiddenActivation::Gelu:
      return QStringLiteral("gelu");
    case HiddenActivation::GeluTanh:
      return QStringLiteral("gelu_new");
    case HiddenActivation::Relu:
      return QStringLiteral("relu");
    case HiddenActivation::Silu:
      return QStringLiteral("silu");
  }
  return QStringLiteral("gelu");
}

std::vector<LayerGroupSpec> textLayerGroups(const TextModelConfig& config) {
  const QString encoder = config.encoderPrefix();
  const QString layerPrefix =
      encoder + (config.kind == TextModelKind::Bert ? QStringLiteral("encoder.layer.")
                                                    : QStringLiteral("transformer.layer."));
  std::vector<LayerGroupSpec> groups;
  groups.push_back({QStringLiteral("embeddings"), {encoder + QStringLiteral("embeddings.")}});
  for (int i = 0; i < config.numHiddenLayers; ++i)
    groups.push_back({(config.kind == TextModelKind::Bert ? QStringLiteral("encoder layer %1")
                                                          : QStringLiteral("transformer layer %1"))
                          .arg(i),
                      {layerPrefix + QString::number(i) + QLatin1Char('.')}});
  if (config.kind == TextModelKind::Bert) {
    groups.push_back({QStringLiteral("pooler"), {encoder + QStringLiteral("pooler.")}});
    groups.push_back({QStringLiteral("head"), {QStringLiteral("classifier.")}});
  } else {
    groups.push_back(
        {QStringLiteral("head"), {QStringLiteral("pre_classifier."), QStringLiteral("classifier.")}});
  }
  return groups;
}

}  // namespace attune
