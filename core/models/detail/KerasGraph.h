#pragma once
// Internal (includes LibTorch): a Keras model (KerasTopology + its TF.js weights) as a LibTorch module,
// optionally cut at one layer so that it computes only what that layer's output needs. Tensors are
// NCHW inside (4-D feature maps); 2-D ones are [N, features] as in Keras. Flatten and Reshape
// reorder through NHWC so that a following Dense sees Keras's element order. Every weight becomes a
// parameter (BatchNorm moving statistics: buffers of a torch::nn::BatchNorm2d) in LibTorch's layout,
// under a module named after its Keras layer ('.' and '/' replaced by '_'), so it can be fine-tuned.

#include "core/common/Result.h"
#include "core/models/detail/KerasLayers.h"
#include "core/models/detail/KerasTopology.h"
#include "core/weights/TensorData.h"

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace attune::detail {

class KerasGraphImpl : public torch::nn::Module {
 public:
  // The subgraph that computes `cutLayer` (empty: the whole model). Errors name the layer: unknown
  // layer classes or options, missing weights, weights of the wrong shape.
  static Result<std::shared_ptr<KerasGraphImpl>> build(const KerasTopology& topology,
                                                       const TensorMap& weights,
                                                       const std::string& cutLayer = {});

  // NCHW float input; the cut layer's output (NCHW if it is a feature map).
  torch::Tensor forward(torch::Tensor input);

  const std::string& outputLayer() const { return m_outputLayer; }

  // The same computation (evaluation mode) in an ONNX graph, node by node from the topology.
  KerasOnnxValue toOnnx(OnnxGraph& graph, const OnnxValue& input) const;

 private:
  struct Step {
    std::vector<int> inputs;  // indices into the values computed so far (0: the model input)
    std::function<torch::Tensor(const std::vector<torch::Tensor>&)> run;
    // Values whose last reader is this step: forward lets them go once it has run (the allocator then
    // hands their memory, still in the processor's caches, to the next layers).
    std::vector<int> lastUseOf;
  };
  std::vector<Step> m_steps;  // one per non-input node, in execution order; value i+1 is step i's output
  // Every non-input node in execution order, as the topology gives it (no layers computed together),
  // with the values it reads (0: the model input) and its module name: what toOnnx writes.
  struct OnnxStep {
    KerasNode node;
    std::vector<int> inputs;
    std::string moduleName;
  };
  std::vector<OnnxStep> m_onnxSteps;
  std::string m_outputLayer;

  friend class KerasGraphBuilder;
};

}  // namespace attune::detail
