#pragma once
// Internal (includes LibTorch): the image classifiers. Parameter and buffer names are exactly
// torchvision's, so its state_dicts (saved as safetensors) load without renaming.

#include "core/data/ImageTransform.h"
#include "core/models/detail/OnnxGraph.h"

#include <torch/torch.h>

#include <QString>

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace attune::detail {

enum class BackboneState { Trainable, Frozen };
// Decides, by parameter name, which parameters are frozen.
using FrozenPredicate = std::function<bool(const std::string& name)>;
// Whether weight decay pulls a parameter towards zero. It does for the weight matrices and kernels of
// Linear and convolution layers; it does not for biases, normalisation parameters, ViT's class token
// and position embeddings or ConvNeXt's layer scales, whose values mean something other than a
// connection strength (decaying them only distorts the pre-trained network), nor for embedding tables.
enum class WeightDecay { Apply, Exempt };

class ImageClassifierImpl : public torch::nn::Module {
 public:
  // NCHW float input, normalised; returns logits [N, numClasses]: classify(features(input)).
  torch::Tensor forward(torch::Tensor input) { return classify(features(std::move(input))); }
  // What enters the head: [N, featureWidth], everything but the head and the dropout right before it.
  // In eval mode (and whenever the backbone is frozen) a pure function of the input: the feature
  // cache stores it.
  virtual torch::Tensor features(torch::Tensor input) = 0;
  // The head on features: model.head_dropout (while training), the architecture's own dropout, the
  // new Linear layer.
  torch::Tensor classify(torch::Tensor features);
  // The model in evaluation mode as ONNX nodes: onnxFeatures() computes features() (a text model reads
  // the graph's "attention_mask" input too), onnxClassify() classifyFeatures() without dropout. The
  // defaults throw OnnxUnsupported.
  virtual OnnxValue onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const;
  virtual OnnxValue onnxClassify(OnnxGraph& graph, const OnnxValue& features) const;
  // Dropout on the features entering the head, on top of the architecture's own (0: none).
  void setHeadDropout(double probability) { m_headDropout = probability; }
  double headDropout() const { return m_headDropout; }

  // Everything but the head / the head only (the new layer for the user's classes).
  std::vector<torch::Tensor> backboneParameters() const;
  std::vector<torch::Tensor> headParameters() const;
  // The same, only those whose decay is the given one.
  std::vector<torch::Tensor> backboneParameters(WeightDecay decay) const;
  std::vector<torch::Tensor> headParameters(WeightDecay decay) const;
  static WeightDecay weightDecayOf(const std::string& name, const torch::Tensor& parameter);
  // Name prefix of the head's parameters ("fc.", "classifier.1.", "heads.head.").
  virtual std::string headPrefix() const = 0;
  // Whether a parameter belongs to the head: by default, its name starts with headPrefix(); models
  // whose head has more than one prefix (DistilBERT: pre_classifier. and classifier.) override it.
  virtual bool isHeadName(const std::string& name) const;

  // Frozen: backbone parameters get no gradients, its BatchNorm layers keep their running
  // statistics and its stochastic depth is off (both stay in eval mode) even while the model trains.
  void setBackboneState(BackboneState state);
  // The general form: the parameters `isFrozen` names get no gradients, and every module all of
  // whose parameters are frozen stays in eval mode while the model trains (BatchNorm keeps its
  // running statistics, stochastic depth and dropout inside it are off).
  void setFrozen(const FrozenPredicate& isFrozen);
  bool isFrozenName(const std::string& name) const { return m_frozen.count(name) != 0; }
  bool anyFrozen() const { return !m_frozen.empty(); }

  void train(bool on = true) override;

 protected:
  virtual torch::Tensor classifyFeatures(torch::Tensor features) = 0;

 private:
  enum class Part { Backbone, Head };
  std::vector<torch::Tensor> parametersOf(Part part, const WeightDecay* decay) const;

  std::unordered_set<std::string> m_frozen;  // names of frozen parameters
  double m_headDropout = 0.0;
};

using ImageClassifierPtr = std::shared_ptr<ImageClassifierImpl>;

// "resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
// "efficientnet_b0", "convnext_tiny", "vit_b_16"; nullptr for an unknown id. The head is a new
// Linear layer with numClasses outputs, initialised like torchvision's.
ImageClassifierPtr makeImageClassifier(const QString& architecture, int numClasses);

}  // namespace attune::detail
