#include "core/models/detail/TextClassifier.h"

#include "core/models/detail/Bert.h"
#include "core/models/detail/DistilBert.h"
#include "core/models/detail/StateDict.h"
#include "core/weights/WeightsFile.h"

#include <cmath>
#include <limits>

namespace attune::detail {

namespace {

bool startsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The most negative finite value of the scores' type: a masked key's score. Finite, so that a row
// whose keys are all padding (an empty text) gets uniform weights instead of NaN.
double lowestOf(torch::ScalarType type) {
  switch (type) {
    case torch::kHalf:
      return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case torch::kBFloat16:
      return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case torch::kDouble:
      return std::numeric_limits<double>::lowest();
    default:
      return std::numeric_limits<float>::lowest();
  }
}

// The legacy LayerNorm names of TensorFlow-converted checkpoints (bert-base-uncased's first
// pytorch_model.bin): gamma is the weight, beta the bias.
std::string modernName(const std::string& name) {
  if (endsWith(name, ".gamma")) return name.substr(0, name.size() - 6) + ".weight";
  if (endsWith(name, ".beta")) return name.substr(0, name.size() - 5) + ".bias";
  return name;
}

}  // namespace

void TextClassifierImpl::checkIds(const torch::Tensor& ids) const {
  TORCH_CHECK(ids.dim() == 2 && ids.scalar_type() == torch::kInt64,
              "a text model reads token ids as a [texts, tokens] int64 tensor, got ", ids.sizes(), " ",
              ids.scalar_type());
  TORCH_CHECK(ids.size(1) >= 1 && ids.size(1) <= m_config.maxPositionEmbeddings, "the texts are ",
              ids.size(1), " tokens long; this model reads at most ", m_config.maxPositionEmbeddings,
              " (truncate longer texts)");
  if (ids.numel() == 0) return;
  const auto [lowest, highest] = torch::aminmax(ids);
  TORCH_CHECK(lowest.item<int64_t>() >= 0 && highest.item<int64_t>() < m_config.vocabSize,
              "a token id is outside this model's vocabulary of ", m_config.vocabSize,
              " tokens (is the tokenizer the model's own?)");
}

void TextClassifierImpl::initialiseWeights() {
  torch::NoGradGuard noGrad;
  const double std = m_config.initializerRange;
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
      linear->weight.normal_(0.0, std);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* table = dynamic_cast<EmbeddingTableImpl*>(module.get())) {
      if (table->storage() == EmbeddingTableImpl::Storage::Fixed) continue;
      table->weight.normal_(0.0, std);
      if (table->paddingIndex() >= 0) table->weight[table->paddingIndex()].zero_();
    } else if (auto* norm = dynamic_cast<torch::nn::LayerNormImpl*>(module.get())) {
      norm->weight.fill_(1.0);
      norm->bias.zero_();
    }
  }
}

torch::Tensor hiddenActivation(const torch::Tensor& x, HiddenActivation activation) {
  switch (activation) {
    case HiddenActivation::Gelu:
      return torch::gelu(x);
    case HiddenActivation::GeluTanh:
      return torch::gelu(x, "tanh");
    case HiddenActivation::Relu:
      return torch::relu(x);
    case HiddenActivation::Silu:
      return torch::silu(x);
  }
  return torch::gelu(x);
}

OnnxValue hiddenActivationToOnnx(OnnxGraph& graph, const OnnxValue& x, HiddenActivation activation) {
  switch (activation) {
    case HiddenActivation::Gelu:
      return graph.gelu(x);
    case HiddenActivation::GeluTanh:
      return graph.geluTanh(x);
    case HiddenActivation::Relu:
      return graph.relu(x);
    case HiddenActivation::Silu:
      return graph.silu(x);
  }
  return graph.gelu(x);
}

OnnxValue keyMaskToOnnx(OnnxGraph& graph) {
  return graph.cast(graph.input("attention_mask"), OnnxType::Bool);
}

torch::Tensor ownerDropout(const torch::Tensor& x, double probability, const torch::nn::Module& owner) {
  if (probability <= 0.0 || !owner.is_training()) return x;
  return torch::dropout(x, probability, /*train=*/true);
}

torch::Tensor maskedSelfAttention(const torch::Tensor& query, const torch::Tensor& key,
                                  const torch::Tensor& value, const torch::Tensor& keyMask, int64_t heads,
                                  double dropoutProbability) {
  const int64_t batch = query.size(0);
  const int64_t length = query.size(1);
  const int64_t width = query.size(2);
  const int64_t headWidth = width / heads;
  auto split = [&](const torch::Tensor& t) {  // [N, L, H] -> [N, heads, L, H / heads]
    return t.reshape({batch, length, heads, headWidth}).transpose(1, 2);
  };
  auto scores = torch::matmul(split(query), split(key).transpose(-2, -1)) / std::sqrt(double(headWidth));
  scores = scores.masked_fill(keyMask.logical_not().reshape({batch, 1, 1, length}),
                              lowestOf(scores.scalar_type()));
  auto weights = torch::softmax(scores, /*dim=*/-1);
  if (dropoutProbability > 0.0) weights = torch::dropout(weights, dropoutProbability, /*train=*/true);
  return torch::matmul(weights, split(value)).transpose(1, 2).reshape({batch, length, width});
}

EmbeddingTableImpl::EmbeddingTableImpl(int64_t count, int64_t width, Storage storage, int64_t paddingIndex)
    : m_storage(storage), m_paddingIndex(paddingIndex) {
  if (storage == Storage::Trained) {
    weight = register_parameter("weight", torch::empty({count, width}));
    return;
  }
  // DistilBERT's sinusoidal table: even columns sin(pos / 10000^(j / width)), odd columns the cosine
  // of the same angle as the even column before them.
  const auto positions = torch::arange(count, torch::kFloat64).unsqueeze(1);
  const auto pairs = torch::div(torch::arange(width, torch::kFloat64), 2, "floor") * 2;
  const auto angles = positions / torch::pow(10000.0, pairs / double(width));
  auto table = torch::empty({count, width}, torch::kFloat64);
  table.slice(1, 0, width, 2).copy_(angles.slice(1, 0, width, 2).sin());
  table.slice(1, 1, width, 2).copy_(angles.slice(1, 1, width, 2).cos());
  weight = register_buffer("weight", table.to(torch::kFloat32));
}

TextClassifierPtr makeTextClassifier(const TextModelConfig& config, int numClasses) {
  TORCH_CHECK(numClasses > 0, "a text classifier needs at least one class, got ", numClasses);
  const auto valid = config.validate();
  TORCH_CHECK(valid.ok(), valid.ok() ? std::string() : valid.error().message.toStdString());
  if (config.kind == TextModelKind::Bert) return std::make_shared<BertClassifierImpl>(config, numClasses);
  return std::make_shared<DistilBertClassifierImpl>(config, numClasses);
}

TensorMap normaliseTextCheckpoint(TensorMap tensors, TextModelKind kind) {
  const std::string prefix = kind == TextModelKind::Bert ? "bert." : "distilbert.";
  // The top-level modules of BertModel / DistilBertModel: a checkpoint of the bare encoder starts there.
  const std::vector<std::string> encoderRoots =
      kind == TextModelKind::Bert ? std::vector<std::string>{"embeddings.", "encoder.", "pooler."}
                                  : std::vector<std::string>{"embeddings.", "transformer."};
  auto renamed = [&](const std::string& name) {
    std::string result = modernName(name);
    for (const auto& root : encoderRoots)
      if (startsWith(result, root)) return prefix + result;
    return result;
  };
  // Names that need no change win over renamed ones should a file hold both.
  TensorMap result;
  std::vector<std::pair<std::string, TensorData*>> changed;
  for (auto& [name, data] : tensors) {
    const std::string target = renamed(name);
    if (target == name)
      result.emplace(name, std::move(data));
    else
      changed.emplace_back(target, &data);
  }
  for (auto& [target, data] : changed) result.emplace(target, std::move(*data));
  return result;
}

Result<WeightLoadReport> loadTextCheckpoint(TextClassifierImpl& model, TensorMap tensors) {
  const auto normalised = normaliseTextCheckpoint(std::move(tensors), model.config().kind);
  return loadStateDict(
      model, normalised, [&model](const std::string& name) { return model.isHeadName(name); },
      HeadPolicy::ReplaceHead);
}

Result<WeightLoadReport> loadTextModelFolder(TextClassifierImpl& model, const TextModelFolder& folder) {
  auto content = readWeightsFile(folder.weightsFile);
  if (!content) return content.error();
  return loadTextCheckpoint(model, std::move(content->tensors));
}

Result<LoadedTextClassifier> loadTextClassifier(const QString& folder, int numClasses,
                                                PretrainedWeights pretrained) {
  auto described =
      describeTextModelFolder(folder, pretrained == PretrainedWeights::Skip ? TextFolderWeights::Optional
                                                                            : TextFolderWeights::Required);
  if (!described) return described.error();
  if (numClasses < 1)
    return Error(ErrorCode::NotEnoughData, QStringLiteral("A text classifier needs at least one class."),
                 QStringLiteral("Label some texts first."));
  LoadedTextClassifier loaded;
  loaded.model = makeTextClassifier(described->config, numClasses);
  if (pretrained == PretrainedWeights::Load) {
    auto report = loadTextModelFolder(*loaded.model, *described);
    if (!report) return report.error();
    loaded.report = std::move(*report);
  }
  loaded.folder = std::move(*described);
  return loaded;
}

}  // namespace attune::detail
