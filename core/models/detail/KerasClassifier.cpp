#include "core/models/detail/KerasClassifier.h"

namespace attune::detail {
namespace {

// For exports whose InputLayer leaves the image size open.
constexpr int64_t kFallbackSide = 224;

}  // namespace

KerasClassifierImpl::KerasClassifierImpl(std::shared_ptr<KerasGraphImpl> backbone, int64_t features,
                                         int numClasses)
    : m_backbone(register_module("backbone", std::move(backbone))),
      m_head(register_module("head", torch::nn::Linear(features, numClasses))) {
  // As torchvision initialises its classification layers.
  torch::nn::init::normal_(m_head->weight, 0.0, 0.01);
  torch::nn::init::zeros_(m_head->bias);
}

torch::Tensor KerasClassifierImpl::features(torch::Tensor input) {
  torch::Tensor features = m_backbone->forward(std::move(input));
  if (features.dim() == 4) return features.mean({2, 3});
  if (features.dim() != 2) return features.flatten(1);
  return features;
}

torch::Tensor KerasClassifierImpl::classifyFeatures(torch::Tensor features) {
  return m_head->forward(features);
}

OnnxValue KerasClassifierImpl::onnxFeatures(OnnxGraph& graph, const OnnxValue& input) const {
  const KerasOnnxValue features = m_backbone->toOnnx(graph, input);
  if (features.rank == 4)
    return graph.op("ReduceMean", {features.value},
                    {{"axes", std::vector<int64_t>{2, 3}}, {"keepdims", int64_t{0}}});
  if (features.rank != 2) return graph.op("Flatten", {features.value}, {{"axis", int64_t{1}}});
  return features.value;
}

OnnxValue KerasClassifierImpl::onnxClassify(OnnxGraph& graph, const OnnxValue& features) const {
  return graph.linear(*m_head, features);
}

Result<std::vector<int64_t>> kerasInputSize(const TfjsModel& model) {
  auto topology = parseKerasTopology(model.modelConfig);
  if (!topology) return topology.error();
  std::vector<int64_t> size = topology->inputShape;
  if (size.size() != 3)
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("The model does not take images (its input is not height x width x channels)."),
        QStringLiteral("Choose an image model."));
  return size;
}

Result<ImageClassifierPtr> makeKerasClassifier(const TfjsModel& model, const QString& cutLayer,
                                               int numClasses) {
  if (numClasses <= 0)
    return Error(ErrorCode::BadValue, QStringLiteral("A classifier needs at least one class."));
  auto topology = parseKerasTopology(model.modelConfig);
  if (!topology) return topology.error();
  auto input = kerasInputSize(model);
  if (!input) return input.error();
  const std::string cut = cutLayer.isEmpty() ? topology->defaultCut() : cutLayer.toStdString();
  auto graph = KerasGraphImpl::build(*topology, model.weights, cut);
  if (!graph) return graph.error();

  // The head's width: what the backbone gives for one image of the export's size.
  int64_t features = 0;
  try {
    torch::NoGradGuard noGrad;
    (*graph)->eval();
    const auto side = [](int64_t d) { return d > 0 ? d : kFallbackSide; };
    torch::Tensor probe = (*graph)->forward(
        torch::zeros({1, (*input)[2] > 0 ? (*input)[2] : 3, side((*input)[0]), side((*input)[1])}));
    features = probe.dim() == 4 ? probe.size(1) : probe.numel();
  } catch (const c10::Error& e) {
    return Error(ErrorCode::ShapeMismatch,
                 QStringLiteral("The model cut at \"%1\" cannot run on its own input size: %2")
                     .arg(QString::fromStdString(cut), QString::fromUtf8(e.what_without_backtrace())),
                 QStringLiteral("The export's weights do not fit its layers; export the model again."));
  }
  auto classifier = std::make_shared<KerasClassifierImpl>(*graph, features, numClasses);
  classifier->train(true);
  return ImageClassifierPtr(classifier);
}

}  // namespace attune::detail
