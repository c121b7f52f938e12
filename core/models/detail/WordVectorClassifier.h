#pragma once
// Internal (includes LibTorch): the word-vector text classifier (core/models/WordVectorModel.h).
//
// Input: ONE int64 tensor of word ids [N, L] (WordVocabulary::encode), padded with 0; the mask is
// ids != 0. Padding never changes a sequence's output: padded positions are zeroed before the
// convolution (which pads with zeros at the ends anyway) and left out of the pooling. A text without
// any token pools to zeros.

#include "core/common/Result.h"
#include "core/models/WordVectorModel.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/weights/TensorData.h"

#include <QString>

#include <memory>
#include <vector>

namespace attune::detail {

class WordVectorClassifierImpl : public ImageClassifierImpl {
 public:
  // vectors: the word-vector table [ids, width], float; copied into embedding.weight.
  WordVectorClassifierImpl(const WordVectorOptions& options, const torch::Tensor& vectors, int numClasses);

  // The pooled vector [N, options.featureWidth(width)].
  torch::Tensor features(torch::Tensor ids) override;
  std::string headPrefix() const override { return "classifier."; }
  const WordVectorOptions& options() const { return m_options; }

 protected:
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;

 private:
  WordVectorOptions m_options;
  torch::nn::Embedding m_embedding{nullptr};
  torch::nn::Conv1d m_conv{nullptr};
  torch::nn::Dropout m_dropout{nullptr};
  torch::nn::Linear m_classifier{nullptr};
};

using WordVectorClassifierPtr = std::shared_ptr<WordVectorClassifierImpl>;

// A classifier with numClasses outputs on the vectors of a word-vector file (WordVocabulary::fromFile
// reads the same file's words). Errors: options out of range, a file that is missing or not a
// word-vector file, fewer than one class.
Result<WordVectorClassifierPtr> makeWordVectorClassifier(const WordVectorOptions& options,
                                                         const QString& vectorsFile, int numClasses);
// The same on a table already read: F32 [ids, width] with ids > WordVocabulary::kFirstWordId.
Result<WordVectorClassifierPtr> makeWordVectorClassifier(const WordVectorOptions& options,
                                                         const TensorData& vectors, int numClasses);

// A batch of id sequences as one [N, L] int64 tensor padded with 0 (L the longest, at least 1).
torch::Tensor padWordIds(const std::vector<std::vector<int64_t>>& sequences);

}  // namespace attune::detail
