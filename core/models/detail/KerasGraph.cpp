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
  for (int index : topology.ancestorsOf(targetNode)) {
    const KerasNode& node = topology.nodes[size_t(index)];
    if (node.className == "InputLayer") {  // the topology has a single input
      valueOf[index] = 0;
      continue;
    }
    auto layer = makeKerasLayer(node, weights, *graph, moduleNameOf(node.name, taken));
    if (!layer) return layer.error();
    Step step;
    for (int input : node.inputs) step.inputs.push_back(valueOf.at(input));
    step.run = std::move(*layer);
    graph->m_steps.push_back(std::move(step));
    valueOf[index] = int(graph->m_steps.size());
  }
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
  }
  return values.back();
}

}  // namespace attune::detail
