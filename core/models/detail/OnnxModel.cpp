#include "core/models/detail/OnnxModel.h"

namespace attune::detail {

OnnxValue ImageClassifierImpl::onnxFeatures(OnnxGraph& /*graph*/, const OnnxValue& /*input*/) const {
  throw OnnxUnsupported("a model of type " + name());
}

OnnxValue ImageClassifierImpl::onnxClassify(OnnxGraph& /*graph*/, const OnnxValue& /*features*/) const {
  throw OnnxUnsupported("a model head of type " + name());
}

std::string modelToOnnx(const ImageClassifierImpl& model, const OnnxModelSpec& spec) {
  if (spec.classes < 1) throw OnnxUnsupported("a classifier without classes");
  OnnxGraph graph(model);
  OnnxValue input;
  if (spec.text) {
    input = graph.addInput(kOnnxTokenInput, OnnxType::Int64, {"batch", "sequence"});
    graph.addInput(kOnnxMaskInput, OnnxType::Int64, {"batch", "sequence"});
  } else {
    graph.setImageSize(spec.imageHeight, spec.imageWidth);
    input = graph.addInput(kOnnxImageInput, OnnxType::Float,
                           {"batch", spec.imageChannels, spec.imageHeight, spec.imageWidth});
  }
  const OnnxValue logits = model.onnxClassify(graph, model.onnxFeatures(graph, input));
  graph.addOutput(logits, "logits", OnnxType::Float, {"batch", spec.classes});
  graph.addOutput(graph.softmax(logits, 1), "probabilities", OnnxType::Float, {"batch", spec.classes});
  return graph.serialize(spec.name, spec.metadata);
}

}  // namespace attune::detail
