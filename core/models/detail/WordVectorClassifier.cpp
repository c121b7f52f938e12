#include "core/models/detail/WordVectorClassifier.h"

#include "core/data/WordVocabulary.h"
#include "core/models/detail/TextClassifier.h"
#include "core/weights/SafetensorsReader.h"

#include <QFileInfo>

namespace attune::detail {

WordVectorClassifierImpl::WordVectorClassifierImpl(const WordVectorOptions& options,
                                                   const torch::Tensor& vectors, int numClasses)
    : m_options(options) {
  TORCH_CHECK(vectors.dim() == 2 && vectors.size(0) > WordVocabulary::kFirstWordId && vectors.size(1) > 0,
              "word vectors must be a [ids, width] table with more than ", WordVocabulary::kFirstWordId,
              " rows, got ", vectors.sizes());
  TORCH_CHECK(numClasses > 0, "a text classifier needs at least one class, got ", numClasses);
  const int64_t width = vectors.size(1);
  // The padding row gets no gradient, so it stays what the file says (zeros) while the table trains.
  m_embedding =
      register_module("embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(vectors.size(0), width)
                                                            .padding_idx(WordVocabulary::kPaddingId)
                                                            ._weight(vectors.to(torch::kFloat32).clone())));
  if (options.encoder == WordEncoder::Convolution) {
    m_conv =
        register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(width, options.convChannels,
                                                                           WordVectorOptions::kConvKernelSize)
                                                      .padding(WordVectorOptions::kConvKernelSize / 2)));
  }
  m_dropout = register_module("dropout", torch::nn::Dropout(options.dropout));
  m_classifier = register_module(
      "classifier", torch::nn::Linear(options.featureWidth(static_cast<int>(width)), numClasses));
}

torch::Tensor WordVectorClassifierImpl::features(torch::Tensor ids) {
  TORCH_CHECK(ids.dim() == 2 && ids.scalar_type() == torch::kInt64,
              "word ids must be an [N, L] int64 tensor, got ", ids.sizes(), " ", ids.scalar_type());
  const int64_t rows = m_embedding->weight.size(0);
  TORCH_CHECK(ids.numel() == 0 || (ids.min().item<int64_t>() >= 0 && ids.max().item<int64_t>() < rows),
              "word ids must lie in [0, ", rows, ")");
  const torch::Tensor mask = ids.ne(WordVocabulary::kPaddingId).unsqueeze(-1);  // [N, L, 1]
  torch::Tensor x = m_embedding(ids) * mask;                                    // [N, L, width]
  if (m_conv) x = torch::relu(m_conv(x.transpose(1, 2))).transpose(1, 2) * mask;
  torch::Tensor pooled;
  const auto mean = [&] {
    const torch::Tensor count = mask.sum(1).clamp_min(1).to(x.scalar_type());
    return x.sum(1) / count;
  };
  const auto max = [&] {
    // A text without tokens has no maximum: it pools to zeros, like the mean.
    const torch::Tensor highest =
        x.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity()).amax(1);
    return torch::where(mask.any(1), highest, torch::zeros_like(highest));
  };
  switch (m_options.pooling) {
    case WordPooling::Mean:
      return mean();
    case WordPooling::Max:
      return max();
    case WordPooling::MeanMax:
      return torch::cat({mean(), max()}, 1);
  }
  return mean();
}

torch::Tensor WordVectorClassifierImpl::classifyFeatures(torch::Tensor features) {
  return m_classifier(m_dropout(features));
}

OnnxValue WordVectorClassifierImpl::onnxFeatures(OnnxGraph& g, const OnnxValue& ids) const {
  const auto mask = g.op("Unsqueeze", {keyMaskToOnnx(g), g.ints({-1})});  // [N, L, 1] bool
  const auto weights = g.cast(mask, OnnxType::Float);
  auto x = g.mul(g.op("Gather", {g.tensor(m_embedding->weight), ids}), weights);  // [N, L, width]
  if (m_conv) x = g.mul(g.transpose(g.relu(g.conv(*m_conv, g.transpose(x, {0, 2, 1}))), {0, 2, 1}), weights);
  const auto sumOverTokens = [&](const OnnxValue& t) {
    return g.op("ReduceSum", {t, g.ints({1})}, {{"keepdims", int64_t{0}}});
  };
  const auto mean = [&] {
    const auto count = g.op("Max", {sumOverTokens(weights), g.scalar(1.0f)});  // [N, 1]
    return g.op("Div", {sumOverTokens(x), count});
  };
  const auto max = [&] {
    // A text without tokens has no maximum: it pools to zeros, like the mean.
    const auto masked = g.op("Where", {mask, x, g.scalar(-std::numeric_limits<float>::infinity())});
    const auto highest =
        g.op("ReduceMax", {masked}, {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
    const auto any = g.op("Greater", {sumOverTokens(weights), g.scalar(0.0f)});  // [N, 1]
    return g.op("Where", {any, highest, g.scalar(0.0f)});
  };
  switch (m_options.pooling) {
    case WordPooling::Mean:
      return mean();
    case WordPooling::Max:
      return max();
    case WordPooling::MeanMax:
      return g.op("Concat", {mean(), max()}, {{"axis", int64_t{1}}});
  }
  return mean();
}

OnnxValue WordVectorClassifierImpl::onnxClassify(OnnxGraph& g, const OnnxValue& features) const {
  return g.linear(*m_classifier, features);
}

Result<WordVectorClassifierPtr> makeWordVectorClassifier(const WordVectorOptions& options,
                                                         const TensorData& vectors, int numClasses) {
  if (auto valid = options.validate(); !valid) return valid.error();
  if (numClasses < 1)
    return Error(ErrorCode::NotEnoughData, QStringLiteral("A classifier needs at least one class."),
                 QStringLiteral("Give the texts labels first."));
  if (vectors.dtype != DType::F32 || vectors.shape.size() != 2 ||
      vectors.shape[0] <= WordVocabulary::kFirstWordId || vectors.shape[1] < 1 ||
      vectors.numel() * 4 != vectors.bytes.size())
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The word vectors are not a table of numbers Attune can use."),
                 QStringLiteral("Make the word-vector file again with Attune's set-up."));
  const torch::Tensor table = torch::from_blob(const_cast<char*>(vectors.bytes.constData()),
                                               {vectors.shape[0], vectors.shape[1]}, torch::kFloat32);
  return std::make_shared<WordVectorClassifierImpl>(options, table, numClasses);
}

Result<WordVectorClassifierPtr> makeWordVectorClassifier(const WordVectorOptions& options,
                                                         const QString& vectorsFile, int numClasses) {
  auto content = SafetensorsReader::readFile(vectorsFile);
  if (!content) return content.error();
  // The words are checked too: a table without its word list cannot be used.
  if (auto vocabulary = WordVocabulary::fromContent(*content, QFileInfo(vectorsFile).fileName()); !vocabulary)
    return vocabulary.error();
  return makeWordVectorClassifier(options, content->tensors.at(WordVocabulary::kVectorsTensor), numClasses);
}

torch::Tensor padWordIds(const std::vector<std::vector<int64_t>>& sequences) {
  size_t length = 1;
  for (const auto& sequence : sequences) length = std::max(length, sequence.size());
  torch::Tensor ids = torch::full({static_cast<int64_t>(sequences.size()), static_cast<int64_t>(length)},
                                  WordVocabulary::kPaddingId, torch::kInt64);
  auto accessor = ids.accessor<int64_t, 2>();
  for (size_t i = 0; i < sequences.size(); ++i)
    for (size_t j = 0; j < sequences[i].size(); ++j) accessor[int64_t(i)][int64_t(j)] = sequences[i][j];
  return ids;
}

}  // namespace attune::detail
