#pragma once
// Internal (includes LibTorch): a model written as an ONNX graph (opset 17, the highest of Debian's
// ONNX 1.12), node by node, by code that mirrors each module's forward() in evaluation mode. The
// protobuf classes and the checker are ONNX's own (libonnx-dev); they stay inside OnnxGraph.cpp.
//
// Values are the names of tensors in the graph. Parameters and buffers become initializers named as in
// the model's state_dict ("layer1.0.conv1.weight"), so the file reads like the checkpoint it came from.
// A module that ONNX cannot express throws OnnxUnsupported, whose message names it.

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace attune::detail {

using OnnxValue = std::string;

struct OnnxAttribute {
  std::string name;
  std::variant<int64_t, float, std::vector<int64_t>, std::vector<float>, std::string> value;
};

// One axis of a graph input or output: a fixed size or a named dynamic axis ("batch", "sequence").
using OnnxDim = std::variant<int64_t, std::string>;
enum class OnnxType { Float, Int64, Bool };

class OnnxUnsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OnnxGraph;

// A module that writes itself into an ONNX graph: what its forward() computes in evaluation mode.
class OnnxModule {
 public:
  virtual ~OnnxModule() = default;
  virtual OnnxValue toOnnx(OnnxGraph& graph, const OnnxValue& input) const = 0;
};

class OnnxGraph {
 public:
  static constexpr int64_t kOpset = 17;

  // Names the initializers after `model`'s parameters and buffers.
  explicit OnnxGraph(const torch::nn::Module& model);
  ~OnnxGraph();
  OnnxGraph(const OnnxGraph&) = delete;
  OnnxGraph& operator=(const OnnxGraph&) = delete;

  OnnxValue addInput(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims);
  // `value` leaves the graph under `name` (an Identity node when it has another name).
  void addOutput(const OnnxValue& value, const std::string& name, OnnxType type,
                 const std::vector<OnnxDim>& dims);
  // A graph input by name; throws OnnxUnsupported when there is none.
  const OnnxValue& input(const std::string& name) const;
  // The height and width of the image input (an image model's graph; ViT's position embedding needs
  // them).
  void setImageSize(int64_t height, int64_t width) {
    m_imageHeight = height;
    m_imageWidth = width;
  }
  int64_t imageHeight() const { return m_imageHeight; }
  int64_t imageWidth() const { return m_imageWidth; }

  // An initializer holding `tensor` (float32, or int64 for integer tensors; other floating types are
  // converted to float32), named after the model's tensor it is, else after `hint`. The same tensor
  // added twice is one initializer.
  OnnxValue tensor(const torch::Tensor& tensor, const std::string& hint = "constant");
  OnnxValue ints(const std::vector<int64_t>& values);  // a 1-d int64 constant
  OnnxValue scalar(float value);                       // a 0-d float32 constant

  OnnxValue op(const std::string& type, const std::vector<OnnxValue>& inputs,
               const std::vector<OnnxAttribute>& attributes = {});
  std::vector<OnnxValue> op(const std::string& type, const std::vector<OnnxValue>& inputs, size_t outputs,
                            const std::vector<OnnxAttribute>& attributes);

  // What `module`'s forward() computes in evaluation mode: LibTorch's Conv2d, Conv1d, BatchNorm2d,
  // Linear, LayerNorm, ReLU, ReLU6, Dropout (nothing), Flatten and Sequential; Attune's OnnxModules.
  OnnxValue module(const torch::nn::Module& module, const OnnxValue& x);
  OnnxValue conv(const torch::nn::Conv2dImpl& conv, const OnnxValue& x);
  OnnxValue conv(const torch::nn::Conv1dImpl& conv, const OnnxValue& x);
  OnnxValue batchNorm(const torch::nn::BatchNorm2dImpl& norm, const OnnxValue& x);
  // x @ weight^T + bias over the last axis, any rank (bias may be undefined).
  OnnxValue linear(const torch::Tensor& weight, const torch::Tensor& bias, const OnnxValue& x);
  OnnxValue linear(const torch::nn::LinearImpl& linear, const OnnxValue& x);
  // Over the last axis.
  OnnxValue layerNorm(const torch::Tensor& weight, const torch::Tensor& bias, double eps, const OnnxValue& x);
  OnnxValue layerNorm(const torch::nn::LayerNormImpl& norm, const OnnxValue& x);

  OnnxValue relu(const OnnxValue& x) { return op("Relu", {x}); }
  OnnxValue relu6(const OnnxValue& x);
  OnnxValue sigmoid(const OnnxValue& x) { return op("Sigmoid", {x}); }
  OnnxValue hardSigmoid(const OnnxValue& x);  // relu6(x + 3) / 6, as PyTorch's
  OnnxValue hardSwish(const OnnxValue& x) { return op("HardSwish", {x}); }
  OnnxValue silu(const OnnxValue& x) { return op("Mul", {x, sigmoid(x)}); }
  OnnxValue gelu(const OnnxValue& x);      // exact: x * Phi(x), with the error function
  OnnxValue geluTanh(const OnnxValue& x);  // the tanh approximation
  OnnxValue add(const OnnxValue& a, const OnnxValue& b) { return op("Add", {a, b}); }
  OnnxValue mul(const OnnxValue& a, const OnnxValue& b) { return op("Mul", {a, b}); }
  OnnxValue cast(const OnnxValue& x, OnnxType to);
  OnnxValue transpose(const OnnxValue& x, const std::vector<int64_t>& permutation);
  OnnxValue reshape(const OnnxValue& x, const std::vector<int64_t>& shape);  // 0 copies, -1 infers
  // Square max pooling with zero padding (as max_pool2d: padding never wins).
  OnnxValue maxPool(const OnnxValue& x, int64_t kernel, int64_t stride, int64_t padding);
  // [N, C, H, W] -> [N, C]: the mean over height and width.
  OnnxValue globalAveragePool(const OnnxValue& x);
  OnnxValue softmax(const OnnxValue& x, int64_t axis = -1);
  // x[:, index] of an [N, L, ...] tensor: [N, ...].
  OnnxValue selectSecondAxis(const OnnxValue& x, int64_t index);
  // Scaled dot-product attention of projected query, key and value [N, L, E] split into `heads`
  // heads; with keyMask ([N, L] bool, true at real tokens) masked keys get exactly zero weight.
  OnnxValue attention(const OnnxValue& query, const OnnxValue& key, const OnnxValue& value, int64_t heads,
                      int64_t width, const OnnxValue& keyMask = {});

  // The model as bytes of a .onnx file, after ONNX's checker and full shape inference passed (strict:
  // every node's inferred types and shapes must agree with the declared ones). Throws
  // OnnxUnsupported with the checker's reason otherwise. `metadata` goes to metadata_props. Once
  // only: the graph moves into the file.
  std::string serialize(const std::string& graphName,
                        const std::vector<std::pair<std::string, std::string>>& metadata);

 private:
  struct Impl;
  std::unique_ptr<Impl> d;
  int64_t m_imageHeight = 0;
  int64_t m_imageWidth = 0;
};

}  // namespace attune::detail
