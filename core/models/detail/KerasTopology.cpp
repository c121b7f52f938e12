#include "core/models/detail/KerasTopology.h"

#include <QString>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace attune::detail {
namespace {

using nlohmann::json;

bool isModelClass(const std::string& className) {
  return className == "Sequential" || className == "Model" || className == "Functional";
}

Error badTopology(const QString& message) {
  return Error(ErrorCode::BadFormat, message,
               QStringLiteral("Export the Keras model again with the TF.js converter (layers format)."));
}

class Flattener {
 public:
  KerasTopology topology;

  // Adds the layers of a (nested) model; its inputs are `inputs` (empty for the outermost model, which
  // gets InputLayer nodes). Returns the node of its output, or -1 after setting m_error.
  int addModel(const json& model, const std::vector<int>& inputs, int depth) {
    if (depth > 16) return fail(QStringLiteral("Models are nested too deeply."));
    if (!model.is_object() || !model.contains("class_name") || !model["class_name"].is_string() ||
        !model.contains("config"))
      return fail(QStringLiteral("A model in the topology lacks its class_name or config."));
    const std::string className = model["class_name"].get<std::string>();
    const json& config = model["config"];
    // Keras 2.2 wrote a Sequential's config as the bare list of layers.
    const json& layers = config.is_array() ? config : config.value("layers", json());
    if (!layers.is_array() || layers.empty())
      return fail(QStringLiteral("A model in the topology has no layers."));
    if (className == "Sequential") return addSequential(layers, inputs, depth);
    if (className == "Model" || className == "Functional")
      return addFunctional(config, layers, inputs, depth);
    return fail(
        QStringLiteral("The model class \"%1\" is not supported.").arg(QString::fromStdString(className)));
  }

  const QString& error() const { return m_error; }

 private:
  QString m_error;
  std::set<std::string> m_names;

  int fail(const QString& message) {
    if (m_error.isEmpty()) m_error = message;
    return -1;
  }
  bool failed(const QString& message) {
    fail(message);
    return false;
  }

  int addNode(const json& layer, std::vector<int> inputs, const std::string& prefix) {
    KerasNode node;
    node.className = layer.value("class_name", "");
    node.config = layer.value("config", json::object());
    node.layerName =
        layer.contains("name") && layer["name"].is_string() ? layer["name"].get<std::string>()
        : node.config.is_object() && node.config.contains("name") && node.config["name"].is_string()
            ? node.config["name"].get<std::string>()
            : std::string();
    if (node.layerName.empty()) return fail(QStringLiteral("A layer of the model has no name."));
    node.name = node.layerName;
    if (m_names.count(node.name) != 0) node.name = prefix + "/" + node.layerName;
    if (m_names.count(node.name) != 0)
      return fail(
          QStringLiteral("The layer name \"%1\" appears twice.").arg(QString::fromStdString(node.name)));
    m_names.insert(node.name);
    node.inputs = std::move(inputs);
    topology.nodes.push_back(std::move(node));
    return int(topology.nodes.size()) - 1;
  }

  int addInput(const json& layer, const std::string& prefix) {
    json input{{"class_name", "InputLayer"},
               {"name", layer.value("name", "input")},
               {"config", layer.value("config", json::object())}};
    const int node = addNode(input, {}, prefix);
    if (node >= 0 && topology.inputShape.empty()) {
      const json shape = topology.nodes[node].config.value(
          "batch_input_shape", topology.nodes[node].config.value("batch_shape", json()));
      if (shape.is_array())
        for (size_t i = 1; i < shape.size(); ++i)
          topology.inputShape.push_back(shape[i].is_number_integer() ? shape[i].get<int64_t>() : -1);
    }
    return node;
  }

  int addSequential(const json& layers, const std::vector<int>& inputs, int depth) {
    if (inputs.size() > 1) return fail(QStringLiteral("A Sequential model cannot take several inputs."));
    int previous = inputs.empty() ? -1 : inputs[0];
    for (const json& layer : layers) {
      if (!layer.is_object()) return fail(QStringLiteral("A layer of the model is not an object."));
      const std::string className = layer.value("class_name", "");
      if (className == "InputLayer") {
        if (previous < 0) previous = addInput(layer, "");
        continue;
      }
      if (previous < 0 && isModelClass(className)) {  // Teachable Machine: a model first, with its own input
        previous = addModel(layer, {}, depth + 1);
        if (previous < 0) return -1;
        continue;
      }
      if (previous < 0) {
        // No InputLayer: the first layer carries batch_input_shape.
        json input{{"name", layer.value("config", json::object()).value("name", "layer") + "_input"},
                   {"config", layer.value("config", json::object())}};
        previous = addInput(input, "");
        if (previous < 0) return -1;
      }
      previous =
          isModelClass(className) ? addModel(layer, {previous}, depth + 1) : addNode(layer, {previous}, "");
      if (previous < 0) return -1;
    }
    return previous;
  }

  // The (layer name) of each tensor a functional layer's single call consumes.
  bool callInputs(const json& layer, std::vector<std::string>& names) {
    const json& nodes = layer.value("inbound_nodes", json::array());
    if (!nodes.is_array()) return failed(QStringLiteral("A layer's inbound_nodes is not a list."));
    if (nodes.size() > 1)
      return failed(QStringLiteral("The layer \"%1\" is used more than once (a shared layer); Attune cannot "
                                   "run shared layers yet.")
                        .arg(QString::fromStdString(layer.value("name", ""))));
    if (nodes.empty()) return true;
    const json& call = nodes[0];
    const auto addHistory = [&](const json& ref) {
      // Keras 2: ["layer", node_index, tensor_index, kwargs]
      if (!ref.is_array() || ref.size() < 3 || !ref[0].is_string() || ref[1] != 0 || ref[2] != 0)
        return false;
      names.push_back(ref[0].get<std::string>());
      return true;
    };
    if (call.is_array()) {
      for (const json& ref : call)
        if (!addHistory(ref)) return failed(QStringLiteral("A layer input in the topology is malformed."));
      return true;
    }
    // Keras 3: {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}, ...]}
    std::vector<const json*> pending{&call};
    while (!pending.empty()) {
      const json* item = pending.back();
      pending.pop_back();
      if (item->is_object() && item->contains("keras_history")) {
        if (!addHistory((*item)["keras_history"]))
          return failed(QStringLiteral("A layer input in the topology is malformed."));
      } else if (item->is_object() || item->is_array()) {
        for (auto it = item->rbegin(); it != item->rend(); ++it) pending.push_back(&*it);
      }
    }
    return true;
  }

  int addFunctional(const json& config, const json& layers, const std::vector<int>& inputs, int depth) {
    const std::string prefix = config.is_object() ? config.value("name", "model") : "model";
    std::vector<std::string> inputNames;
    for (const json& ref : config.value("input_layers", json::array()))
      if (ref.is_array() && !ref.empty() && ref[0].is_string())
        inputNames.push_back(ref[0].get<std::string>());
    if (inputNames.size() > 1) return fail(QStringLiteral("Models with several inputs are not supported."));
    std::map<std::string, int> local;
    for (const json& layer : layers) {
      if (!layer.is_object() || !layer.contains("name") || !layer["name"].is_string())
        return fail(QStringLiteral("A layer of the model has no name."));
      const std::string name = layer["name"].get<std::string>();
      const std::string className = layer.value("class_name", "");
      if (local.count(name) != 0)
        return fail(QStringLiteral("The layer name \"%1\" appears twice.").arg(QString::fromStdString(name)));
      if (className == "InputLayer") {
        local[name] = inputs.empty() ? addInput(layer, prefix) : inputs[0];
        if (local[name] < 0) return -1;
        continue;
      }
      std::vector<std::string> names;
      if (!callInputs(layer, names)) return -1;
      if (names.empty())
        return fail(QStringLiteral("The layer \"%1\" is not connected to anything.")
                        .arg(QString::fromStdString(name)));
      std::vector<int> nodeInputs;
      for (const auto& input : names) {
        auto it = local.find(input);
        if (it == local.end())
          return fail(QStringLiteral("The layer \"%1\" reads from \"%2\", which does not come before it.")
                          .arg(QString::fromStdString(name), QString::fromStdString(input)));
        nodeInputs.push_back(it->second);
      }
      local[name] = isModelClass(className) ? addModel(layer, nodeInputs, depth + 1)
                                            : addNode(layer, nodeInputs, prefix);
      if (local[name] < 0) return -1;
    }
    const json& outputs = config.value("output_layers", json::array());
    if (!outputs.is_array() || outputs.size() != 1 || !outputs[0].is_array() || outputs[0].empty() ||
        !outputs[0][0].is_string())
      return fail(QStringLiteral("Only models with exactly one output are supported."));
    auto it = local.find(outputs[0][0].get<std::string>());
    if (it == local.end()) return fail(QStringLiteral("The model's output layer does not exist."));
    return it->second;
  }
};

// Checks the options of one layer before anything uses them: a stride of 0 with "same" padding
// divides by zero (SIGFPE) when the layer runs, a huge kernel or unit count exhausts memory, a NaN
// epsilon poisons every output. Absent or null options keep Keras's defaults and pass.
class LayerValues {
 public:
  explicit LayerValues(const KerasNode& node) : m_node(node), m_config(node.config) {}

  Status check() {
    const std::string& kind = m_node.className;
    if (!m_config.is_object() && !m_config.is_null()) {
      refuse("config", "an object of options");
      return m_error;
    }
    if (!text("activation") || !text("data_format") || !boolean("use_bias")) return m_error;
    if (kind == "Conv2D" || kind == "DepthwiseConv2D" || kind == "SeparableConv2D") {
      if (!text("padding") || !pair("kernel_size", kMaxWindow) || !pair("strides", kMaxWindow) ||
          !pair("dilation_rate", kMaxWindow) || !whole("filters", 1, kMaxChannels) ||
          !whole("depth_multiplier", 1, kMaxChannels))
        return m_error;
    } else if (kind == "MaxPooling2D" || kind == "AveragePooling2D") {
      if (!text("padding") || !pair("pool_size", kMaxWindow) || !pair("strides", kMaxWindow)) return m_error;
    } else if (kind == "Dense") {
      if (!whole("units", 1, kMaxUnits)) return m_error;
    } else if (kind == "BatchNormalization") {
      if (!number("epsilon", 0.0, 1.0, Bound::Open) || !number("momentum", 0.0, 1.0, Bound::Closed) ||
          !boolean("scale") || !boolean("center") || !axis("axis"))
        return m_error;
    } else if (kind == "Dropout" || kind == "SpatialDropout2D") {
      if (!number("rate", 0.0, 1.0, Bound::HalfOpen)) return m_error;
    } else if (kind == "ReLU" || kind == "LeakyReLU") {
      if (!number("max_value", 0.0, kMaxMagnitude, Bound::Closed) ||
          !number("negative_slope", -kMaxMagnitude, kMaxMagnitude, Bound::Closed) ||
          !number("alpha", -kMaxMagnitude, kMaxMagnitude, Bound::Closed) ||
          !number("threshold", -kMaxMagnitude, kMaxMagnitude, Bound::Closed))
        return m_error;
    } else if (kind == "ZeroPadding2D") {
      if (!padding()) return m_error;
    } else if (kind == "Concatenate") {
      if (!axis("axis")) return m_error;
    } else if (kind == "GlobalAveragePooling2D" || kind == "GlobalMaxPooling2D") {
      if (!boolean("keepdims")) return m_error;
    } else if (kind == "Reshape") {
      if (!shape("target_shape", 0)) return m_error;
    } else if (kind == "InputLayer") {
      if (!shape("batch_input_shape", 1) || !shape("batch_shape", 1)) return m_error;
    }
    return {};
  }

 private:
  static constexpr int64_t kMaxWindow = 1024;        // kernel, stride, dilation and pool sides
  static constexpr int64_t kMaxChannels = 1 << 16;   // filters, depth multiplier
  static constexpr int64_t kMaxUnits = 1 << 20;      // Dense units
  static constexpr int64_t kMaxDimension = 1 << 16;  // input and reshape dimensions, padding
  static constexpr double kMaxMagnitude = 1e6;       // slopes, thresholds, caps
  enum class Bound { Open, HalfOpen, Closed };       // (lo, hi), [lo, hi), [lo, hi]

  const KerasNode& m_node;
  const json& m_config;
  Error m_error;

  const json* find(const char* key) const {
    auto it = m_config.find(key);
    return it == m_config.end() || it->is_null() ? nullptr : &*it;
  }
  bool refuse(const char* key, const QString& expected) {
    const json* value = find(key);
    const QString shown =
        value == nullptr
            ? QString()
            : QLatin1Char(' ') +
                  QString::fromStdString(value->dump(-1, ' ', false, json::error_handler_t::replace))
                      .left(60);
    m_error =
        badTopology(QStringLiteral("The layer \"%1\" (%2) has %3%4, but it must be %5.")
                        .arg(QString::fromStdString(m_node.name), QString::fromStdString(m_node.className),
                             QLatin1String(key), shown, expected));
    return false;
  }
  bool refuse(const char* key, const char* expected) { return refuse(key, QString::fromUtf8(expected)); }

  static bool inRange(const json& value, int64_t lo, int64_t hi) {
    if (value.is_number_unsigned()) {  // non-negative numbers read from text are unsigned
      const uint64_t x = value.get<uint64_t>();
      return hi >= 0 && x <= uint64_t(hi) && (lo <= 0 || x >= uint64_t(lo));
    }
    if (!value.is_number_integer()) return false;
    const int64_t x = value.get<int64_t>();
    return x >= lo && x <= hi;
  }
  static QString range(int64_t lo, int64_t hi) {
    return QStringLiteral("a whole number from %1 to %2").arg(lo).arg(hi);
  }
  bool whole(const char* key, int64_t lo, int64_t hi) {
    const json* value = find(key);
    return value == nullptr || inRange(*value, lo, hi) || refuse(key, range(lo, hi));
  }
  // One whole number or a list of two (height, width), each from 1 to `hi`.
  bool pair(const char* key, int64_t hi) {
    const json* value = find(key);
    if (value == nullptr || inRange(*value, 1, hi)) return true;
    if (value->is_array() && value->size() == 2 && inRange((*value)[0], 1, hi) && inRange((*value)[1], 1, hi))
      return true;
    return refuse(key, QStringLiteral("%1, or a list of two of them").arg(range(1, hi)));
  }
  bool number(const char* key, double lo, double hi, Bound bound) {
    const json* value = find(key);
    if (value == nullptr) return true;
    const double x = value->is_number() ? value->get<double>() : std::nan("");
    const bool ok = std::isfinite(x) && (bound == Bound::Open ? x > lo : x >= lo) &&
                    (bound == Bound::Closed ? x <= hi : x < hi);
    if (ok) return true;
    const char* open = bound == Bound::Open ? "above" : "at least";
    const char* close = bound == Bound::Closed ? "at most" : "below";
    return refuse(key, QStringLiteral("a number %1 %2 and %3 %4")
                           .arg(QLatin1String(open))
                           .arg(lo)
                           .arg(QLatin1String(close))
                           .arg(hi));
  }
  bool text(const char* key) {
    const json* value = find(key);
    return value == nullptr || value->is_string() || refuse(key, "text");
  }
  bool boolean(const char* key) {
    const json* value = find(key);
    return value == nullptr || value->is_boolean() || refuse(key, "true or false");
  }
  // A Keras axis of a 4-D NHWC tensor (-4 to 3), alone or as a one-element list.
  bool axis(const char* key) {
    const json* value = find(key);
    if (value == nullptr || inRange(*value, -4, 3)) return true;
    if (value->is_array() && value->size() == 1 && inRange((*value)[0], -4, 3)) return true;
    return refuse(key, "a whole number from -4 to 3");
  }
  // ZeroPadding2D: n, [h, w] or [[top, bottom], [left, right]], each from 0 to kMaxDimension.
  bool padding() {
    const json* value = find("padding");
    if (value == nullptr || inRange(*value, 0, kMaxDimension)) return true;
    const auto allIn = [](const json& list, size_t size) {
      if (!list.is_array() || list.size() != size) return false;
      for (const json& item : list)
        if (!inRange(item, 0, kMaxDimension)) return false;
      return true;
    };
    if (allIn(*value, 2)) return true;
    if (value->is_array() && value->size() == 2 && allIn((*value)[0], 2) && allIn((*value)[1], 2))
      return true;
    return refuse(
        "padding",
        QStringLiteral("%1, or a list of two of them, or two lists of two").arg(range(0, kMaxDimension)));
  }
  // A shape of up to four dimensions after `first` leading ones that may be anything (the batch):
  // each null, -1 (unknown) or from 1 to kMaxDimension.
  bool shape(const char* key, size_t first) {
    const json* value = find(key);
    if (value == nullptr) return true;
    bool ok = value->is_array() && value->size() > first && value->size() <= first + 4;
    for (size_t i = first; ok && i < value->size(); ++i)
      ok = (*value)[i].is_null() || inRange((*value)[i], -1, -1) || inRange((*value)[i], 1, kMaxDimension);
    return ok || refuse(key, QStringLiteral("a list of up to four dimensions, each unknown or %1")
                                 .arg(range(1, kMaxDimension)));
  }
};

}  // namespace

int KerasTopology::indexOf(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == name) return int(i);
  return -1;
}

std::vector<int> KerasTopology::ancestorsOf(int node) const {
  std::vector<bool> needed(nodes.size(), false);
  if (node < 0 || node >= int(nodes.size())) return {};
  needed[size_t(node)] = true;
  for (int i = node; i >= 0; --i)
    if (needed[size_t(i)])
      for (int input : nodes[size_t(i)].inputs) needed[size_t(input)] = true;
  std::vector<int> result;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (needed[i]) result.push_back(int(i));
  return result;
}

std::string KerasTopology::defaultCut() const {
  static const std::set<std::string> kHeadStarts{"Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
                                                 "Dense"};
  static const std::set<std::string> kHeadPrefix{"AveragePooling2D", "MaxPooling2D", "Dropout",
                                                 "SpatialDropout2D"};
  for (int index : ancestorsOf(outputNode)) {
    if (kHeadStarts.count(nodes[size_t(index)].className) == 0) continue;
    int cut = nodes[size_t(index)].inputs.empty() ? index : nodes[size_t(index)].inputs[0];
    while (kHeadPrefix.count(nodes[size_t(cut)].className) != 0 && nodes[size_t(cut)].inputs.size() == 1)
      cut = nodes[size_t(cut)].inputs[0];
    return nodes[size_t(cut)].name;
  }
  return outputNode >= 0 ? nodes[size_t(outputNode)].name : std::string();
}

Result<KerasTopology> parseKerasTopology(const nlohmann::json& modelConfig) {
  Flattener flattener;
  try {
    flattener.topology.outputNode = flattener.addModel(modelConfig, {}, 0);
  } catch (const json::exception& e) {
    return badTopology(QStringLiteral("The model's Keras topology has a value of the wrong type (%1).")
                           .arg(QString::fromUtf8(e.what())));
  }
  if (flattener.topology.outputNode < 0) return badTopology(flattener.error());
  for (const KerasNode& node : flattener.topology.nodes)
    if (auto status = LayerValues(node).check(); !status) return status.error();
  return std::move(flattener.topology);
}

}  // namespace attune::detail
