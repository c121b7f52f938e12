#include "core/models/detail/KerasLayers.h"

#include "core/models/detail/StateDict.h"

#include <QString>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace attune::detail {
namespace {

using nlohmann::json;
using Inputs = std::vector<torch::Tensor>;

// Thrown inside this file only, turned into an Error by makeKerasLayer.
struct LayerError {
  QString message;
};

[[noreturn]] void refuse(const QString& message) {
  throw LayerError{message};
}

// ZeroPadding2D's {top, bottom, left, right}: one number, (rows, columns) or ((top, bottom), (left,
// right)).
std::array<int64_t, 4> zeroPaddingOf(const nlohmann::json& config) {
  const nlohmann::json padding = config.value("padding", nlohmann::json(1));
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  if (padding.is_number_integer()) {
    top = bottom = left = right = padding.get<int64_t>();
  } else if (padding.is_array() && padding.size() == 2 && padding[0].is_number_integer()) {
    top = bottom = padding[0].get<int64_t>();
    left = right = padding[1].get<int64_t>();
  } else if (padding.is_array() && padding.size() == 2 && padding[0].is_array() && padding[1].is_array()) {
    top = padding[0].at(0).get<int64_t>();
    bottom = padding[0].at(1).get<int64_t>();
    left = padding[1].at(0).get<int64_t>();
    right = padding[1].at(1).get<int64_t>();
  } else {
    refuse(QStringLiteral("its padding is malformed"));
  }
  if (std::min({top, bottom, left, right}) < 0) refuse(QStringLiteral("its padding is negative"));
  return {top, bottom, left, right};
}

std::pair<int64_t, int64_t> pairOf(const json& config, const char* key, int64_t fallback) {
  const json value = config.value(key, json());
  if (value.is_null()) return {fallback, fallback};
  if (value.is_number_integer()) return {value.get<int64_t>(), value.get<int64_t>()};
  if (value.is_array() && value.size() == 2 && value[0].is_number_integer() && value[1].is_number_integer())
    return {value[0].get<int64_t>(), value[1].get<int64_t>()};
  refuse(QStringLiteral("its option %1 is not one or two whole numbers").arg(QLatin1String(key)));
}

enum class Padding { Valid, Same };

Padding paddingOf(const json& config) {
  const std::string padding = config.value("padding", "valid");
  if (padding == "valid") return Padding::Valid;
  if (padding == "same") return Padding::Same;
  refuse(QStringLiteral("its padding \"%1\" is not supported").arg(QString::fromStdString(padding)));
}

void requireChannelsLast(const json& config) {
  if (config.value("data_format", "channels_last") != std::string("channels_last"))
    refuse(QStringLiteral("only channels_last data is supported"));
}

// Pads a NCHW tensor as TensorFlow's "same" does for this window.
torch::Tensor padSame(const torch::Tensor& x, std::pair<int64_t, int64_t> kernel,
                      std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> dilation,
                      double value = 0.0) {
  const auto [top, bottom] = samePadding(x.size(2), kernel.first, stride.first, dilation.first);
  const auto [left, right] = samePadding(x.size(3), kernel.second, stride.second, dilation.second);
  if (top == 0 && bottom == 0 && left == 0 && right == 0) return x;
  return torch::constant_pad_nd(x, {left, right, top, bottom}, value);
}

std::function<torch::Tensor(const torch::Tensor&)> activationOf(const std::string& name) {
  // Keras's last axis is the channel axis: dim 1 of a NCHW feature map.
  const auto lastAxis = [](const torch::Tensor& x) { return x.dim() == 4 ? int64_t(1) : int64_t(-1); };
  if (name == "linear" || name.empty()) return [](const torch::Tensor& x) { return x; };
  if (name == "relu") return [](const torch::Tensor& x) { return torch::relu(x); };
  if (name == "relu6") return [](const torch::Tensor& x) { return torch::clamp(x, 0.0, 6.0); };
  if (name == "sigmoid") return [](const torch::Tensor& x) { return torch::sigmoid(x); };
  if (name == "tanh") return [](const torch::Tensor& x) { return torch::tanh(x); };
  if (name == "softmax") return [lastAxis](const torch::Tensor& x) { return torch::softmax(x, lastAxis(x)); };
  if (name == "swish" || name == "silu") return [](const torch::Tensor& x) { return torch::silu(x); };
  // Keras 2 / TF.js: clip(0.2 x + 0.5, 0, 1).
  if (name == "hard_sigmoid")
    return [](const torch::Tensor& x) { return torch::clamp(0.2 * x + 0.5, 0.0, 1.0); };
  if (name == "elu") return [](const torch::Tensor& x) { return torch::elu(x); };
  if (name == "selu") return [](const torch::Tensor& x) { return torch::selu(x); };
  if (name == "softplus") return [](const torch::Tensor& x) { return torch::softplus(x); };
  if (name == "softsign") return [](const torch::Tensor& x) { return x / (1 + torch::abs(x)); };
  if (name == "gelu") return [](const torch::Tensor& x) { return torch::gelu(x); };
  if (name == "exponential") return [](const torch::Tensor& x) { return torch::exp(x); };
  refuse(QStringLiteral("its activation \"%1\" is not supported").arg(QString::fromStdString(name)));
}

class LayerBuilder {
 public:
  LayerBuilder(const KerasNode& node, const TensorMap& weights, torch::nn::Module& owner,
               const std::string& moduleName)
      : m_node(node), m_config(node.config), m_weights(weights), m_owner(owner), m_moduleName(moduleName) {}

  KerasLayerFn build() {
    const std::string& kind = m_node.className;
    if (kind == "Conv2D") return conv();
    if (kind == "DepthwiseConv2D") return depthwise();
    if (kind == "SeparableConv2D") return separable();
    if (kind == "Dense") return dense();
    if (kind == "BatchNormalization") return batchNorm();
    if (kind == "ZeroPadding2D") return zeroPadding();
    if (kind == "MaxPooling2D" || kind == "AveragePooling2D") return pooling(kind == "MaxPooling2D");
    if (kind == "GlobalAveragePooling2D" || kind == "GlobalMaxPooling2D")
      return globalPooling(kind == "GlobalMaxPooling2D");
    if (kind == "Activation") return unary(activationOf(m_config.value("activation", "linear")));
    if (kind == "ReLU") return relu();
    if (kind == "LeakyReLU") {
      const double alpha = m_config.value("alpha", m_config.value("negative_slope", 0.3));
      return unary([alpha](const torch::Tensor& x) { return torch::leaky_relu(x, alpha); });
    }
    if (kind == "Softmax") return unary(activationOf("softmax"));
    if (kind == "Dropout" || kind == "SpatialDropout2D") return dropout();
    if (kind == "Flatten") return unary([](const torch::Tensor& x) { return toKerasOrder(x).flatten(1); });
    if (kind == "Reshape") return reshape();
    if (kind == "Add" || kind == "Multiply" || kind == "Average" || kind == "Maximum" || kind == "Subtract")
      return merge(kind);
    if (kind == "Concatenate") return concatenate();
    refuse(QStringLiteral("Attune cannot run %1 layers").arg(QString::fromStdString(kind)));
  }

 private:
  const KerasNode& m_node;
  const json& m_config;
  const TensorMap& m_weights;
  torch::nn::Module& m_owner;
  std::string m_moduleName;

  // NCHW feature maps to NHWC (Keras's element order); other tensors unchanged.
  static torch::Tensor toKerasOrder(const torch::Tensor& x) {
    return x.dim() == 4 ? x.permute({0, 2, 3, 1}) : x;
  }

  KerasLayerFn unary(std::function<torch::Tensor(const torch::Tensor&)> f) {
    if (m_node.inputs.size() != 1) refuse(QStringLiteral("it must have exactly one input"));
    return [f = std::move(f)](const Inputs& in) { return f(in[0]); };
  }

  // The stored weight "<layer>/<name>" (also under an outer scope, "<scope>/<layer>/<name>", and with
  // TensorFlow's ":0" suffix) as a float tensor in Keras layout; its shape must be `shape` where given.
  torch::Tensor weight(const std::string& name, std::vector<int64_t> shape = {}) {
    const std::string wanted = m_node.layerName + "/" + name;
    const TensorData* found = nullptr;
    for (const std::string& key : {wanted, wanted + ":0"}) {
      auto it = m_weights.find(key);
      if (it != m_weights.end()) found = &it->second;
    }
    if (found == nullptr) {
      for (const auto& [key, tensor] : m_weights) {
        std::string k = key.ends_with(":0") ? key.substr(0, key.size() - 2) : key;
        if (k.size() > wanted.size() && k.ends_with("/" + wanted)) {
          if (found != nullptr)
            refuse(QStringLiteral("its weight %1 is stored twice").arg(QString::fromStdString(name)));
          found = &tensor;
        }
      }
    }
    if (found == nullptr)
      refuse(QStringLiteral("the weights file lacks its weight \"%1\"").arg(QString::fromStdString(wanted)));
    if (!shape.empty() && found->shape != shape) {
      QStringList expected, actual;
      for (auto d : shape) expected << QString::number(d);
      for (auto d : found->shape) actual << QString::number(d);
      refuse(QStringLiteral("its weight \"%1\" has the shape [%2] instead of [%3]")
                 .arg(QString::fromStdString(wanted), actual.join(QStringLiteral(", ")),
                      expected.join(QStringLiteral(", "))));
    }
    return toTensor(*found).to(torch::kFloat32);
  }

  // A kernel [kh, kw, in, out] with kernel_size checked.
  torch::Tensor kernel(const char* name, std::pair<int64_t, int64_t> size) {
    torch::Tensor k = weight(name);
    if (k.dim() != 4 || k.size(0) != size.first || k.size(1) != size.second)
      refuse(QStringLiteral("its %1 does not match its kernel_size").arg(QLatin1String(name)));
    return k;
  }

  torch::nn::Conv2d registerConv(const torch::Tensor& oihw, int64_t groups,
                                 std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> dilation,
                                 const torch::Tensor& bias, const std::string& suffix) {
    auto options = torch::nn::Conv2dOptions(oihw.size(1) * groups, oihw.size(0), {oihw.size(2), oihw.size(3)})
                       .stride({stride.first, stride.second})
                       .dilation({dilation.first, dilation.second})
                       .groups(groups)
                       .bias(bias.defined());
    auto conv = m_owner.register_module(m_moduleName + suffix, torch::nn::Conv2d(options));
    torch::NoGradGuard noGrad;
    conv->weight.copy_(oihw);
    if (bias.defined()) conv->bias.copy_(bias);
    return conv;
  }

  torch::Tensor optionalBias(int64_t size) {
    return m_config.value("use_bias", true) ? weight("bias", {size}) : torch::Tensor();
  }

  KerasLayerFn convLike(torch::nn::Conv2d first, torch::nn::Conv2d second, std::pair<int64_t, int64_t> size) {
    requireChannelsLast(m_config);
    const auto stride = pairOf(m_config, "strides", 1);
    const auto dilation = pairOf(m_config, "dilation_rate", 1);
    const Padding padding = paddingOf(m_config);
    auto activation = activationOf(m_config.value("activation", "linear"));
    // Captured as shared_ptr: a lambda's copies are const, and forward() is not.
    std::shared_ptr<torch::nn::Conv2dImpl> firstConv = first.ptr();
    std::shared_ptr<torch::nn::Conv2dImpl> secondConv = second ? second.ptr() : nullptr;
    return unary([=](const torch::Tensor& x) {
      torch::Tensor y;
      const auto [top, bottom] = padding == Padding::Same
                                     ? samePadding(x.size(2), size.first, stride.first, dilation.first)
                                     : std::pair<int64_t, int64_t>{0, 0};
      const auto [left, right] = padding == Padding::Same
                                     ? samePadding(x.size(3), size.second, stride.second, dilation.second)
                                     : std::pair<int64_t, int64_t>{0, 0};
      if (top == bottom && left == right) {
        // Even padding (or none): the convolution pads as it reads, without a padded copy of the input.
        const auto& o = firstConv->options;
        y = torch::conv2d(x, firstConv->weight, firstConv->bias, o.stride(), {top, left}, o.dilation(),
                          o.groups());
      } else {
        y = firstConv->forward(torch::constant_pad_nd(x, {left, right, top, bottom}, 0.0));
      }
      if (secondConv) y = secondConv->forward(y);
      return activation(y);
    });
  }

  KerasLayerFn conv() {
    const auto size = pairOf(m_config, "kernel_size", 1);
    torch::Tensor k = kernel("kernel", size);
    if (k.size(3) != m_config.value("filters", k.size(3)))
      refuse(QStringLiteral("its kernel does not match its filters"));
    auto conv = registerConv(k.permute({3, 2, 0, 1}).contiguous(), 1, pairOf(m_config, "strides", 1),
                             pairOf(m_config, "dilation_rate", 1), optionalBias(k.size(3)), "");
    return convLike(conv, nullptr, size);
  }

  // Keras's depthwise kernel [kh, kw, C, M] holds output channel c*M + m: LibTorch's grouped weight
  // [C*M, 1, kh, kw] in the same order.
  torch::Tensor depthwiseWeight(const torch::Tensor& k) {
    return k.permute({2, 3, 0, 1}).reshape({k.size(2) * k.size(3), 1, k.size(0), k.size(1)}).contiguous();
  }

  KerasLayerFn depthwise() {
    const auto size = pairOf(m_config, "kernel_size", 1);
    torch::Tensor k = kernel("depthwise_kernel", size);
    if (k.size(3) != m_config.value("depth_multiplier", int64_t(1)))
      refuse(QStringLiteral("its kernel does not match its depth_multiplier"));
    auto conv = registerConv(depthwiseWeight(k), k.size(2), pairOf(m_config, "strides", 1),
                             pairOf(m_config, "dilation_rate", 1), optionalBias(k.size(2) * k.size(3)), "");
    return convLike(conv, nullptr, size);
  }

  KerasLayerFn separable() {
    const auto size = pairOf(m_config, "kernel_size", 1);
    torch::Tensor dk = kernel("depthwise_kernel", size);
    torch::Tensor pk = kernel("pointwise_kernel", {1, 1});
    if (pk.size(2) != dk.size(2) * dk.size(3))
      refuse(QStringLiteral("its pointwise kernel does not match its depthwise kernel"));
    auto depth = registerConv(depthwiseWeight(dk), dk.size(2), pairOf(m_config, "strides", 1),
                              pairOf(m_config, "dilation_rate", 1), torch::Tensor(), "_depthwise");
    auto point = registerConv(pk.permute({3, 2, 0, 1}).contiguous(), 1, {1, 1}, {1, 1},
                              optionalBias(pk.size(3)), "_pointwise");
    return convLike(depth, point, size);
  }

  KerasLayerFn dense() {
    torch::Tensor k = weight("kernel");
    if (k.dim() != 2 || k.size(1) != m_config.value("units", k.size(1)))
      refuse(QStringLiteral("its kernel does not match its units"));
    torch::Tensor bias = optionalBias(k.size(1));
    auto linear = m_owner.register_module(
        m_moduleName, torch::nn::Linear(torch::nn::LinearOptions(k.size(0), k.size(1)).bias(bias.defined())));
    {
      torch::NoGradGuard noGrad;
      linear->weight.copy_(k.t());
      if (bias.defined()) linear->bias.copy_(bias);
    }
    auto activation = activationOf(m_config.value("activation", "linear"));
    return unary([linear, activation](const torch::Tensor& x) {
      // Keras applies Dense to the last axis: the channels of a feature map.
      if (x.dim() == 4) return activation(linear->forward(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2}));
      return activation(linear->forward(x));
    });
  }

  KerasLayerFn batchNorm() {
    const json axis = m_config.value("axis", json(-1));
    const int64_t axisValue = axis.is_array() && axis.size() == 1 ? axis[0].get<int64_t>()
                              : axis.is_number_integer()          ? axis.get<int64_t>()
                                                                  : 0;
    if (axisValue != -1 && axisValue != 3)
      refuse(QStringLiteral("only normalisation over the channel axis is supported"));
    torch::Tensor mean = weight("moving_mean");
    const int64_t channels = mean.numel();
    torch::Tensor var = weight("moving_variance", {channels});
    const bool scale = m_config.value("scale", true);
    const bool center = m_config.value("center", true);
    const double eps = m_config.value("epsilon", 1e-3);
    const double momentum = 1.0 - m_config.value("momentum", 0.99);  // Keras keeps the old fraction
    // A torch::nn::BatchNorm2d holds the statistics, so that a frozen backbone keeps it in eval mode.
    auto bn = m_owner.register_module(
        m_moduleName,
        torch::nn::BatchNorm2d(
            torch::nn::BatchNorm2dOptions(channels).eps(eps).momentum(momentum).affine(scale && center)));
    torch::Tensor gamma, beta;
    {
      torch::NoGradGuard noGrad;
      bn->running_mean.copy_(mean);
      bn->running_var.copy_(var);
      if (scale && center) {
        bn->weight.copy_(weight("gamma", {channels}));
        bn->bias.copy_(weight("beta", {channels}));
        gamma = bn->weight;
        beta = bn->bias;
      } else {
        // Keras without scale (or center) has no gamma (beta) at all: only the present one is learned.
        if (scale) gamma = m_owner.register_parameter(m_moduleName + "_gamma", weight("gamma", {channels}));
        if (center) beta = m_owner.register_parameter(m_moduleName + "_beta", weight("beta", {channels}));
      }
    }
    return unary([bn, gamma, beta, eps, momentum](const torch::Tensor& x) {
      return torch::batch_norm(x, gamma, beta, bn->running_mean, bn->running_var, bn->is_training(), momentum,
                               eps, at::globalContext().userEnabledCuDNN());
    });
  }

  KerasLayerFn zeroPadding() {
    requireChannelsLast(m_config);
    const auto [top, bottom, left, right] = zeroPaddingOf(m_config);
    return unary([=](const torch::Tensor& x) {
      return torch::constant_pad_nd(x, {left, right, top, bottom}, 0.0);
    });
  }

  KerasLayerFn pooling(bool max) {
    requireChannelsLast(m_config);
    const auto size = pairOf(m_config, "pool_size", 2);
    const auto stride = pairOf(m_config, "strides", size.first);
    const auto strides = m_config.value("strides", json()).is_null() ? size : stride;
    const Padding padding = paddingOf(m_config);
    return unary([=](const torch::Tensor& x) {
      const std::vector<int64_t> k{size.first, size.second}, s{strides.first, strides.second};
      if (max) {
        const torch::Tensor y = padding == Padding::Same ? padSame(x, size, strides, {1, 1},
                                                                   -std::numeric_limits<double>::infinity())
                                                         : x;
        return torch::max_pool2d(y, k, s);
      }
      if (padding == Padding::Valid) return torch::avg_pool2d(x, k, s);
      // Keras's "same" average divides by the pixels inside the image only.
      const torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
      return torch::avg_pool2d(padSame(x, size, strides, {1, 1}), k, s) /
             torch::avg_pool2d(padSame(ones, size, strides, {1, 1}), k, s);
    });
  }

  KerasLayerFn globalPooling(bool max) {
    const bool keep = m_config.value("keepdims", false);
    return unary([max, keep](const torch::Tensor& x) {
      torch::Tensor y = max ? x.amax({2, 3}, keep) : x.mean({2, 3}, keep);
      return y;
    });
  }

  KerasLayerFn relu() {
    const json maxValue = m_config.value("max_value", json());
    const double slope = m_config.value("negative_slope", 0.0);
    const double threshold = m_config.value("threshold", 0.0);
    const bool capped = maxValue.is_number();
    const double cap = capped ? maxValue.get<double>() : 0.0;
    return unary([=](const torch::Tensor& x) {
      // ReLU6 and other capped ReLUs in one pass.
      if (slope == 0.0 && threshold == 0.0 && capped) return torch::clamp(x, 0.0, cap);
      torch::Tensor y = (slope == 0.0 && threshold == 0.0)
                            ? torch::relu(x)
                            : torch::where(x >= threshold, x, slope * (x - threshold));
      return capped ? torch::clamp_max(y, cap) : y;
    });
  }

  KerasLayerFn dropout() {
    const double rate = m_config.value("rate", 0.5);
    if (!(rate >= 0.0 && rate < 1.0)) refuse(QStringLiteral("its rate must be in [0, 1)"));
    auto drop = m_owner.register_module(m_moduleName, torch::nn::Dropout(torch::nn::DropoutOptions(rate)));
    return unary([drop](const torch::Tensor& x) { return drop->forward(x); });
  }

  KerasLayerFn reshape() {
    std::vector<int64_t> target{0};  // batch
    for (const json& d : m_config.value("target_shape", json::array()))
      target.push_back(d.is_number_integer() ? d.get<int64_t>() : -1);
    if (target.size() < 2) refuse(QStringLiteral("its target_shape is malformed"));
    return unary([target](const torch::Tensor& x) {
      auto shape = target;
      shape[0] = x.size(0);
      torch::Tensor y = toKerasOrder(x).reshape(shape);
      return y.dim() == 4 ? y.permute({0, 3, 1, 2}) : y;  // back to NCHW
    });
  }

  KerasLayerFn merge(const std::string& kind) {
    if (m_node.inputs.size() < 2 || (kind == "Subtract" && m_node.inputs.size() != 2))
      refuse(QStringLiteral("it needs two or more inputs"));
    return [kind](const Inputs& in) {
      torch::Tensor y = in[0];
      for (size_t i = 1; i < in.size(); ++i) {
        if (kind == "Add" || kind == "Average")
          y = y + in[i];
        else if (kind == "Subtract")
          y = y - in[i];
        else if (kind == "Multiply")
          y = y * in[i];
        else
          y = torch::maximum(y, in[i]);
      }
      return kind == "Average" ? y / double(in.size()) : y;
    };
  }

  KerasLayerFn concatenate() {
    const int64_t axis = m_config.value("axis", int64_t(-1));
    return [axis](const Inputs& in) {
      // Keras axes count NHWC; a feature map here is NCHW.
      const int64_t rank = in[0].dim();
      const int64_t keras = axis < 0 ? axis + rank : axis;
      const int64_t dim =
          rank == 4 ? std::array<int64_t, 4>{0, 2, 3, 1}[size_t(std::clamp<int64_t>(keras, 0, 3))] : keras;
      return torch::cat(in, dim);
    };
  }
};

// The ONNX side of LayerBuilder: the same computation, from the node's options and the modules that
// LayerBuilder registered.
class OnnxLayerWriter {
 public:
  OnnxLayerWriter(OnnxGraph& graph, const KerasNode& node, const torch::nn::Module& owner,
                  const std::string& moduleName, const std::vector<KerasOnnxValue>& inputs)
      : g(graph),
        m_node(node),
        m_config(node.config),
        m_owner(owner),
        m_moduleName(moduleName),
        m_inputs(inputs) {}

  KerasOnnxValue write() {
    const std::string& kind = m_node.className;
    if (kind == "Conv2D" || kind == "DepthwiseConv2D") return conv(child(m_moduleName), nullptr);
    if (kind == "SeparableConv2D")
      return conv(child(m_moduleName + "_depthwise"), &child(m_moduleName + "_pointwise"));
    if (kind == "Dense") return dense();
    if (kind == "BatchNormalization") return batchNorm();
    if (kind == "ZeroPadding2D") return zeroPadding();
    if (kind == "MaxPooling2D" || kind == "AveragePooling2D") return pooling(kind == "MaxPooling2D");
    if (kind == "GlobalAveragePooling2D" || kind == "GlobalMaxPooling2D") {
      const bool keep = m_config.value("keepdims", false);
      return {g.op(kind == "GlobalMaxPooling2D" ? "ReduceMax" : "ReduceMean", {in().value},
                   {{"axes", std::vector<int64_t>{2, 3}}, {"keepdims", int64_t{keep ? 1 : 0}}}),
              keep ? 4 : 2};
    }
    if (kind == "Activation") return same(activation(m_config.value("activation", "linear"), in()));
    if (kind == "ReLU") return relu();
    if (kind == "LeakyReLU") {
      const double alpha = m_config.value("alpha", m_config.value("negative_slope", 0.3));
      return same(g.op("LeakyRelu", {in().value}, {{"alpha", float(alpha)}}));
    }
    if (kind == "Softmax") return same(activation("softmax", in()));
    if (kind == "Dropout" || kind == "SpatialDropout2D") return in();
    if (kind == "Flatten") return {g.op("Flatten", {kerasOrder(in())}, {{"axis", int64_t{1}}}), 2};
    if (kind == "Reshape") return reshape();
    if (kind == "Add" || kind == "Multiply" || kind == "Average" || kind == "Maximum" || kind == "Subtract")
      return merge(kind);
    if (kind == "Concatenate") return concatenate();
    refuse(QStringLiteral("ONNX has no %1 layer here").arg(QString::fromStdString(kind)));
  }

 private:
  OnnxGraph& g;
  const KerasNode& m_node;
  const json& m_config;
  const torch::nn::Module& m_owner;
  std::string m_moduleName;
  const std::vector<KerasOnnxValue>& m_inputs;

  // An elementwise result: the input's rank and size.
  KerasOnnxValue same(const OnnxValue& y) const { return {y, in().rank, in().height, in().width}; }

  const KerasOnnxValue& in() const {
    if (m_inputs.size() != 1) refuse(QStringLiteral("it must have exactly one input"));
    return m_inputs.front();
  }

  const torch::nn::Module& child(const std::string& name) const {
    for (const auto& item : m_owner.named_children())
      if (item.key() == name) return *item.value();
    refuse(QStringLiteral("its module %1 is missing").arg(QString::fromStdString(name)));
  }

  torch::Tensor parameter(const std::string& name) const {
    for (const auto& item : m_owner.named_parameters(/*recurse=*/false))
      if (item.key() == name) return item.value();
    return {};
  }

  // NCHW feature maps to NHWC (Keras's element order); other values unchanged.
  OnnxValue kerasOrder(const KerasOnnxValue& x) {
    return x.rank == 4 ? g.transpose(x.value, {0, 2, 3, 1}) : x.value;
  }

  OnnxValue activation(const std::string& name, const KerasOnnxValue& x) {
    const OnnxValue& v = x.value;
    if (name == "linear" || name.empty()) return v;
    if (name == "relu") return g.relu(v);
    if (name == "relu6") return g.relu6(v);
    if (name == "sigmoid") return g.sigmoid(v);
    if (name == "tanh") return g.op("Tanh", {v});
    if (name == "softmax") return g.softmax(v, x.rank == 4 ? 1 : -1);
    if (name == "swish" || name == "silu") return g.silu(v);
    if (name == "hard_sigmoid") return g.op("HardSigmoid", {v}, {{"alpha", 0.2f}, {"beta", 0.5f}});
    if (name == "elu") return g.op("Elu", {v}, {{"alpha", 1.0f}});
    if (name == "selu") return g.op("Selu", {v});
    if (name == "softplus") return g.op("Softplus", {v});
    if (name == "softsign") return g.op("Softsign", {v});
    if (name == "gelu") return g.gelu(v);
    if (name == "exponential") return g.op("Exp", {v});
    refuse(QStringLiteral("its activation \"%1\" is not supported").arg(QString::fromStdString(name)));
  }

  // A window's explicit pads ([top, left, bottom, right]: TensorFlow's "same" puts the odd pixel after)
  // and the output size of a feature map.
  struct Window {
    std::vector<int64_t> pads;
    int64_t height = 0;
    int64_t width = 0;
  };
  Window window(const KerasOnnxValue& x, Padding padding, std::pair<int64_t, int64_t> kernel,
                std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> dilation) {
    if (x.height < 1 || x.width < 1) refuse(QStringLiteral("its input's size is not known"));
    Window w;
    if (padding == Padding::Same) {
      const auto [top, bottom] = samePadding(x.height, kernel.first, stride.first, dilation.first);
      const auto [left, right] = samePadding(x.width, kernel.second, stride.second, dilation.second);
      w.pads = {top, left, bottom, right};
    } else {
      w.pads = {0, 0, 0, 0};
    }
    const auto outSize = [](int64_t size, int64_t before, int64_t after, int64_t k, int64_t s, int64_t d) {
      return (size + before + after - ((k - 1) * d + 1)) / s + 1;
    };
    w.height = outSize(x.height, w.pads[0], w.pads[2], kernel.first, stride.first, dilation.first);
    w.width = outSize(x.width, w.pads[1], w.pads[3], kernel.second, stride.second, dilation.second);
    if (w.height < 1 || w.width < 1) refuse(QStringLiteral("its window is larger than its input"));
    return w;
  }

  KerasOnnxValue conv(const torch::nn::Module& first, const torch::nn::Module* second) {
    const auto* firstConv = dynamic_cast<const torch::nn::Conv2dImpl*>(&first);
    if (!firstConv || in().rank != 4) refuse(QStringLiteral("it is not a convolution of a feature map"));
    const auto& o = firstConv->options;
    const auto pair = [](const auto& array) { return std::pair<int64_t, int64_t>{(*array)[0], (*array)[1]}; };
    const Window w =
        window(in(), paddingOf(m_config), pair(o.kernel_size()), pair(o.stride()), pair(o.dilation()));
    std::vector<OnnxAttribute> attributes{
        {"kernel_shape", std::vector<int64_t>(o.kernel_size()->begin(), o.kernel_size()->end())},
        {"strides", std::vector<int64_t>(o.stride()->begin(), o.stride()->end())},
        {"dilations", std::vector<int64_t>(o.dilation()->begin(), o.dilation()->end())},
        {"pads", w.pads},
        {"group", o.groups()}};
    std::vector<OnnxValue> inputs{in().value, g.tensor(firstConv->weight)};
    if (firstConv->bias.defined()) inputs.push_back(g.tensor(firstConv->bias));
    OnnxValue y = g.op("Conv", inputs, attributes);
    if (second) y = g.module(*second, y);
    return {activation(m_config.value("activation", "linear"), {y, 4}), 4, w.height, w.width};
  }

  KerasOnnxValue dense() {
    const auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(&child(m_moduleName));
    if (!linear) refuse(QStringLiteral("its module is not a Dense layer"));
    const KerasOnnxValue& x = in();
    // Keras applies Dense to the last axis: the channels of a feature map.
    OnnxValue y = g.linear(*linear, kerasOrder(x));
    if (x.rank == 4) y = g.transpose(y, {0, 3, 1, 2});
    return {activation(m_config.value("activation", "linear"), {y, x.rank}), x.rank, x.height, x.width};
  }

  KerasOnnxValue batchNorm() {
    const auto* norm = dynamic_cast<const torch::nn::BatchNorm2dImpl*>(&child(m_moduleName));
    if (!norm) refuse(QStringLiteral("its module is not a BatchNormalization layer"));
    const int64_t channels = norm->options.num_features();
    torch::Tensor gamma = norm->options.affine() ? norm->weight : parameter(m_moduleName + "_gamma");
    torch::Tensor beta = norm->options.affine() ? norm->bias : parameter(m_moduleName + "_beta");
    const OnnxValue scale = gamma.defined() ? g.tensor(gamma) : g.tensor(torch::ones({channels}), "ones");
    const OnnxValue shift = beta.defined() ? g.tensor(beta) : g.tensor(torch::zeros({channels}), "zeros");
    return {g.op("BatchNormalization",
                 {in().value, scale, shift, g.tensor(norm->running_mean), g.tensor(norm->running_var)},
                 {{"epsilon", float(norm->options.eps())}}),
            in().rank, in().height, in().width};
  }

  KerasOnnxValue zeroPadding() {
    requireChannelsLast(m_config);
    const auto [top, bottom, left, right] = zeroPaddingOf(m_config);
    return {g.op("Pad", {in().value, g.ints({0, 0, top, left, 0, 0, bottom, right})},
                 {{"mode", std::string("constant")}}),
            4, in().height + top + bottom, in().width + left + right};
  }

  KerasOnnxValue pooling(bool max) {
    requireChannelsLast(m_config);
    const auto size = pairOf(m_config, "pool_size", 2);
    const auto stride = pairOf(m_config, "strides", size.first);
    const auto strides = m_config.value("strides", json()).is_null() ? size : stride;
    const Window w = window(in(), paddingOf(m_config), size, strides, {1, 1});
    // Padding never wins a maximum; Keras's "same" average divides by the pixels inside the image only
    // (count_include_pad 0, ONNX's default).
    return {g.op(max ? "MaxPool" : "AveragePool", {in().value},
                 {{"kernel_shape", std::vector<int64_t>{size.first, size.second}},
                  {"strides", std::vector<int64_t>{strides.first, strides.second}},
                  {"pads", w.pads}}),
            4, w.height, w.width};
  }

  KerasOnnxValue relu() {
    const json maxValue = m_config.value("max_value", json());
    const double slope = m_config.value("negative_slope", 0.0);
    const double threshold = m_config.value("threshold", 0.0);
    const bool capped = maxValue.is_number();
    const float cap = capped ? maxValue.get<float>() : 0.0f;
    const OnnxValue& x = in().value;
    if (slope == 0.0 && threshold == 0.0)
      return same(capped ? g.op("Clip", {x, g.scalar(0.0f), g.scalar(cap)}) : g.relu(x));
    const OnnxValue shifted = g.op("Sub", {x, g.scalar(float(threshold))});
    OnnxValue y = g.op("Where", {g.op("GreaterOrEqual", {x, g.scalar(float(threshold))}), x,
                                 g.mul(shifted, g.scalar(float(slope)))});
    if (capped) y = g.op("Min", {y, g.scalar(cap)});
    return same(y);
  }

  KerasOnnxValue reshape() {
    std::vector<int64_t> target{0};  // the batch, copied
    for (const json& d : m_config.value("target_shape", json::array()))
      target.push_back(d.is_number_integer() ? d.get<int64_t>() : -1);
    if (target.size() < 2) refuse(QStringLiteral("its target_shape is malformed"));
    const OnnxValue y = g.reshape(kerasOrder(in()), target);
    const int64_t rank = int64_t(target.size());
    if (rank == 4) return {g.transpose(y, {0, 3, 1, 2}), rank, target[1], target[2]};
    return {y, rank};
  }

  KerasOnnxValue merge(const std::string& kind) {
    if (m_inputs.size() < 2 || (kind == "Subtract" && m_inputs.size() != 2))
      refuse(QStringLiteral("it needs two or more inputs"));
    OnnxValue y = m_inputs[0].value;
    for (size_t i = 1; i < m_inputs.size(); ++i) {
      const char* op = kind == "Add" || kind == "Average" ? "Add"
                       : kind == "Subtract"               ? "Sub"
                       : kind == "Multiply"               ? "Mul"
                                                          : "Max";
      y = g.op(op, {y, m_inputs[i].value});
    }
    if (kind == "Average") y = g.op("Div", {y, g.scalar(float(m_inputs.size()))});
    return {y, m_inputs[0].rank, m_inputs[0].height, m_inputs[0].width};
  }

  KerasOnnxValue concatenate() {
    const int64_t axis = m_config.value("axis", int64_t(-1));
    const int64_t rank = m_inputs.at(0).rank;
    const int64_t keras = axis < 0 ? axis + rank : axis;
    const int64_t dim =
        rank == 4 ? std::array<int64_t, 4>{0, 2, 3, 1}[size_t(std::clamp<int64_t>(keras, 0, 3))] : keras;
    std::vector<OnnxValue> values;
    for (const auto& input : m_inputs) values.push_back(input.value);
    return {g.op("Concat", values, {{"axis", dim}}), rank, m_inputs[0].height, m_inputs[0].width};
  }
};

}  // namespace

std::pair<int64_t, int64_t> samePadding(int64_t size, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t outSize = (size + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((outSize - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return {total / 2, total - total / 2};
}

std::optional<KerasLayerFn> fusedCappedReluAndPadding(const KerasNode& relu, const KerasNode& padding) {
  if (relu.className != "ReLU" || padding.className != "ZeroPadding2D") return std::nullopt;
  const nlohmann::json& config = relu.config;
  const nlohmann::json maxValue = config.value("max_value", nlohmann::json());
  if (!maxValue.is_number() || config.value("negative_slope", 0.0) != 0.0 ||
      config.value("threshold", 0.0) != 0.0 ||
      padding.config.value("data_format", std::string("channels_last")) != "channels_last")
    return std::nullopt;
  std::array<int64_t, 4> amounts{};
  try {
    amounts = zeroPaddingOf(padding.config);
  } catch (const std::exception&) {
    return std::nullopt;  // built on its own, the padding layer says what is wrong
  }
  const double cap = maxValue.get<double>();
  const auto [top, bottom, left, right] = amounts;
  return KerasLayerFn([=](const std::vector<torch::Tensor>& inputs) {
    const torch::Tensor& x = inputs.at(0);
    if (x.dim() != 4 || (torch::GradMode::is_enabled() && x.requires_grad()))
      return torch::constant_pad_nd(torch::clamp(x, 0.0, cap), {left, right, top, bottom}, 0.0);
    const int64_t height = x.size(2), width = x.size(3);
    auto out = torch::empty({x.size(0), x.size(1), height + top + bottom, width + left + right},
                            x.options().memory_format(x.suggest_memory_format()));
    if (top > 0) out.narrow(2, 0, top).zero_();
    if (bottom > 0) out.narrow(2, top + height, bottom).zero_();
    if (left > 0) out.narrow(3, 0, left).zero_();
    if (right > 0) out.narrow(3, left + width, right).zero_();
    auto interior = out.narrow(2, top, height).narrow(3, left, width);
    torch::clamp_out(interior, x, 0.0, cap);
    return out;
  });
}

Result<KerasLayerFn> makeKerasLayer(const KerasNode& node, const TensorMap& weights, torch::nn::Module& owner,
                                    const std::string& moduleName) {
  const auto failure = [&](const QString& reason) {
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The layer \"%1\" (%2) cannot be built: %3.")
                     .arg(QString::fromStdString(node.name), QString::fromStdString(node.className), reason),
                 QStringLiteral("Choose an earlier layer to cut the model at, or use another model."));
  };
  try {
    return LayerBuilder(node, weights, owner, moduleName).build();
  } catch (const LayerError& e) {
    return failure(e.message);
  } catch (const nlohmann::json::exception& e) {
    return failure(
        QStringLiteral("an option has a value of the wrong type (%1)").arg(QString::fromUtf8(e.what())));
  } catch (const c10::Error& e) {
    return failure(QString::fromUtf8(e.what_without_backtrace()));
  }
}

KerasOnnxValue kerasLayerToOnnx(OnnxGraph& graph, const KerasNode& node, const torch::nn::Module& owner,
                                const std::string& moduleName, const std::vector<KerasOnnxValue>& inputs) {
  const auto unsupported = [&](const QString& reason) {
    return OnnxUnsupported(
        QStringLiteral("the layer \"%1\" (%2): %3")
            .arg(QString::fromStdString(node.name), QString::fromStdString(node.className), reason)
            .toStdString());
  };
  try {
    return OnnxLayerWriter(graph, node, owner, moduleName, inputs).write();
  } catch (const LayerError& e) {
    throw unsupported(e.message);
  } catch (const nlohmann::json::exception& e) {
    throw unsupported(
        QStringLiteral("an option has a value of the wrong type (%1)").arg(QString::fromUtf8(e.what())));
  }
}

}  // namespace attune::detail
