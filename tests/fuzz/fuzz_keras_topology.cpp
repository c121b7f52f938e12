// Fuzz target: the Keras topology builder (core/models/detail/KerasTopology.cpp, JSON only) on the
// text of a model config ({"class_name": "Sequential"|"Model"|"Functional", "config": ...}), or on
// a whole TF.js model.json, whose modelTopology holds one.
#include "core/models/detail/KerasTopology.h"
#include "tests/fuzz/FuzzSupport.h"

#include <algorithm>
#include <set>

using namespace attune;

namespace {

// Whether `value` (absent, null, a whole number or a list of them) has no number below `least`.
bool atLeast(const nlohmann::json& config, const char* key, int64_t least) {
  if (!config.is_object() || !config.contains(key) || config[key].is_null()) return true;
  const nlohmann::json& value = config[key];
  const auto fits = [least](const nlohmann::json& x) {
    return x.is_number_unsigned() ? x.get<uint64_t>() >= uint64_t(std::max<int64_t>(least, 0))
                                  : x.is_number_integer() && x.get<int64_t>() >= least;
  };
  if (!value.is_array()) return fits(value);
  return std::all_of(value.begin(), value.end(), fits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto document = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return 0;
  // model.json: {"modelTopology": {"model_config": {...}} or {"class_name": ...}}
  if (document.is_object() && document.contains("modelTopology")) document = document["modelTopology"];
  if (document.is_object() && document.contains("model_config")) document = document["model_config"];
  const auto topology = detail::parseKerasTopology(document);
  if (!topology) {
    fuzz::checkError(topology.error());
    return 0;
  }
  // Nodes come in execution order with unique names, and the output is one of them.
  const int count = int(topology->nodes.size());
  FUZZ_CHECK(count > 0);
  FUZZ_CHECK(topology->outputNode >= 0 && topology->outputNode < count);
  std::set<std::string> names;
  for (int i = 0; i < count; ++i) {
    const detail::KerasNode& node = topology->nodes[size_t(i)];
    FUZZ_CHECK(names.insert(node.name).second);
    FUZZ_CHECK(topology->indexOf(node.name) == i);
    for (int input : node.inputs) FUZZ_CHECK(input >= 0 && input < i);
    // Every value a layer divides by or allocates with was checked (a stride of 0 once raised SIGFPE
    // on the training thread).
    const std::string& kind = node.className;
    if (kind == "Conv2D" || kind == "DepthwiseConv2D" || kind == "SeparableConv2D")
      for (const char* key : {"kernel_size", "strides", "dilation_rate", "filters", "depth_multiplier"})
        FUZZ_CHECK(atLeast(node.config, key, 1));
    if (kind == "MaxPooling2D" || kind == "AveragePooling2D")
      for (const char* key : {"pool_size", "strides"}) FUZZ_CHECK(atLeast(node.config, key, 1));
    if (kind == "Dense") FUZZ_CHECK(atLeast(node.config, "units", 1));
  }
  const std::vector<int> ancestors = topology->ancestorsOf(topology->outputNode);
  FUZZ_CHECK(!ancestors.empty() && ancestors.back() == topology->outputNode);
  const std::string cut = topology->defaultCut();
  FUZZ_CHECK(topology->indexOf(cut) >= 0);
  return 0;
}
