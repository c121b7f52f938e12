#include "core/models/detail/OnnxGraph.h"

#include "core/models/detail/StochasticDepth.h"

// As Debian's libonnx was built (its CMake targets say so; core/models/CMakeLists.txt).
#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_set>

namespace attune::detail {

namespace {

// ONNX 1.12's newest IR version, which ONNX Runtime 1.13 and later read.
constexpr int64_t kIrVersion = 8;

int32_t elementTypeOf(OnnxType type) {
  switch (type) {
    case OnnxType::Float:
      return onnx::TensorProto_DataType_FLOAT;
    case OnnxType::Int64:
      return onnx::TensorProto_DataType_INT64;
    case OnnxType::Bool:
      return onnx::TensorProto_DataType_BOOL;
  }
  return onnx::TensorProto_DataType_FLOAT;
}

void setValueInfo(onnx::ValueInfoProto* info, const std::string& name, OnnxType type,
                  const std::vector<OnnxDim>& dims) {
  info->set_name(name);
  auto* tensorType = info->mutable_type()->mutable_tensor_type();
  tensorType->set_elem_type(elementTypeOf(type));
  auto* shape = tensorType->mutable_shape();
  for (const auto& dim : dims) {
    auto* d = shape->add_dim();
    if (const auto* size = std::get_if<int64_t>(&dim))
      d->set_dim_value(*size);
    else
      d->set_dim_param(std::get<std::string>(dim));
  }
}

void setAttribute(onnx::AttributeProto* proto, const OnnxAttribute& attribute) {
  proto->set_name(attribute.name);
  std::visit(
      [proto](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          proto->set_type(onnx::AttributeProto_AttributeType_INT);
          proto->set_i(value);
        } else if constexpr (std::is_same_v<T, float>) {
          proto->set_type(onnx::AttributeProto_AttributeType_FLOAT);
          proto->set_f(value);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          proto->set_type(onnx::AttributeProto_AttributeType_INTS);
          for (int64_t v : value) proto->add_ints(v);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          proto->set_type(onnx::AttributeProto_AttributeType_FLOATS);
          for (float v : value) proto->add_floats(v);
        } else {
          proto->set_type(onnx::AttributeProto_AttributeType_STRING);
          proto->set_s(value);
        }
      },
      attribute.value);
}

template <size_t D>
std::vector<int64_t> valuesOf(const torch::ExpandingArray<D>& array) {
  return std::vector<int64_t>(array->begin(), array->end());
}

// Conv's attributes and inputs for LibTorch's Conv1d / Conv2d (zero padding given as sizes only). The
// options' variants are c10::variant in LibTorch 1.13 and std::variant in 2.x: their functions are found
// by argument-dependent lookup.
template <size_t D, typename Options>
std::vector<OnnxAttribute> convAttributes(const Options& options, const char* what) {
  if (!holds_alternative<torch::enumtype::kZeros>(options.padding_mode()))
    throw OnnxUnsupported(std::string(what) + " pads other than with zeros");
  std::vector<int64_t> pads;
  if (const auto* sizes = get_if<torch::ExpandingArray<D>>(&options.padding())) {
    pads = valuesOf<D>(*sizes);
    pads.insert(pads.end(), pads.begin(), pads.end());  // begins, then ends
  } else if (holds_alternative<torch::enumtype::kValid>(options.padding())) {
    pads.assign(2 * D, 0);
  } else {
    throw OnnxUnsupported(std::string(what) + " with padding \"same\"");
  }
  return {{"kernel_shape", valuesOf<D>(options.kernel_size())},
          {"strides", valuesOf<D>(options.stride())},
          {"pads", pads},
          {"dilations", valuesOf<D>(options.dilation())},
          {"group", options.groups()}};
}

}  // namespace

struct OnnxGraph::Impl {
  onnx::GraphProto graph;
  std::unordered_map<const void*, std::string> modelNames;  // the model's tensors by TensorImpl
  std::unordered_map<const void*, OnnxValue> modelInitializers;
  std::unordered_set<std::string> names;  // every value, node and initializer name in use
  std::unordered_map<std::string, OnnxValue> inputs;
  std::unordered_map<std::string, int64_t> counters;
  // Small constants by value, so that each is one initializer however often the graph uses it.
  std::map<std::vector<int64_t>, OnnxValue> intConstants;
  std::map<float, OnnxValue> floatConstants;

  std::string unique(const std::string& base) {
    if (names.insert(base).second) return base;
    for (int64_t& n = counters[base];;) {
      std::string candidate = base + "_" + std::to_string(++n);
      if (names.insert(candidate).second) return candidate;
    }
  }

  OnnxValue addInitializer(const torch::Tensor& source, const std::string& name) {
    torch::Tensor t = source.detach().to(torch::kCPU);
    auto* proto = graph.add_initializer();
    proto->set_name(name);
    if (t.is_floating_point()) {
      t = t.to(torch::kFloat32).contiguous();
      proto->set_data_type(onnx::TensorProto_DataType_FLOAT);
    } else if (t.scalar_type() == torch::kBool) {
      t = t.contiguous();
      proto->set_data_type(onnx::TensorProto_DataType_BOOL);
    } else {
      t = t.to(torch::kInt64).contiguous();
      proto->set_data_type(onnx::TensorProto_DataType_INT64);
    }
    for (int64_t size : t.sizes()) proto->add_dims(size);
    // raw_data is little-endian, as every machine LibTorch runs on here.
    proto->set_raw_data(t.data_ptr(), size_t(t.numel()) * t.element_size());
    return name;
  }
};

OnnxGraph::OnnxGraph(const torch::nn::Module& model) : d(std::make_unique<Impl>()) {
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    d->modelNames.emplace(item.value().unsafeGetTensorImpl(), item.key());
  for (const auto& item : model.named_buffers(/*recurse=*/true))
    d->modelNames.emplace(item.value().unsafeGetTensorImpl(), item.key());
}

OnnxGraph::~OnnxGraph() = default;

OnnxValue OnnxGraph::addInput(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims) {
  if (!d->names.insert(name).second) throw OnnxUnsupported("two graph values named " + name);
  setValueInfo(d->graph.add_input(), name, type, dims);
  d->inputs.emplace(name, name);
  return name;
}

void OnnxGraph::addOutput(const OnnxValue& value, const std::string& name, OnnxType type,
                          const std::vector<OnnxDim>& dims) {
  if (value != name) {
    if (!d->names.insert(name).second) throw OnnxUnsupported("two graph values named " + name);
    auto* node = d->graph.add_node();
    node->set_op_type("Identity");
    node->set_name(d->unique("Identity"));
    node->add_input(value);
    node->add_output(name);
  }
  setValueInfo(d->graph.add_output(), name, type, dims);
}

const OnnxValue& OnnxGraph::input(const std::string& name) const {
  const auto found = d->inputs.find(name);
  if (found == d->inputs.end()) throw OnnxUnsupported("the graph has no input named " + name);
  return found->second;
}

OnnxValue OnnxGraph::tensor(const torch::Tensor& tensor, const std::string& hint) {
  const void* key = tensor.unsafeGetTensorImpl();
  const auto named = d->modelNames.find(key);
  if (named == d->modelNames.end()) return d->addInitializer(tensor, d->unique(hint));
  if (const auto known = d->modelInitializers.find(key); known != d->modelInitializers.end())
    return known->second;
  OnnxValue value = d->addInitializer(tensor, d->unique(named->second));
  d->modelInitializers.emplace(key, value);
  return value;
}

OnnxValue OnnxGraph::ints(const std::vector<int64_t>& values) {
  auto [known, added] = d->intConstants.try_emplace(values);
  if (added) known->second = tensor(torch::tensor(values, torch::kInt64), "shape");
  return known->second;
}

OnnxValue OnnxGraph::scalar(float value) {
  auto [known, added] = d->floatConstants.try_emplace(value);
  if (added) known->second = tensor(torch::scalar_tensor(value, torch::kFloat32), "scalar");
  return known->second;
}

OnnxValue OnnxGraph::op(const std::string& type, const std::vector<OnnxValue>& inputs,
                        const std::vector<OnnxAttribute>& attributes) {
  return op(type, inputs, 1, attributes).front();
}

std::vector<OnnxValue> OnnxGraph::op(const std::string& type, const std::vector<OnnxValue>& inputs,
                                     size_t outputs, const std::vector<OnnxAttribute>& attributes) {
  auto* node = d->graph.add_node();
  node->set_op_type(type);
  const std::string name = d->unique(type);
  node->set_name(name);
  for (const auto& input : inputs) node->add_input(input);
  std::vector<OnnxValue> values;
  for (size_t i = 0; i < outputs; ++i) {
    values.push_back(i == 0 ? name : d->unique(name + "_out" + std::to_string(i)));
    node->add_output(values.back());
  }
  for (const auto& attribute : attributes) setAttribute(node->add_attribute(), attribute);
  return values;
}

OnnxValue OnnxGraph::module(const torch::nn::Module& module, const OnnxValue& x) {
  if (const auto* custom = dynamic_cast<const OnnxModule*>(&module)) return custom->toOnnx(*this, x);
  if (const auto* sequential = dynamic_cast<const torch::nn::SequentialImpl*>(&module)) {
    OnnxValue value = x;
    for (const auto& child : sequential->children()) value = this->module(*child, value);
    return value;
  }
  if (const auto* conv2d = dynamic_cast<const torch::nn::Conv2dImpl*>(&module)) return conv(*conv2d, x);
  if (const auto* conv1d = dynamic_cast<const torch::nn::Conv1dImpl*>(&module)) return conv(*conv1d, x);
  if (const auto* norm = dynamic_cast<const torch::nn::BatchNorm2dImpl*>(&module)) return batchNorm(*norm, x);
  if (const auto* dense = dynamic_cast<const torch::nn::LinearImpl*>(&module)) return linear(*dense, x);
  if (const auto* norm = dynamic_cast<const torch::nn::LayerNormImpl*>(&module)) return layerNorm(*norm, x);
  if (dynamic_cast<const torch::nn::ReLUImpl*>(&module)) return relu(x);
  if (dynamic_cast<const torch::nn::ReLU6Impl*>(&module)) return relu6(x);
  if (dynamic_cast<const torch::nn::DropoutImpl*>(&module)) return x;
  if (dynamic_cast<const StochasticDepthImpl*>(&module)) return x;
  if (const auto* flatten = dynamic_cast<const torch::nn::FlattenImpl*>(&module)) {
    if (flatten->options.end_dim() != -1) throw OnnxUnsupported("a Flatten that keeps trailing axes");
    return op("Flatten", {x}, {{"axis", flatten->options.start_dim()}});
  }
  throw OnnxUnsupported("a layer of type " + module.name());
}

OnnxValue OnnxGraph::conv(const torch::nn::Conv2dImpl& conv, const OnnxValue& x) {
  std::vector<OnnxValue> inputs{x, tensor(conv.weight)};
  if (conv.bias.defined()) inputs.push_back(tensor(conv.bias));
  return op("Conv", inputs, convAttributes<2>(conv.options, "a 2-d convolution"));
}

OnnxValue OnnxGraph::conv(const torch::nn::Conv1dImpl& conv, const OnnxValue& x) {
  std::vector<OnnxValue> inputs{x, tensor(conv.weight)};
  if (conv.bias.defined()) inputs.push_back(tensor(conv.bias));
  return op("Conv", inputs, convAttributes<1>(conv.options, "a 1-d convolution"));
}

OnnxValue OnnxGraph::batchNorm(const torch::nn::BatchNorm2dImpl& norm, const OnnxValue& x) {
  if (!norm.options.track_running_stats() || !norm.running_mean.defined())
    throw OnnxUnsupported("a BatchNorm without running statistics");
  const int64_t channels = norm.options.num_features();
  const OnnxValue scale =
      norm.options.affine() ? tensor(norm.weight) : tensor(torch::ones({channels}), "ones");
  const OnnxValue shift =
      norm.options.affine() ? tensor(norm.bias) : tensor(torch::zeros({channels}), "zeros");
  return op("BatchNormalization", {x, scale, shift, tensor(norm.running_mean), tensor(norm.running_var)},
            {{"epsilon", float(norm.options.eps())}});
}

OnnxValue OnnxGraph::linear(const torch::Tensor& weight, const torch::Tensor& bias, const OnnxValue& x) {
  const OnnxValue transposed = transpose(tensor(weight), {1, 0});
  const OnnxValue product = op("MatMul", {x, transposed});
  return bias.defined() ? add(product, tensor(bias)) : product;
}

OnnxValue OnnxGraph::linear(const torch::nn::LinearImpl& linear, const OnnxValue& x) {
  return this->linear(linear.weight, linear.bias, x);
}

OnnxValue OnnxGraph::layerNorm(const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                               const OnnxValue& x) {
  return op("LayerNormalization", {x, tensor(weight), tensor(bias)},
            {{"axis", int64_t{-1}}, {"epsilon", float(eps)}});
}

OnnxValue OnnxGraph::layerNorm(const torch::nn::LayerNormImpl& norm, const OnnxValue& x) {
  const auto& shape = norm.options.normalized_shape();
  std::vector<OnnxValue> inputs{x};
  if (norm.options.elementwise_affine()) {
    inputs.push_back(tensor(norm.weight));
    inputs.push_back(tensor(norm.bias));
  } else {
    inputs.push_back(tensor(torch::ones(shape), "ones"));
  }
  return op("LayerNormalization", inputs,
            {{"axis", -int64_t(shape.size())}, {"epsilon", float(norm.options.eps())}});
}

OnnxValue OnnxGraph::relu6(const OnnxValue& x) {
  return op("Clip", {x, scalar(0.0f), scalar(6.0f)});
}

OnnxValue OnnxGraph::hardSigmoid(const OnnxValue& x) {
  return op("HardSigmoid", {x}, {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
}

OnnxValue OnnxGraph::gelu(const OnnxValue& x) {
  const OnnxValue phi = op("Erf", {mul(x, scalar(float(M_SQRT1_2)))});
  return mul(mul(x, scalar(0.5f)), add(phi, scalar(1.0f)));
}

OnnxValue OnnxGraph::geluTanh(const OnnxValue& x) {
  const OnnxValue cube = mul(mul(x, x), x);
  const OnnxValue inner = mul(add(x, mul(cube, scalar(0.044715f))), scalar(float(std::sqrt(2.0 / M_PI))));
  return mul(mul(x, scalar(0.5f)), add(op("Tanh", {inner}), scalar(1.0f)));
}

OnnxValue OnnxGraph::cast(const OnnxValue& x, OnnxType to) {
  return op("Cast", {x}, {{"to", int64_t{elementTypeOf(to)}}});
}

OnnxValue OnnxGraph::transpose(const OnnxValue& x, const std::vector<int64_t>& permutation) {
  return op("Transpose", {x}, {{"perm", permutation}});
}

OnnxValue OnnxGraph::reshape(const OnnxValue& x, const std::vector<int64_t>& shape) {
  return op("Reshape", {x, ints(shape)});
}

OnnxValue OnnxGraph::maxPool(const OnnxValue& x, int64_t kernel, int64_t stride, int64_t padding) {
  return op("MaxPool", {x},
            {{"kernel_shape", std::vector<int64_t>{kernel, kernel}},
             {"strides", std::vector<int64_t>{stride, stride}},
             {"pads", std::vector<int64_t>{padding, padding, padding, padding}}});
}

OnnxValue OnnxGraph::globalAveragePool(const OnnxValue& x) {
  return op("Flatten", {op("GlobalAveragePool", {x})}, {{"axis", int64_t{1}}});
}

OnnxValue OnnxGraph::softmax(const OnnxValue& x, int64_t axis) {
  return op("Softmax", {x}, {{"axis", axis}});
}

OnnxValue OnnxGraph::selectSecondAxis(const OnnxValue& x, int64_t index) {
  return op("Gather", {x, tensor(torch::scalar_tensor(index, torch::kInt64), "index")},
            {{"axis", int64_t{1}}});
}

OnnxValue OnnxGraph::attention(const OnnxValue& query, const OnnxValue& key, const OnnxValue& value,
                               int64_t heads, int64_t width, const OnnxValue& keyMask) {
  if (heads < 1 || width % heads != 0)
    throw OnnxUnsupported("attention whose width does not split into its heads");
  const int64_t headWidth = width / heads;
  // [N, L, E] -> [N, heads, L, E / heads] (keys: [N, heads, E / heads, L]).
  const auto split = [&](const OnnxValue& t, std::vector<int64_t> permutation) {
    return transpose(reshape(t, {0, 0, heads, headWidth}), std::move(permutation));
  };
  OnnxValue scores = op("MatMul", {split(query, {0, 2, 1, 3}), split(key, {0, 2, 3, 1})});
  scores = op("Div", {scores, scalar(float(std::sqrt(double(headWidth))))});
  if (!keyMask.empty()) {
    const OnnxValue mask = op("Unsqueeze", {keyMask, ints({1, 2})});  // [N, 1, 1, L]
    scores = op("Where", {mask, scores, scalar(std::numeric_limits<float>::lowest())});
  }
  const OnnxValue weights = softmax(scores, -1);
  const OnnxValue context = op("MatMul", {weights, split(value, {0, 2, 1, 3})});
  return reshape(transpose(context, {0, 2, 1, 3}), {0, 0, width});
}

std::string OnnxGraph::serialize(const std::string& graphName,
                                 const std::vector<std::pair<std::string, std::string>>& metadata) {
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  model.set_producer_name("Attune");
  model.set_producer_version(ATTUNE_VERSION);
  for (const auto& [key, value] : metadata) {
    auto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  model.mutable_graph()->Swap(&d->graph);  // the weights are not copied
  model.mutable_graph()->set_name(graphName);
  try {
    onnx::checker::check_model(model);
    // In place: the inferred shapes of the values inside stay in the file, for its readers.
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict=*/1));
  } catch (const std::exception& error) {
    throw OnnxUnsupported(std::string("ONNX's checker refused the graph: ") + error.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw OnnxUnsupported("the graph does not fit in an ONNX file (2 GB)");
  return bytes;
}

}  // namespace attune::detail
