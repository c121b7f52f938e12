#!/usr/bin/python3
"""Tiny BERT / DistilBERT models in Hugging Face's exact format, with reference outputs, for Attune.

transformers is not needed (nor installed): the models are written here from the published
architectures (BERT: Devlin et al. 2018 and Hugging Face's BertForSequenceClassification; DistilBERT:
Sanh et al. 2019 and DistilBertForSequenceClassification) with plain torch.nn.functional, under the
state_dict names and config.json fields of Hugging Face's classes. Each model folder holds config.json
and model.safetensors (written directly) or pytorch_model.bin (torch.save), as save_pretrained writes
them, at tiny sizes with bert-base's shape relations (hidden 32, 2 layers, 4 heads, intermediate 37,
vocabulary 99, 40 positions). Every weight is random, LayerNorm weights and biases included, and large
enough that attention is far from uniform, so that no part can be wrong unnoticed.

<out>/reference.safetensors holds, for each classifier, a batch of token ids padded with the config's
pad_token_id ("<model>.ids", int64 [4, 12], sequences of different lengths), the logits in eval mode
("<model>.logits") and what enters the head ("<model>.features": BERT's pooled output, DistilBERT's
first hidden state).

Variants of real checkpoints (their encoders are the classifier's, so their features are the same):
  bert_legacy      pytorch_model.bin, LayerNorm gamma/beta, BertForPreTraining's cls.* heads, no
                   classifier, a config.json without model_type (as bert-base-uncased's first one)
  bert_bare        BertModel saved alone: no "bert." prefix, no classifier
  bert_5_classes   a classifier for 5 classes (the test builds 3: a fresh head)
  distilbert_mlm   DistilBertForMaskedLM in torch.save's legacy (non-zip) format: vocab_transform,
                   vocab_layer_norm, vocab_projector, no pre_classifier / classifier
"""

import argparse
import json
import math
import os
import struct
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F

VOCAB = 99
HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 37
POSITIONS = 40
CLASSES = 3
BATCH_LENGTHS = [12, 9, 5, 2]  # the first is the padded length
CLS_ID = 2

DTYPE_NAMES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().contiguous()
        data = tensor.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {
            "dtype": DTYPE_NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        for data in chunks:
            out.write(data)


def write_folder(folder, config, tensors, weights="safetensors"):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as out:
        json.dump(config, out, indent=2, sort_keys=True)
    if weights == "safetensors":
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
    else:
        legacy = weights == "bin-legacy"
        torch.save(OrderedDict(tensors), os.path.join(folder, "pytorch_model.bin"),
                   _use_new_zipfile_serialization=not legacy)


# --- random weights ---------------------------------------------------------------------------------

def linear(sd, name, fan_out, fan_in, g):
    sd[name + ".weight"] = torch.randn(fan_out, fan_in, generator=g) / math.sqrt(fan_in)
    sd[name + ".bias"] = torch.randn(fan_out, generator=g) * 0.1


def layer_norm(sd, name, width, g, weight="weight", bias="bias"):
    sd[f"{name}.{weight}"] = torch.empty(width).uniform_(0.5, 1.5, generator=g)
    sd[f"{name}.{bias}"] = torch.randn(width, generator=g) * 0.1


def bert_state(config, g, classes):
    sd = OrderedDict()
    h, inter = config["hidden_size"], config["intermediate_size"]
    sd["bert.embeddings.word_embeddings.weight"] = torch.randn(VOCAB, h, generator=g)
    sd["bert.embeddings.position_embeddings.weight"] = torch.randn(POSITIONS, h, generator=g)
    sd["bert.embeddings.token_type_embeddings.weight"] = torch.randn(config["type_vocab_size"], h, generator=g)
    layer_norm(sd, "bert.embeddings.LayerNorm", h, g)
    for i in range(config["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."
        for part in ("query", "key", "value"):
            linear(sd, p + "attention.self." + part, h, h, g)
        linear(sd, p + "attention.output.dense", h, h, g)
        layer_norm(sd, p + "attention.output.LayerNorm", h, g)
        linear(sd, p + "intermediate.dense", inter, h, g)
        linear(sd, p + "output.dense", h, inter, g)
        layer_norm(sd, p + "output.LayerNorm", h, g)
    linear(sd, "bert.pooler.dense", h, h, g)
    linear(sd, "classifier", classes, h, g)
    return sd


def sinusoidal(positions, width):
    table = torch.empty(positions, width)
    for pos in range(positions):
        for j in range(width):
            angle = pos / math.pow(10000, 2 * (j // 2) / width)
            table[pos, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return table


def distilbert_state(config, g, classes):
    sd = OrderedDict()
    h, inter = config["dim"], config["hidden_dim"]
    sd["distilbert.embeddings.word_embeddings.weight"] = torch.randn(VOCAB, h, generator=g)
    if config["sinusoidal_pos_embds"]:
        sd["distilbert.embeddings.position_embeddings.weight"] = sinusoidal(POSITIONS, h)
    else:
        sd["distilbert.embeddings.position_embeddings.weight"] = torch.randn(POSITIONS, h, generator=g)
    layer_norm(sd, "distilbert.embeddings.LayerNorm", h, g)
    for i in range(config["n_layers"]):
        p = f"distilbert.transformer.layer.{i}."
        for part in ("q_lin", "k_lin", "v_lin", "out_lin"):
            linear(sd, p + "attention." + part, h, h, g)
        layer_norm(sd, p + "sa_layer_norm", h, g)
        linear(sd, p + "ffn.lin1", inter, h, g)
        linear(sd, p + "ffn.lin2", h, inter, g)
        layer_norm(sd, p + "output_layer_norm", h, g)
    linear(sd, "pre_classifier", h, h, g)
    linear(sd, "classifier", classes, h, g)
    return sd


# --- forward passes (eval mode: no dropout) -----------------------------------------------------------

def activation(x, name):
    if name == "gelu":
        return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    if name == "relu":
        return x.clamp(min=0)
    raise ValueError(name)


def norm(x, sd, name, eps):
    mean = x.mean(-1, keepdim=True)
    var = (x - mean).pow(2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * sd[name + ".weight"] + sd[name + ".bias"]


def dense(x, sd, name):
    return x @ sd[name + ".weight"].t() + sd[name + ".bias"]


def attention(x, sd, q, k, v, mask, heads):
    b, length, h = x.shape
    d = h // heads

    def split(t):
        return t.view(b, length, heads, d).permute(0, 2, 1, 3)

    scores = split(dense(x, sd, q)) @ split(dense(x, sd, k)).transpose(-1, -2) / math.sqrt(d)
    # The additive mask: masked keys get the most negative float32 value.
    scores = scores + (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    weights = torch.softmax(scores, dim=-1)
    return (weights @ split(dense(x, sd, v))).permute(0, 2, 1, 3).reshape(b, length, h)


def bert_forward(sd, config, ids):
    eps, act = config["layer_norm_eps"], config["hidden_act"]
    mask = ids != config["pad_token_id"]
    length = ids.shape[1]
    x = (sd["bert.embeddings.word_embeddings.weight"][ids]
         + sd["bert.embeddings.position_embeddings.weight"][:length]
         + sd["bert.embeddings.token_type_embeddings.weight"][0])
    x = norm(x, sd, "bert.embeddings.LayerNorm", eps)
    for i in range(config["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."
        s = p + "attention.self."
        context = attention(x, sd, s + "query", s + "key", s + "value", mask, config["num_attention_heads"])
        x = norm(dense(context, sd, p + "attention.output.dense") + x, sd, p + "attention.output.LayerNorm", eps)
        inner = activation(dense(x, sd, p + "intermediate.dense"), act)
        x = norm(dense(inner, sd, p + "output.dense") + x, sd, p + "output.LayerNorm", eps)
    pooled = torch.tanh(dense(x[:, 0], sd, "bert.pooler.dense"))
    return pooled, dense(pooled, sd, "classifier")


def distilbert_forward(sd, config, ids):
    eps, act = 1e-12, config["activation"]
    mask = ids != config["pad_token_id"]
    length = ids.shape[1]
    x = sd["distilbert.embeddings.word_embeddings.weight"][ids] + \
        sd["distilbert.embeddings.position_embeddings.weight"][:length]
    x = norm(x, sd, "distilbert.embeddings.LayerNorm", eps)
    for i in range(config["n_layers"]):
        p = f"distilbert.transformer.layer.{i}."
        a = p + "attention."
        context = attention(x, sd, a + "q_lin", a + "k_lin", a + "v_lin", mask, config["n_heads"])
        x = norm(dense(context, sd, a + "out_lin") + x, sd, p + "sa_layer_norm", eps)
        inner = dense(activation(dense(x, sd, p + "ffn.lin1"), act), sd, p + "ffn.lin2")
        x = norm(inner + x, sd, p + "output_layer_norm", eps)
    first = x[:, 0]
    hidden = dense(first, sd, "pre_classifier").clamp(min=0)
    return first, dense(hidden, sd, "classifier")


# --- configs ----------------------------------------------------------------------------------------

def labels(count):
    return {str(i): f"LABEL_{i}" for i in range(count)}, {f"LABEL_{i}": i for i in range(count)}


def bert_config(**changes):
    id2label, label2id = labels(CLASSES)
    config = {
        "architectures": ["BertForSequenceClassification"], "model_type": "bert",
        "attention_probs_dropout_prob": 0.1, "classifier_dropout": None, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "hidden_size": HIDDEN, "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE, "layer_norm_eps": 1e-12, "max_position_embeddings": POSITIONS,
        "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "pad_token_id": 0,
        "position_embedding_type": "absolute", "type_vocab_size": 2, "vocab_size": VOCAB,
        "id2label": id2label, "label2id": label2id, "transformers_version": "4.30.0",
    }
    config.update(changes)
    return config


def distilbert_config(**changes):
    id2label, label2id = labels(CLASSES)
    config = {
        "architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert",
        "activation": "gelu", "attention_dropout": 0.1, "dim": HIDDEN, "dropout": 0.1,
        "hidden_dim": INTERMEDIATE, "initializer_range": 0.02, "max_position_embeddings": POSITIONS,
        "n_heads": HEADS, "n_layers": LAYERS, "pad_token_id": 0, "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2, "sinusoidal_pos_embds": False, "tie_weights_": True,
        "vocab_size": VOCAB, "id2label": id2label, "label2id": label2id,
    }
    config.update(changes)
    return config


def padded_ids(g, pad):
    """Token ids [4, 12]: [CLS] then random real tokens, padded with `pad` to the longest."""
    rows = []
    for length in BATCH_LENGTHS:
        row = [CLS_ID]
        while len(row) < length:
            token = int(torch.randint(4, VOCAB, (1,), generator=g))
            if token != pad:
                row.append(token)
        rows.append(row + [pad] * (BATCH_LENGTHS[0] - length))
    return torch.tensor(rows, dtype=torch.int64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder for the model folders and reference.safetensors")
    args = parser.parse_args()
    torch.manual_seed(20261130)
    g = torch.Generator().manual_seed(5)
    reference = {}

    classifiers = [
        ("bert", bert_config(), bert_state, bert_forward),
        ("bert_tanh", bert_config(hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-7, classifier_dropout=0.3,
                                  type_vocab_size=16, pad_token_id=3), bert_state, bert_forward),
        ("distilbert", distilbert_config(), distilbert_state, distilbert_forward),
        ("distilbert_relu", distilbert_config(activation="relu", sinusoidal_pos_embds=True, pad_token_id=1),
         distilbert_state, distilbert_forward),
    ]
    states = {}
    with torch.no_grad():
        for name, config, make_state, forward in classifiers:
            sd = make_state(config, g, CLASSES)
            ids = padded_ids(g, config["pad_token_id"])
            features, logits = forward(sd, config, ids)
            reference[name + ".ids"] = ids
            reference[name + ".features"] = features
            reference[name + ".logits"] = logits
            tensors = OrderedDict(sd)
            if name == "bert":  # the buffer some checkpoints carry
                tensors["bert.embeddings.position_ids"] = torch.arange(POSITIONS).unsqueeze(0)
            write_folder(os.path.join(args.out, name), config, tensors)
            states[name] = sd
            print(f"{name}: {len(sd)} tensors, max |logit| {logits.abs().max():.3f}")

        bert = states["bert"]
        encoder = OrderedDict((k, v) for k, v in bert.items() if k.startswith("bert."))

        legacy = OrderedDict()
        for key, value in encoder.items():
            key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
            legacy[key] = value
        legacy["cls.predictions.bias"] = torch.randn(VOCAB, generator=g)
        linear(legacy, "cls.predictions.transform.dense", HIDDEN, HIDDEN, g)
        layer_norm(legacy, "cls.predictions.transform.LayerNorm", HIDDEN, g, "gamma", "beta")
        legacy["cls.predictions.decoder.weight"] = legacy["bert.embeddings.word_embeddings.weight"]  # tied
        linear(legacy, "cls.seq_relationship", 2, HIDDEN, g)
        old_config = bert_config(architectures=["BertForPreTraining"])
        for key in ("model_type", "id2label", "label2id", "transformers_version", "classifier_dropout",
                    "position_embedding_type", "pad_token_id"):
            del old_config[key]
        write_folder(os.path.join(args.out, "bert_legacy"), old_config, legacy, weights="bin")

        bare = OrderedDict((k[len("bert."):], v) for k, v in encoder.items())
        write_folder(os.path.join(args.out, "bert_bare"), bert_config(architectures=["BertModel"]), bare)

        five = OrderedDict(encoder)
        linear(five, "classifier", 5, HIDDEN, g)
        id2label, label2id = labels(5)
        write_folder(os.path.join(args.out, "bert_5_classes"), bert_config(id2label=id2label, label2id=label2id),
                     five)

        distil = states["distilbert"]
        mlm = OrderedDict((k, v) for k, v in distil.items() if k.startswith("distilbert."))
        linear(mlm, "vocab_transform", HIDDEN, HIDDEN, g)
        layer_norm(mlm, "vocab_layer_norm", HIDDEN, g)
        mlm["vocab_projector.weight"] = mlm["distilbert.embeddings.word_embeddings.weight"]  # tied
        mlm["vocab_projector.bias"] = torch.randn(VOCAB, generator=g)
        write_folder(os.path.join(args.out, "distilbert_mlm"),
                     distilbert_config(architectures=["DistilBertForMaskedLM"]), mlm, weights="bin-legacy")

    write_safetensors(os.path.join(args.out, "reference.safetensors"), reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
