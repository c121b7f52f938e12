#include "core/models/detail/KerasGraph.h"

#include "core/models/detail/KerasLayers.h"

#include <QString>

#include <cctype>
#include <map>
#include <set>

namespace attune::detail {
namespace {

// A Keras layer name as a LibTorch module name: no '.', which LibTorch uses as its path separator.
std::string moduleNameOf(const std::string& layerName, std::set<std::string>& taken) {
  std::string name;
  for (char c : layerName) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (name.empty()) name = "layer";
  std::string unique = name;
  for (int i = 2; taken.count(unique) != 0; ++i) unique = name + "_" + std::to_string(i);
  taken.insert(unique);
  return unique;
}

}  // namespace

Result<std::shared_ptr<KerasGraphImpl>> KerasGraphImpl::build(const KerasTopology& topology,
                                                              const TensorMap& weights,
                                                              const std::string& cutLayer) {
  const std::string target = cutLayer.empty() && topology.outputNode >= 0
                                 ? topology.nodes[size_t(topology.outputNode)].name
                                 : cutLayer;
  const int targetNode = topology.indexOf(target);
  if (targetNode < 0)
    return Error(
        ErrorCode::BadValue,
        QStringLiteral("The model has no layer named \"%1\".").arg(QString::fromStdString(target)),
        QStringLiteral("Choose one of the layer names that `attune-cli inspect` lists for this model."));
  auto graph = std::make_shared<KerasGraphImpl>();
  graph->m_outputLayer = target;
  std::map<int, int> valueOf;  // node index -> index of its value in forward's list
  std::set<std::string> taken;
  const std::vector<int> order = topology.ancestorsOf(targetNode);
  std::map<int, std::vector<int>> readers;  // node index -> the computed nodes that read it
  for (int index : order)
    for (int input : topology.nodes[size_t(index)].inputs) readers[input].push_back(index);
  std::map<int, KerasLayerFn> fused;    // a padding node -> the computation of it and the ReLU before it
  std::map<int, int> onnxValueOf;       // node index -> its value in m_onnxSteps' numbering
  std::map<int, std::string> moduleOf;  // node index -> the module name its weights are under
  for (int index : order) {
    const KerasNode& node = topology.nodes[size_t(index)];
    if (node.className == "InputLayer") {
      onnxValueOf[index] = 0;
      continue;
    }
    OnnxStep step{node, {}, {}};
    for (int input : node.inputs) step.inputs.push_back(onnxValueOf.at(input));
    graph->m_onnxSteps.push_back(std::move(step));
    onnxValueOf[index] = int(graph->m_onnxSteps.size());
  }
  for (int index : order) {
    const KerasNode& node = topology.nodes[size_t(index)];
    if (node.className == "InputLayer") {  // the topology has a single input
      valueOf[index] = 0;
      continue;
    }
    // A capped ReLU read only by a ZeroPadding2D layer: computed with it (KerasLayers.h).
    if (const auto& r = readers[index]; index != targetNode && node.inputs.size() == 1 && r.size() == 1) {
      const KerasNode& reader = topology.nodes[size_t(r.front())];
      if (auto both = fusedCappedReluAndPadding(node, reader); both && reader.inputs.size() == 1) {
        fused[r.front()] = std::move(*both);
        valueOf[index] = valueOf.at(node.inputs.front());
        continue;
      }
    }
    if (fused.count(index) == 0) moduleOf[index] = moduleNameOf(node.name, taken);
    Result<KerasLayerFn> layer = fused.count(index) != 0
                                     ? Result<KerasLayerFn>(std::move(fused[index]))
                                     : makeKerasLayer(node, weights, *graph, moduleOf[index]);
    if (!layer) return layer.error();
    Step step;
    for (int input : node.inputs) step.inputs.push_back(valueOf.at(input));
    step.run = std::move(*layer);
    graph->m_steps.push_back(std::move(step));
    valueOf[index] = int(graph->m_steps.size());
  }
  for (const auto& [index, name] : moduleOf)
    graph->m_onnxSteps[size_t(onnxValueOf.at(index) - 1)].moduleName = name;
  // The last step that reads each value (the output, the last value, is kept).
  std::map<int, size_t> lastReader;
  for (size_t s = 0; s < graph->m_steps.size(); ++s)
    for (int input : graph->m_steps[s].inputs) lastReader[input] = s;
  const int output = int(graph->m_steps.size());
  for (const auto& [value, step] : lastReader)
    if (value != output) graph->m_steps[step].lastUseOf.push_back(value);
  return graph;
}

torch::Tensor KerasGraphImpl::forward(torch::Tensor input) {
  std::vector<torch::Tensor> values{std::move(input)};
  values.reserve(m_steps.size() + 1);
  std::vector<torch::Tensor> arguments;
  for (const Step& step : m_steps) {
    arguments.clear();
    for (int i : step.inputs) arguments.push_back(values[size_t(i)]);
    values.push_back(step.run(arguments));
    arguments.clear();
    for (int i : step.lastUseOf) values[size_t(i)] = torch::Tensor();
  }
  return values.back();
}

KerasOnnxValue KerasGraphImpl::toOnnx(OnnxGraph& graph, const OnnxValue& input) const {
  std::vector<KerasOnnxValue> values{{input, 4, graph.imageHeight(), graph.imageWidth()}};
  std::vector<KerasOnnxValue> arguments;
  for (const OnnxStep& step : m_onnxSteps) {
    arguments.clear();
    for (int i : step.inputs) arguments.push_back(values[size_t(i)]);
    values.push_back(kerasLayerToOnnx(graph, step.node, *this, step.moduleName, arguments));
  }
  return values.back();
}

}  // namespace attune::detail
