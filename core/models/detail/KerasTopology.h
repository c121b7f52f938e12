#pragma once
// A Keras model config (Sequential or functional, with nested models as layers) flattened into one
// list of layer calls in execution order. No LibTorch: KerasGraph turns it into modules.

#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace attune::detail {

struct KerasNode {
  std::string name;  // unique in the topology; a nested model's layer keeps its own name unless it clashes
  std::string layerName;  // the Keras layer's name, which its weights are stored under
  std::string className;  // "Conv2D", "InputLayer", ...
  nlohmann::json config;
  std::vector<int> inputs;  // indices of earlier nodes, in call order
};

struct KerasTopology {
  std::vector<KerasNode> nodes;  // every node's inputs come before it
  int outputNode = -1;
  // The input's [height, width, channels] from the InputLayer's batch_input_shape; -1 where unknown.
  std::vector<int64_t> inputShape;

  // The node of that name, -1 if none.
  int indexOf(const std::string& name) const;
  // `node` and every node it depends on, in execution order.
  std::vector<int> ancestorsOf(int node) const;
  // Where to cut the model to use it as a backbone: the last feature-map layer before the first
  // Flatten / global pooling / Dense on the way to the output (pooling and dropout just before that
  // belong to the old head too). The output layer if there is no such layer.
  std::string defaultCut() const;
};

// Flattens a Keras model config ({"class_name": "Sequential"|"Model"|"Functional", "config": ...}).
// Shared layers (called more than once) and models with several inputs or outputs are refused.
Result<KerasTopology> parseKerasTopology(const nlohmann::json& modelConfig);

}  // namespace attune::detail
