#pragma once
// Internal (includes LibTorch): one Keras layer call as a LibTorch computation, its weights registered
// as modules of `owner` under `moduleName`.

#include "core/common/Result.h"
#include "core/models/detail/KerasTopology.h"
#include "core/models/detail/OnnxGraph.h"
#include "core/weights/TensorData.h"

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attune::detail {

using KerasLayerFn = std::function<torch::Tensor(const std::vector<torch::Tensor>&)>;

// The computation of `node` (not an InputLayer). Errors name the layer and its class.
Result<KerasLayerFn> makeKerasLayer(const KerasNode& node, const TensorMap& weights, torch::nn::Module& owner,
                                    const std::string& moduleName);

// A capped ReLU (a ReLU layer with max_value, no slope, no threshold) whose only reader is `padding`, a
// ZeroPadding2D layer, computed as one: the clamp writes straight into the padded tensor, so the feature
// map is not copied a second time to pad it (Keras's MobileNetV2 pads before each stride-2 depthwise
// convolution). While gradients are recorded it computes the two layers one after the other. nullopt
// when the layers are not of that kind.
std::optional<KerasLayerFn> fusedCappedReluAndPadding(const KerasNode& relu, const KerasNode& padding);

// A value in the ONNX graph of a Keras model, with its rank (4: an NCHW feature map) and, for a feature
// map, its height and width (TensorFlow's "same" padding depends on them).
struct KerasOnnxValue {
  OnnxValue value;
  int64_t rank = 4;
  int64_t height = 0;
  int64_t width = 0;
};
// `node` in an ONNX graph, reading the modules and parameters makeKerasLayer registered in `owner` under
// `moduleName`. Throws OnnxUnsupported for what ONNX cannot express (naming the layer).
KerasOnnxValue kerasLayerToOnnx(OnnxGraph& graph, const KerasNode& node, const torch::nn::Module& owner,
                                const std::string& moduleName, const std::vector<KerasOnnxValue>& inputs);

// TensorFlow's "same" padding of one spatial dimension: {before, after}, the odd pixel after.
std::pair<int64_t, int64_t> samePadding(int64_t size, int64_t kernel, int64_t stride, int64_t dilation);

}  // namespace attune::detail
