#!/usr/bin/python3
"""Text training throughput in PyTorch, the counterpart of bench_text_throughput (C++): BERT-base
fine-tuned for two classes, the same training step on the same texts, measured the same way.

    bench_text_throughput.py --prepare FOLDER [--texts 240] [--words 300] [--layers 12]
    bench_text_throughput.py FOLDER [--tokens 64,128] [--batch 8] [--threads 2] [--warmup 2] [--steps 8]

--prepare writes what both sides read: a BERT-base model folder as Hugging Face writes it (config.json,
vocab.txt, model.safetensors under BertModel's parameter names, randomly initialised, no classifier),
and texts.csv (columns text,label) of texts made of the vocabulary's words, each longer than the most
tokens measured, so that every batch has exactly --tokens tokens on both sides.

The model is a hand-written PyTorch module in the shape of Hugging Face's eager
BertForSequenceClassification (nn.Linear, nn.LayerNorm, GELU, softmax attention with an additive
padding mask, dropout 0.1 in embeddings, attention and outputs, tanh pooler, dropout, classifier), as
a PyTorch user who fine-tunes BERT runs it; transformers itself is not installable here. The loop
mirrors Attune's (core/training/detail/Trainer.cpp), as bench_train_throughput.py does for images:
AdamW with a head rate and a backbone rate, weight decay except on 1-d parameters, a warm-up + cosine
factor, cross-entropy with label smoothing 0.1, the loss read each step. The texts are tokenised
before training on both sides (Attune prepares them in advance). Prints per token count
"python bert-TOKENS TOKENS BATCH TEXTS_PER_S MS_PER_STEP", "phases python bert-TOKENS ..." (ms) and the peak
resident memory, as bench_train_throughput.py does.
"""
import argparse
import csv
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from bench_common import LABEL_SMOOTHING, mean_phases, parameter_groups, print_figures, reset_peak_resident, warmup_cosine

# The safetensors writer of the BERT reference models (tests/models).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
from make_text_reference import write_safetensors  # noqa: E402

LR_HEAD, LR_BACKBONE = 1e-3, 2e-5
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
BERT_BASE = {
    "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": 30522, "hidden_size": 768,
    "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
    "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
}


# --- the model: Hugging Face's BERT structure and parameter names, in plain PyTorch -----------------

class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def forward(self, x, additive_mask):
        b, length, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, length, self.heads, d).permute(0, 2, 1, 3)

        scores = split(self.query(x)) @ split(self.key(x)).transpose(-1, -2) / math.sqrt(d) + additive_mask
        weights = self.dropout(torch.softmax(scores, dim=-1))
        return (weights @ split(self.value(x))).permute(0, 2, 1, 3).reshape(b, length, h)


class DenseNorm(nn.Module):
    def __init__(self, c, fan_in):
        super().__init__()
        self.dense = nn.Linear(fan_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c, c["hidden_size"])

    def forward(self, x, additive_mask):
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c, c["intermediate_size"])

    def forward(self, x, additive_mask):
        x = self.attention(x, additive_mask)
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))

    def forward(self, x, additive_mask):
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], h, padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, ids):
        length = ids.shape[1]
        x = self.word_embeddings(ids) + self.position_embeddings.weight[:length] + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(x))


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = Pooler(c)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c, classes):
        super().__init__()
        self.pad = c["pad_token_id"]
        self.bert = Bert(c)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.classifier = nn.Linear(c["hidden_size"], classes)

    def forward(self, ids):
        additive_mask = (ids == self.pad)[:, None, None, :].float() * torch.finfo(torch.float32).min
        x = self.bert.encoder(self.bert.embeddings(ids), additive_mask)
        return self.classifier(self.dropout(self.bert.pooler(x)))


# --- the shared inputs ------------------------------------------------------------------------------

def prepare(args):
    folder = args.prepare
    model_folder = os.path.join(folder, "bert-base")
    os.makedirs(model_folder, exist_ok=True)
    config = dict(BERT_BASE, num_hidden_layers=args.layers)
    words = [f"w{i}" for i in range(config["vocab_size"] - len(SPECIAL))]
    with open(os.path.join(model_folder, "vocab.txt"), "w") as out:
        out.write("\n".join(SPECIAL + words) + "\n")
    with open(os.path.join(model_folder, "config.json"), "w") as out:
        json.dump(config, out, indent=2)
    torch.manual_seed(7)
    model = BertForSequenceClassification(config, 2)
    encoder = {name: value for name, value in model.state_dict().items() if name.startswith("bert.")}
    write_safetensors(os.path.join(model_folder, "model.safetensors"), encoder)
    write_texts(os.path.join(folder, "texts.csv"), words, args.texts, args.words)
    print(f"# wrote {model_folder} ({args.layers} layers) and {args.texts} texts of {args.words} words")


def write_texts(path, words, count, length, seed=7):
    """A table (columns text,label) of `count` texts of `length` words drawn from `words`, labelled good,
    bad, good... (bench_predict_text.py writes its texts with it too)."""
    chooser = random.Random(seed)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        for i in range(count):
            writer.writerow([" ".join(chooser.choice(words) for _ in range(length)), ("good", "bad")[i % 2]])


def read_inputs(folder, tokens):
    with open(os.path.join(folder, "bert-base", "vocab.txt")) as f:
        vocab = {word: i for i, word in enumerate(f.read().split("\n")) if word}
    with open(os.path.join(folder, "bert-base", "config.json")) as f:
        config = json.load(f)
    ids, labels = [], []
    with open(os.path.join(folder, "texts.csv"), newline="") as f:
        for row in csv.DictReader(f):
            pieces = [vocab.get(w, vocab["[UNK]"]) for w in row["text"].lower().split()][: tokens - 2]
            ids.append([vocab["[CLS]"]] + pieces + [vocab["[SEP]"]])
            labels.append(0 if row["label"] == "bad" else 1)
    return config, torch.tensor(ids), torch.tensor(labels)


# --- the loop -----------------------------------------------------------------------------------------

def measure(args, tokens):
    config, ids, labels = read_inputs(args.folder, tokens)
    wanted = args.warmup + args.steps
    steps_per_epoch = ids.shape[0] // args.batch
    if steps_per_epoch < wanted:
        sys.exit(f"{steps_per_epoch} full batches, {wanted} needed: prepare more texts")
    torch.manual_seed(42)
    model = BertForSequenceClassification(config, 2)
    model.train()
    optimizer = torch.optim.AdamW(parameter_groups(model, ("classifier.",), LR_HEAD, LR_BACKBONE), lr=LR_HEAD)
    order = torch.randperm(ids.shape[0])
    loss_sum = torch.zeros((), dtype=torch.float64)
    correct = torch.zeros((), dtype=torch.int64)
    ends, phases = [], []
    for step in range(wanted):
        asked = time.perf_counter()
        rows = order[step * args.batch:(step + 1) * args.batch]
        batch_ids, batch_labels = ids[rows], labels[rows]
        data_wait = time.perf_counter() - asked
        factor = warmup_cosine(step, steps_per_epoch)
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * factor
        optimizer.zero_grad()
        forward = time.perf_counter()
        logits = model(batch_ids)
        loss = F.cross_entropy(logits, batch_labels, label_smoothing=LABEL_SMOOTHING)
        finite = math.isfinite(loss.item())
        forward = time.perf_counter() - forward
        if not finite:
            continue
        backward = time.perf_counter()
        loss.backward()
        backward = time.perf_counter() - backward
        update = time.perf_counter()
        optimizer.step()
        update = time.perf_counter() - update
        loss_sum += loss.detach().double() * batch_labels.numel()
        correct += (logits.detach().argmax(1) == batch_labels).sum()
        ends.append(time.perf_counter())
        phases.append((data_wait, 0.0, forward, backward, update))
    seconds = ends[wanted - 1] - ends[args.warmup - 1]
    mean_ms, ms_per_step = mean_phases(phases, args.warmup, args.steps, seconds)
    return args.steps * args.batch / seconds, ms_per_step, mean_ms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--prepare", metavar="FOLDER")
    parser.add_argument("--texts", type=int, default=240)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--tokens", default="64,128")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    if args.prepare:
        prepare(args)
        return 0
    if not args.folder:
        parser.error("a FOLDER written by --prepare is needed")
    args.warmup = max(1, args.warmup)
    torch.set_num_threads(args.threads)
    print(f"# PyTorch {torch.__version__}: {torch.get_num_threads()} threads, texts tokenised in advance, "
          f"{args.warmup} warm-up + {args.steps} measured steps")
    for tokens in (int(t) for t in args.tokens.split(",")):
        reset = reset_peak_resident()
        per_s, ms_per_step, phases = measure(args, tokens)
        print_figures(f"bert-{tokens}", tokens, args.batch, per_s, ms_per_step, phases, reset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
