#pragma once
// Internal (includes LibTorch): an image classifier whose backbone is a Keras model from a TF.js
// layers export (KerasGraph, cut at one layer), followed by global average pooling when the cut
// layer is a feature map, and a new Linear head ("head.") for the user's classes.
//
// Wiring (model.architecture "tfjs", model.weights = the export's folder):
//   auto model = readTfjsModel(folder);                       // core/weights/TfjsModel.h
//   auto net = makeKerasClassifier(*model, cutLayer, numClasses);  // cutLayer empty: the default cut
//   kerasInputSize(*model) gives the input the export expects ([height, width, channels]).
// The backbone computes exactly what Keras computed on NCHW input in the export's own preprocessing
// (nsfwjs: RGB in [0, 1], i.e. mean 0, std 1 after /255); no ImageNet normalisation is implied.

#include "core/common/Result.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/KerasGraph.h"
#include "core/weights/TfjsModel.h"

#include <QString>

#include <memory>
#include <string>
#include <vector>

namespace attune::detail {

class KerasClassifierImpl : public ImageClassifierImpl {
 public:
  // `features`: the width of the backbone's (pooled) output.
  KerasClassifierImpl(std::shared_ptr<KerasGraphImpl> backbone, int64_t features, int numClasses);

  torch::Tensor features(torch::Tensor input) override;
  torch::Tensor classifyFeatures(torch::Tensor features) override;
  OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const override;
  OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const override;
  std::string headPrefix() const override { return "head."; }

  const std::string& cutLayer() const { return m_backbone->outputLayer(); }
  std::shared_ptr<KerasGraphImpl> backbone() const { return m_backbone; }

 private:
  std::shared_ptr<KerasGraphImpl> m_backbone;
  torch::nn::Linear m_head{nullptr};
};

// The classifier for `model` cut at `cutLayer` (empty: KerasTopology::defaultCut), with a new head of
// numClasses outputs. Errors: a topology or layer Attune cannot run, missing weights, an unknown
// cut layer, a backbone that fails on the export's input size.
Result<ImageClassifierPtr> makeKerasClassifier(const TfjsModel& model, const QString& cutLayer,
                                               int numClasses);

// [height, width, channels] from the export's InputLayer; -1 for a dimension it leaves open.
Result<std::vector<int64_t>> kerasInputSize(const TfjsModel& model);

}  // namespace attune::detail
