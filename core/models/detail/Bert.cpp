#include "core/models/detail/Bert.h"
#include "core/models/detail/Dense.h"

namespace attune::detail {

namespace {

// A module that only groups its children under a name ("attention", "self", "output"), as the
// Python classes of Hugging Face's BERT do; the computation lives in BertLayerImpl.
std::shared_ptr<torch::nn::Module> group(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

torch::nn::LayerNorm layerNorm(const TextModelConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hiddenSize}).eps(config.layerNormEps));
}

// bert.embeddings: word + position + token type 0, LayerNorm, dropout.
class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const TextModelConfig& config)
      : m_words(register_module("word_embeddings",
                                EmbeddingTable(config.vocabSize, config.hiddenSize,
                                               EmbeddingTableImpl::Storage::Trained, config.padTokenId))),
        m_positions(register_module("position_embeddings",
                                    EmbeddingTable(config.maxPositionEmbeddings, config.hiddenSize))),
        m_tokenTypes(register_module("token_type_embeddings",
                                     EmbeddingTable(config.typeVocabSize, config.hiddenSize))),
        m_norm(register_module("LayerNorm", layerNorm(config))),
        m_dropout(config.hiddenDropout) {}

  torch::Tensor forward(const torch::Tensor& ids) {
    const int64_t length = ids.size(1);
    // Single sentences: every token is of type 0 (segment A).
    auto x = m_words(ids) + m_positions->weight.slice(0, 0, length) + m_tokenTypes->weight[0];
    return ownerDropout(m_norm(x), m_dropout, *this);
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& ids) const {
    const auto length = g.op("Shape", {ids}, {{"start", int64_t{1}}, {"end", int64_t{2}}});
    const auto positions = g.op("Slice", {g.tensor(m_positions->weight), g.ints({0}), length, g.ints({0})});
    const auto tokenType = g.op(
        "Gather",
        {g.tensor(m_tokenTypes->weight), g.tensor(torch::scalar_tensor(int64_t{0}, torch::kInt64), "index")});
    auto x = g.add(g.add(g.op("Gather", {g.tensor(m_words->weight), ids}), positions), tokenType);
    return g.layerNorm(*m_norm, x);
  }

 private:
  EmbeddingTable m_words;
  EmbeddingTable m_positions;
  EmbeddingTable m_tokenTypes;
  torch::nn::LayerNorm m_norm;
  double m_dropout;
};

// bert.encoder.layer.<i>: attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
// intermediate.dense, output.{dense,LayerNorm}.
class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const TextModelConfig& config) : m_config(config) {
    const int64_t width = config.hiddenSize;
    auto attention = group(*this, "attention");
    auto self = group(*attention, "self");
    m_query = self->register_module("query", Dense(width, width));
    m_key = self->register_module("key", Dense(width, width));
    m_value = self->register_module("value", Dense(width, width));
    auto attentionOutput = group(*attention, "output");
    m_attentionDense = attentionOutput->register_module("dense", Dense(width, width));
    m_attentionNorm = attentionOutput->register_module("LayerNorm", layerNorm(config));
    m_intermediate =
        group(*this, "intermediate")->register_module("dense", Dense(width, config.intermediateSize));
    auto output = group(*this, "output");
    m_outputDense = output->register_module("dense", Dense(config.intermediateSize, width));
    m_outputNorm = output->register_module("LayerNorm", layerNorm(config));
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask) {
    const double attentionDropout = is_training() ? m_config.attentionDropout : 0.0;
    const auto context = maskedSelfAttention(m_query(x), m_key(x), m_value(x), mask,
                                             m_config.numAttentionHeads, attentionDropout);
    const auto attended =
        m_attentionNorm(x + ownerDropout(m_attentionDense(context), m_config.hiddenDropout, *this));
    const auto inner = hiddenActivation(m_intermediate(attended), m_config.hiddenAct);
    return m_outputNorm(attended + ownerDropout(m_outputDense(inner), m_config.hiddenDropout, *this));
  }

  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& x, const OnnxValue& mask) const {
    const auto context = g.attention(g.linear(*m_query, x), g.linear(*m_key, x), g.linear(*m_value, x),
                                     m_config.numAttentionHeads, m_config.hiddenSize, mask);
    const auto attended = g.layerNorm(*m_attentionNorm, g.add(x, g.linear(*m_attentionDense, context)));
    const auto inner = hiddenActivationToOnnx(g, g.linear(*m_intermediate, attended), m_config.hiddenAct);
    return g.layerNorm(*m_outputNorm, g.add(attended, g.linear(*m_outputDense, inner)));
  }

 private:
  TextModelConfig m_config;
  Dense m_query{nullptr}, m_key{nullptr}, m_value{nullptr};
  Dense m_attentionDense{nullptr};
  torch::nn::LayerNorm m_attentionNorm{nullptr};
  Dense m_intermediate{nullptr};
  Dense m_outputDense{nullptr};
  torch::nn::LayerNorm m_outputNorm{nullptr};
};
TORCH_MODULE(BertLayer);

}  // namespace

// bert.*: embeddings, encoder.layer.<i>, pooler.dense.
class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const TextModelConfig& config)
      : m_embeddings(register_module("embeddings", std::make_shared<BertEmbeddingsImpl>(config))) {
    m_layers = group(*this, "encoder")->register_module("layer", torch::nn::ModuleList());
    for (int i = 0; i < config.numHiddenLayers; ++i) m_layers->push_back(BertLayer(config));
    m_pooler = group(*this, "pooler")->register_module("dense", Dense(config.hiddenSize, config.hiddenSize));
  }

  torch::Tensor encode(const torch::Tensor& ids, const torch::Tensor& mask) {
    auto x = m_embeddings->forward(ids);
    for (const auto& layer : *m_layers) x = layer->as<BertLayerImpl>()->forward(x, mask);
    return x;
  }

  torch::Tensor pool(const torch::Tensor& hidden) { return torch::tanh(m_pooler(hidden.select(1, 0))); }

  // The pooled [CLS] features.
  OnnxValue toOnnx(OnnxGraph& g, const OnnxValue& ids, const OnnxValue& mask) const {
    auto x = m_embeddings->toOnnx(g, ids);
    for (const auto& layer : *m_layers) x = layer->as<BertLayerImpl>()->toOnnx(g, x, mask);
    return g.op("Tanh", {g.linear(*m_pooler, g.selectSecondAxis(x, 0))});
  }

 private:
  std::shared_ptr<BertEmbeddingsImpl> m_embeddings;
  torch::nn::ModuleList m_layers{nullptr};
  Dense m_pooler{nullptr};
};

BertClassifierImpl::BertClassifierImpl(const TextModelConfig& config, int numClasses)
    : TextClassifierImpl(config),
      m_bert(register_module("bert", std::make_shared<BertModelImpl>(config))),
      m_classifier(register_module("classifier", Dense(config.hiddenSize, numClasses))) {
  initialiseWeights();
}

torch::Tensor BertClassifierImpl::encode(const torch::Tensor& ids) {
  checkIds(ids);
  return m_bert->encode(ids, tokenMask(ids));
}

torch::Tensor BertClassifierImpl::features(torch::Tensor ids) {
  return m_bert->pool(encode(ids));
}

torch::Tensor BertClassifierImpl::classifyFeatures(torch::Tensor features) {
  return m_classifier(ownerDropout(features, config().classifierDropout, *this));
}

OnnxValue BertClassifierImpl::onnxFeatures(OnnxGraph& g, const OnnxValue& ids) const {
  return m_bert->toOnnx(g, ids, keyMaskToOnnx(g));
}

OnnxValue BertClassifierImpl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.linear(*m_classifier, features);
}

}  // namespace attune::detail
