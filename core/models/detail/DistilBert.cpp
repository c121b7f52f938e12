#include "core/models/detail/DistilBert.h"
#include "core/models/detail/Dense.h"

namespace attune::detail {

namespace {

constexpr double kLayerNormEps = 1e-12;  // fixed in DistilBERT, not a config field

torch::nn::LayerNorm layerNorm(int64_t width) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(kLayerNormEps));
}

// distilbert.embeddings: word + position, LayerNorm, dropout.
class DistilBertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit DistilBertEmbeddingsImpl(const TextModelConfig& config)
      : m_words(register_module("word_embeddings",
                                EmbeddingTable(config.vocabSize, config.hiddenSize,
                                               EmbeddingTableImpl::Storage::Trained, config.padTokenId))),
        m_positions(register_module(
            "position_embeddings",
            EmbeddingTable(config.maxPositionEmbeddings, config.hiddenSize,
                           config.sinusoidalPositions ? EmbeddingTableImpl::Storage::Fixed
                                                      : EmbeddingTableImpl::Storage::Trained))),
        m_norm(register_module("LayerNorm", layerNorm(config.hiddenSize))),
        m_dropout(config.hiddenDropout) {}

  torch::Tensor forward(const torch::Tensor& ids) {
    auto x = m_words(ids) + m_positions->weight.slice(0, 0, ids.size(1));
    return ownerDropout(m_norm(x), m_dropout, *this);
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& ids) const {
    const auto length = g.op("Shape", {ids}, {{"start", int64_t{1}}, {"end", int64_t{2}}});
    const auto positions = g.op("Slice", {g.tensor(m_positions->weight), g.ints({0}), length, g.ints({0})});
    return g.layerNorm(*m_norm, g.add(g.op("Gather", {g.tensor(m_words->weight), ids}), positions));
  }

 private:
  EmbeddingTable m_words;
  EmbeddingTable m_positions;
  torch::nn::LayerNorm m_norm;
  double m_dropout;
};

// distilbert.transformer.layer.<i>: attention.{q_lin,k_lin,v_lin,out_lin}, sa_layer_norm,
// ffn.{lin1,lin2}, output_layer_norm.
class TransformerBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerBlockImpl(const TextModelConfig& config) : m_config(config) {
    const int64_t width = config.hiddenSize;
    auto attention = register_module("attention", std::make_shared<torch::nn::Module>());
    m_query = attention->register_module("q_lin", Dense(width, width));
    m_key = attention->register_module("k_lin", Dense(width, width));
    m_value = attention->register_module("v_lin", Dense(width, width));
    m_out = attention->register_module("out_lin", Dense(width, width));
    m_attentionNorm = register_module("sa_layer_norm", layerNorm(width));
    auto ffn = register_module("ffn", std::make_shared<torch::nn::Module>());
    m_lin1 = ffn->register_module("lin1", Dense(width, config.intermediateSize));
    m_lin2 = ffn->register_module("lin2", Dense(config.intermediateSize, width));
    m_outputNorm = register_module("output_layer_norm", layerNorm(width));
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask) {
    const double attentionDropout = is_training() ? m_config.attentionDropout : 0.0;
    const auto context = maskedSelfAttention(m_query(x), m_key(x), m_value(x), mask,
                                             m_config.numAttentionHeads, attentionDropout);
    const auto attended = m_attentionNorm(m_out(context) + x);
    const auto inner = m_lin2(hiddenActivation(m_lin1(attended), m_config.hiddenAct));
    return m_outputNorm(ownerDropout(inner, m_config.hiddenDropout, *this) + attended);
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x, const OnnxValue& mask) const {
    const auto context = g.attention(g.linear(*m_query, x), g.linear(*m_key, x), g.linear(*m_value, x),
                                     m_config.numAttentionHeads, m_config.hiddenSize, mask);
    const auto attended = g.layerNorm(*m_attentionNorm, g.add(g.linear(*m_out, context), x));
    const auto inner =
        g.linear(*m_lin2, hiddenActivationToOnnx(g, g.linear(*m_lin1, attended), m_config.hiddenAct));
    return g.layerNorm(*m_outputNorm, g.add(inner, attended));
  }

 private:
  TextModelConfig m_config;
  Dense m_query{nullptr}, m_key{nullptr}, m_value{nullptr}, m_out{nullptr};
  torch::nn::LayerNorm m_attentionNorm{nullptr};
  Dense m_lin1{nullptr}, m_lin2{nullptr};
  torch::nn::LayerNorm m_outputNorm{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace

// distilbert.*: embeddings, transformer.layer.<i>.
class DistilBertModelImpl : public torch::nn::Module {
 public:
  explicit DistilBertModelImpl(const TextModelConfig& config)
      : m_embeddings(register_module("embeddings", std::make_shared<DistilBertEmbeddingsImpl>(config))) {
    auto transformer = register_module("transformer", std::make_shared<torch::nn::Module>());
    m_layers = transformer->register_module("layer", torch::nn::ModuleList());
    for (int i = 0; i < config.numHiddenLayers; ++i) m_layers->push_back(TransformerBlock(config));
  }

  torch::Tensor encode(const torch::Tensor& ids, const torch::Tensor& mask) {
    auto x = m_embeddings->forward(ids);
    for (const auto& layer : *m_layers) x = layer->as<TransformerBlockImpl>()->forward(x, mask);
    return x;
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& ids, const OnnxValue& mask) const {
    auto x = m_embeddings->toOnnx(g, ids);
    for (const auto& layer : *m_layers) x = layer->as<TransformerBlockImpl>()->toOnnx(g, x, mask);
    return x;
  }

 private:
  std::shared_ptr<DistilBertEmbeddingsImpl> m_embeddings;
  torch::nn::ModuleList m_layers{nullptr};
};

DistilBertClassifierImpl::DistilBertClassifierImpl(const TextModelConfig& config, int numClasses)
    : TextClassifierImpl(config),
      m_distilbert(register_module("distilbert", std::make_shared<DistilBertModelImpl>(config))),
      m_preClassifier(register_module("pre_classifier", Dense(config.hiddenSize, config.hiddenSize))),
      m_classifier(register_module("classifier", Dense(config.hiddenSize, numClasses))) {
  initialiseWeights();
}

torch::Tensor DistilBertClassifierImpl::encode(const torch::Tensor& ids) {
  checkIds(ids);
  return m_distilbert->encode(ids, tokenMask(ids));
}

torch::Tensor DistilBertClassifierImpl::features(torch::Tensor ids) {
  return encode(ids).select(1, 0);
}

torch::Tensor DistilBertClassifierImpl::classifyFeatures(torch::Tensor features) {
  const auto hidden = torch::relu(m_preClassifier(features));
  return m_classifier(ownerDropout(hidden, config().classifierDropout, *this));
}

OnnxValue DistilBertClassifierImpl::onnxFeatures(OnnxGraph& g, const OnnxValue& ids) const {
  return g.selectSecondAxis(m_distilbert->toOnnx(g, ids, keyMaskToOnnx(g)), 0);
}

OnnxValue DistilBertClassifierImpl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.linear(*m_classifier, g.relu(g.linear(*m_preClassifier, features)));
}

bool DistilBertClassifierImpl::isHeadName(const std::string& name) const {
  return name.rfind("pre_classifier.", 0) == 0 || name.rfind("classifier.", 0) == 0;
}

}  // namespace attune::detail
