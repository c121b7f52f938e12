#!/usr/bin/python3
"""Writes small Keras models in the TF.js layers format (model.json + binary shards, float32 and
uint8/uint16-quantised weights over several shards) and their outputs, computed here with plain
torch.nn.functional following Keras's definitions (explicit TensorFlow "same" padding, epsilon from
the config, NHWC throughout, depthwise and pooling windows spelled out), for test_keras_graph.

usage: make_keras_reference.py OUT_DIR   -> OUT_DIR/<model>/model.json, shards, OUT_DIR/reference.json
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(20261130)
OUT = sys.argv[1]


# ---- Keras semantics, NHWC -------------------------------------------------------------------

def same_pads(size, k, s, d=1):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def pad_nhwc(x, top, bottom, left, right, value=0.0):
    n, h, w, c = x.shape
    y = torch.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)
    y[:, top:top + h, left:left + w, :] = x
    return y


def conv2d(x, kernel, bias, strides, padding, dilation=(1, 1)):
    kh, kw = kernel.shape[0], kernel.shape[1]
    if padding == "same":
        t, b = same_pads(x.shape[1], kh, strides[0], dilation[0])
        l, r = same_pads(x.shape[2], kw, strides[1], dilation[1])
        x = pad_nhwc(x, t, b, l, r)
    y = F.conv2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), bias, stride=strides, dilation=dilation)
    return y.permute(0, 2, 3, 1)


def depthwise(x, kernel, bias, strides, padding):
    # Output channel c*M + m is input channel c convolved with kernel[:, :, c, m].
    C, M = kernel.shape[2], kernel.shape[3]
    outs = []
    for c in range(C):
        for m in range(M):
            k = kernel[:, :, c:c + 1, m:m + 1]
            outs.append(conv2d(x[..., c:c + 1], k, None, strides, padding))
    y = torch.cat(outs, dim=3)
    return y + bias if bias is not None else y


def batch_norm(x, w, name, eps, center=True, scale=True):
    y = (x - w[name + "/moving_mean"]) / torch.sqrt(w[name + "/moving_variance"] + eps)
    if scale:
        y = y * w[name + "/gamma"]
    if center:
        y = y + w[name + "/beta"]
    return y


def pool(x, size, strides, padding, kind):
    n, h, wd, c = x.shape
    if padding == "same":
        t, b = same_pads(h, size[0], strides[0])
        l, r = same_pads(wd, size[1], strides[1])
        oh, ow = -(-h // strides[0]), -(-wd // strides[1])
    else:
        t = l = 0
        oh, ow = (h - size[0]) // strides[0] + 1, (wd - size[1]) // strides[1] + 1
    y = torch.zeros(n, oh, ow, c, dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - t, j * strides[1] - l
            win = x[:, max(r0, 0):min(r0 + size[0], h), max(c0, 0):min(c0 + size[1], wd), :]
            # Keras: the max over, and the mean of, the pixels inside the image only.
            y[:, i, j, :] = win.amax(dim=(1, 2)) if kind == "max" else win.mean(dim=(1, 2))
    return y


def relu_layer(x, max_value=None, negative_slope=0.0, threshold=0.0):
    y = torch.where(x >= threshold, x, negative_slope * (x - threshold))
    return torch.clamp(y, max=max_value) if max_value is not None else y


ACT = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "relu6": lambda x: torch.clamp(x, 0, 6),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "swish": lambda x: x * torch.sigmoid(x),
    "hard_sigmoid": lambda x: torch.clamp(0.2 * x + 0.5, 0, 1),
    "elu": F.elu,
}

# ---- writing the TF.js export ----------------------------------------------------------------


class Export:
    """Collects weights (dequantised values are what the reference computes with)."""

    def __init__(self):
        self.entries = []
        self.values = {}

    def add(self, name, shape, quant="float32", low=-0.5, high=0.5):
        v = (torch.rand(shape, dtype=torch.float64) * (high - low) + low)
        entry = {"name": name, "shape": list(shape), "dtype": "float32"}
        if quant == "float32":
            data = v.to(torch.float32)
            raw = data.numpy().astype("<f4").tobytes()
        else:
            levels = 255 if quant == "uint8" else 65535
            vmin, vmax = float(v.min()), float(v.max())
            scale = (vmax - vmin) / levels
            q = torch.round((v - vmin) / scale).clamp(0, levels).to(torch.int64)
            data = (vmin + scale * q.to(torch.float64)).to(torch.float32)
            raw = q.numpy().astype("u1" if quant == "uint8" else "<u2").tobytes()
            entry["quantization"] = {"dtype": quant, "min": vmin, "scale": scale}
        self.entries.append((entry, raw))
        self.values[name] = data
        return data

    def write(self, folder, topology, shard_bytes=700):
        os.makedirs(folder, exist_ok=True)
        blob = b"".join(raw for _, raw in self.entries)
        paths = []
        for i in range(0, len(blob), shard_bytes):
            paths.append("group1-shard%dof%d.bin" % (i // shard_bytes + 1, -(-len(blob) // shard_bytes)))
            with open(os.path.join(folder, paths[-1]), "wb") as f:
                f.write(blob[i:i + shard_bytes])
        model = {"format": "layers-model", "generatedBy": "make_keras_reference.py",
                 "modelTopology": topology,
                 "weightsManifest": [{"paths": paths, "weights": [e for e, _ in self.entries]}]}
        with open(os.path.join(folder, "model.json"), "w") as f:
            json.dump(model, f)
        return len(paths)


def layer(name, cls, inbound=None, **config):
    config["name"] = name
    item = {"name": name, "class_name": cls, "config": config}
    if inbound is not None:
        item["inbound_nodes"] = [[[i, 0, 0, {}] for i in inbound]] if inbound else []
    return item


def bn_weights(ex, name, c, quant, center=True, scale=True):
    if scale:
        ex.add(name + "/gamma", [c], quant, 0.5, 1.5)
    if center:
        ex.add(name + "/beta", [c], quant)
    ex.add(name + "/moving_mean", [c], "float32")
    ex.add(name + "/moving_variance", [c], quant, 0.5, 2.0)


cases = []


def save(name, model, cut, x, y):
    def dump(t, suffix):
        path = "%s_%s_%s.bin" % (model, cut or "output", suffix)
        with open(os.path.join(OUT, path), "wb") as f:
            f.write(t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes())
        return path
    cases.append({"name": name, "model": model, "cut": cut, "input": dump(x, "in"), "input_shape": list(x.shape),
                  "output": dump(y, "out"), "output_shape": list(y.shape)})


# ---- a functional model with every layer kind --------------------------------------------------

ex = Export()
w = ex.values
L = [layer("input", "InputLayer", [], batch_input_shape=[None, 11, 13, 3], dtype="float32"),
     layer("pad", "ZeroPadding2D", ["input"], padding=[[0, 1], [0, 1]], data_format="channels_last"),
     layer("conv1", "Conv2D", ["pad"], filters=8, kernel_size=[3, 3], strides=[2, 2], padding="valid",
           dilation_rate=[1, 1], activation="linear", use_bias=False, data_format="channels_last"),
     layer("bn1", "BatchNormalization", ["conv1"], axis=3, epsilon=1e-3, momentum=0.99, center=True, scale=True),
     layer("relu1", "ReLU", ["bn1"], max_value=6.0),
     layer("dw", "DepthwiseConv2D", ["relu1"], kernel_size=[3, 3], strides=[1, 1], padding="same",
           depth_multiplier=2, activation="linear", use_bias=True),
     layer("bn2", "BatchNormalization", ["dw"], axis=-1, epsilon=0.01, center=True, scale=False),
     layer("leaky", "ReLU", ["bn2"], max_value=None, negative_slope=0.1, threshold=0.05),
     layer("conv_s2", "Conv2D", ["leaky"], filters=16, kernel_size=[3, 3], strides=[2, 2], padding="same",
           dilation_rate=[1, 1], activation="relu", use_bias=True),
     layer("sep", "SeparableConv2D", ["leaky"], filters=16, kernel_size=[3, 3], strides=[2, 2], padding="same",
           depth_multiplier=1, activation="swish", use_bias=True),
     layer("add", "Add", ["conv_s2", "sep"]),
     layer("avgpool", "AveragePooling2D", ["add"], pool_size=[3, 3], strides=[1, 1], padding="same"),
     layer("dil", "Conv2D", ["add"], filters=4, kernel_size=[2, 2], strides=[1, 1], padding="same",
           dilation_rate=[2, 2], activation="hard_sigmoid", use_bias=True),
     layer("concat", "Concatenate", ["avgpool", "dil", "add"], axis=-1),
     layer("act", "Activation", ["concat"], activation="tanh"),
     layer("maxpool", "MaxPooling2D", ["act"], pool_size=[2, 2], strides=[2, 2], padding="same"),
     layer("flatten", "Flatten", ["maxpool"]),
     layer("fc1", "Dense", ["flatten"], units=10, activation="relu", use_bias=True),
     layer("drop", "Dropout", ["fc1"], rate=0.5),
     layer("fc2", "Dense", ["drop"], units=5, activation="softmax", use_bias=True)]
ex.add("conv1/kernel", [3, 3, 3, 8], "uint8")
bn_weights(ex, "bn1", 8, "uint16")
ex.add("dw/depthwise_kernel", [3, 3, 8, 2], "float32")
ex.add("dw/bias", [16], "uint8")
bn_weights(ex, "bn2", 16, "float32", scale=False)
ex.add("conv_s2/kernel", [3, 3, 16, 16], "uint16")
ex.add("conv_s2/bias", [16], "float32")
ex.add("sep/depthwise_kernel", [3, 3, 16, 1], "uint8")
ex.add("sep/pointwise_kernel", [1, 1, 16, 16], "float32")
ex.add("sep/bias", [16], "float32")
ex.add("dil/kernel", [2, 2, 16, 4], "float32", -1.0, 1.0)
ex.add("dil/bias", [4], "float32")
ex.add("fc1/kernel", [2 * 2 * 36, 10], "uint8", -0.2, 0.2)
ex.add("fc1/bias", [10], "float32")
ex.add("fc2/kernel", [10, 5], "float32", -1.0, 1.0)
ex.add("fc2/bias", [5], "float32")
topology = {"keras_version": "2.2.4", "backend": "tensorflow",
            "model_config": {"class_name": "Model", "config": {"name": "functional", "layers": L,
                             "input_layers": [["input", 0, 0]], "output_layers": [["fc2", 0, 0]]}}}
ex.write(os.path.join(OUT, "functional"), topology)

x = torch.rand(2, 11, 13, 3, dtype=torch.float32) * 2 - 1
h = pad_nhwc(x, 0, 1, 0, 1)
h = conv2d(h, w["conv1/kernel"], None, (2, 2), "valid")
h = relu_layer(batch_norm(h, w, "bn1", 1e-3), max_value=6.0)
h = depthwise(h, w["dw/depthwise_kernel"], w["dw/bias"], (1, 1), "same")
h = relu_layer(batch_norm(h, w, "bn2", 0.01, scale=False), negative_slope=0.1, threshold=0.05)
a = torch.relu(conv2d(h, w["conv_s2/kernel"], w["conv_s2/bias"], (2, 2), "same"))
s = depthwise(h, w["sep/depthwise_kernel"], None, (2, 2), "same")
s = ACT["swish"](conv2d(s, w["sep/pointwise_kernel"], w["sep/bias"], (1, 1), "valid"))
add = a + s
avg = pool(add, (3, 3), (1, 1), "same", "avg")
dil = ACT["hard_sigmoid"](conv2d(add, w["dil/kernel"], w["dil/bias"], (1, 1), "same", (2, 2)))
concat = torch.cat([avg, dil, add], dim=3)
act = torch.tanh(concat)
mp = pool(act, (2, 2), (2, 2), "same", "max")
flat = mp.reshape(mp.shape[0], -1)  # NHWC order
fc1 = torch.relu(flat @ w["fc1/kernel"] + w["fc1/bias"])
out = torch.softmax(fc1 @ w["fc2/kernel"] + w["fc2/bias"], dim=-1)
save("functional whole", "functional", "", x, out)
save("functional cut at add", "functional", "add", x, add)
save("functional cut at act", "functional", "act", x, act)
save("functional cut at fc1", "functional", "fc1", x, fc1)

# ---- a Sequential model in Keras 2.2's form (config = the list of layers, no InputLayer) ---------

ex = Export()
w = ex.values
L = [{"class_name": "Conv2D", "config": {"name": "c1", "batch_input_shape": [None, 8, 8, 2], "filters": 6,
                                         "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                                         "activation": "relu6", "use_bias": True}},
     {"class_name": "BatchNormalization", "config": {"name": "b1", "axis": -1, "epsilon": 0.001, "center": False}},
     {"class_name": "AveragePooling2D", "config": {"name": "p1", "pool_size": [2, 2], "strides": None, "padding": "valid"}},
     {"class_name": "Flatten", "config": {"name": "f1"}},
     {"class_name": "Dense", "config": {"name": "d1", "units": 12, "activation": "elu", "use_bias": True}},
     {"class_name": "Reshape", "config": {"name": "r1", "target_shape": [2, 2, 3]}},
     {"class_name": "Conv2D", "config": {"name": "c2", "filters": 2, "kernel_size": [1, 1], "strides": [1, 1],
                                         "padding": "valid", "activation": "linear", "use_bias": False}},
     {"class_name": "GlobalAveragePooling2D", "config": {"name": "g1"}},
     {"class_name": "Dense", "config": {"name": "d2", "units": 3, "activation": "sigmoid", "use_bias": True}}]
ex.add("c1/kernel", [3, 3, 2, 6], "uint16")
ex.add("c1/bias", [6], "uint8")
bn_weights(ex, "b1", 6, "float32", center=False)
ex.add("d1/kernel", [4 * 4 * 6, 12], "uint8", -0.3, 0.3)
ex.add("d1/bias", [12], "float32")
ex.add("c2/kernel", [1, 1, 3, 2], "float32")
ex.add("d2/kernel", [2, 3], "float32", -2, 2)
ex.add("d2/bias", [3], "uint16")
ex.write(os.path.join(OUT, "sequential"), {"keras_version": "2.1.6", "backend": "tensorflow",
                                           "model_config": {"class_name": "Sequential", "config": L}}, 300)
x = torch.rand(3, 8, 8, 2) * 2 - 1
h = torch.clamp(conv2d(x, w["c1/kernel"], w["c1/bias"], (1, 1), "same"), 0, 6)
h = batch_norm(h, w, "b1", 1e-3, center=False)
h = pool(h, (2, 2), (2, 2), "valid", "avg")
h = F.elu(h.reshape(h.shape[0], -1) @ w["d1/kernel"] + w["d1/bias"])
r1 = h.reshape(h.shape[0], 2, 2, 3)
h = conv2d(r1, w["c2/kernel"], None, (1, 1), "valid").mean(dim=(1, 2))
out = torch.sigmoid(h @ w["d2/kernel"] + w["d2/bias"])
save("sequential whole", "sequential", "", x, out)
save("sequential cut at r1", "sequential", "r1", x, r1)

# ---- Teachable Machine's shape: a Sequential wrapping a functional backbone and a Sequential head --

ex = Export()
w = ex.values
backbone = {"class_name": "Model", "config": {"name": "backbone", "layers": [
    layer("in", "InputLayer", [], batch_input_shape=[None, 9, 9, 3]),
    layer("conv", "Conv2D", ["in"], filters=4, kernel_size=[3, 3], strides=[2, 2], padding="same", activation="linear", use_bias=False),
    layer("conv_bn", "BatchNormalization", ["conv"], axis=-1, epsilon=0.001),
    layer("conv_relu", "ReLU", ["conv_bn"], max_value=6),
    layer("gap", "GlobalAveragePooling2D", ["conv_relu"])],
    "input_layers": [["in", 0, 0]], "output_layers": [["gap", 0, 0]]}}
head = {"class_name": "Sequential", "config": {"name": "head_seq", "layers": [
    {"class_name": "Dense", "config": {"name": "dense_Dense1", "units": 5, "activation": "relu", "use_bias": True}},
    {"class_name": "Dense", "config": {"name": "dense_Dense2", "units": 2, "activation": "softmax", "use_bias": False}}]}}
ex.add("conv/kernel", [3, 3, 3, 4], "uint8")
bn_weights(ex, "conv_bn", 4, "uint8")
ex.add("dense_Dense1/kernel", [4, 5], "float32")
ex.add("dense_Dense1/bias", [5], "float32")
ex.add("dense_Dense2/kernel", [5, 2], "uint16")
ex.write(os.path.join(OUT, "nested"), {"class_name": "Sequential", "config": {"name": "outer", "layers": [backbone, head]},
                                       "keras_version": "2.3.1", "backend": "tensorflow"}, 64)
x = torch.rand(2, 9, 9, 3)
h = conv2d(x, w["conv/kernel"], None, (2, 2), "same")
relu = relu_layer(batch_norm(h, w, "conv_bn", 1e-3), max_value=6.0)
h = relu.mean(dim=(1, 2))
h = torch.relu(h @ w["dense_Dense1/kernel"] + w["dense_Dense1/bias"])
out = torch.softmax(h @ w["dense_Dense2/kernel"], dim=-1)
save("nested whole", "nested", "", x, out)
save("nested cut at conv_relu", "nested", "conv_relu", x, relu)

with open(os.path.join(OUT, "reference.json"), "w") as f:
    json.dump({"cases": cases}, f, indent=1)
