#pragma once
// The word-vector text classifier, described without any LibTorch type: for when no transformer
// weights are at hand. Pre-trained word vectors (GloVe 6B 100-d, a file installer/convert_glove.py
// makes) embed each token; an optional 1-D convolution reads short phrases; the sequence is pooled
// into one vector; a Linear layer classifies it. The model is built by
// detail::makeWordVectorClassifier (core/models/detail/WordVectorClassifier.h).

#include "core/common/Result.h"
#include "core/weights/ModelCatalog.h"

#include <QString>

#include <optional>
#include <vector>

namespace attune {

// How the token vectors of a text become one vector. Padding never counts.
enum class WordPooling {
  Mean,     // the average: every word counts
  Max,      // the largest value of each dimension: the strongest signal anywhere in the text
  MeanMax,  // both side by side (twice as wide)
};
// What reads the word vectors before pooling.
enum class WordEncoder {
  None,         // the word vectors themselves (a "bag of vectors")
  Convolution,  // a 1-D convolution over 3 neighbouring tokens with ReLU: phrases like "not good"
};

QString toString(WordPooling pooling);  // "mean", "max", "mean_max"
std::optional<WordPooling> wordPoolingFromString(const QString& text);
QString toString(WordEncoder encoder);  // "none", "conv"
std::optional<WordEncoder> wordEncoderFromString(const QString& text);

struct WordVectorOptions {
  static constexpr int kConvKernelSize = 3;

  WordPooling pooling = WordPooling::MeanMax;
  WordEncoder encoder = WordEncoder::None;
  int convChannels = 128;  // outputs of the convolution (only with WordEncoder::Convolution)
  double dropout = 0.25;   // on the pooled vector before the classifier, while training
  int maxTokens = 256;     // longer texts are cut (WordVocabulary::encode)

  // Plain-language messages for values out of range; ok when all are valid.
  Result<void> validate() const;
  // Width of the pooled vector that enters the classifier, given the word vectors' width.
  int featureWidth(int vectorWidth) const;
};

// Parameter names: "embedding.weight" (the word vectors; row 0 padding, row 1 unknown word),
// "conv.weight", "conv.bias" (with WordEncoder::Convolution), "classifier.weight",
// "classifier.bias".
// Layer groups, input to head: "embeddings", "encoder" (only with the convolution), "head"; freeze
// "embeddings" or give it a lower rate to keep the pre-trained vectors (nearly) as they are.
std::vector<LayerGroupSpec> wordVectorLayerGroups(const WordVectorOptions& options);

}  // namespace attune
