#!/usr/bin/python3
"""Reads a Hugging Face folder exported by Attune as Transformers reads it, without Transformers (not
installable here): config.json's "architectures" names the class, model.safetensors holds its
parameters under Transformers' names, and the classifier's forward pass is
make_text_reference.py's plain-torch BertForSequenceClassification / DistilBertForSequenceClassification
(eval mode), which reads the parameters by those names only. Compares its probabilities for the given
token ids with Attune's.

usage: hf_folder_reference.py FOLDER IDS.bin MASK.bin ATTUNE_PROBABILITIES.bin ROWS LENGTH
IDS and MASK are int64 [ROWS, LENGTH] (the mask 1 at tokens, 0 at padding); the probabilities float32
[ROWS, num_labels]. Prints the largest difference; exit status 0 when it is at most 1e-4, 1 otherwise.
"""
import json
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "models"))
sys.path.insert(0, os.path.join(here, "..", "benchmarks"))
from bench_common import read_safetensors  # noqa: E402
from make_text_reference import bert_forward, distilbert_forward  # noqa: E402


def main():
    folder, ids_path, mask_path, probabilities_path = sys.argv[1:5]
    rows, length = int(sys.argv[5]), int(sys.argv[6])
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    state = {name: tensor.clone() for name, tensor in read_safetensors(os.path.join(folder, "model.safetensors")).items()}
    ids = torch.frombuffer(bytearray(open(ids_path, "rb").read()), dtype=torch.int64).reshape(rows, length)
    mask = torch.frombuffer(bytearray(open(mask_path, "rb").read()), dtype=torch.int64).reshape(rows, length)
    # Transformers masks by attention_mask; the forward passes mask the pad id: they agree here.
    assert torch.equal(mask.bool(), ids != config["pad_token_id"]), "the mask is not the padding"
    architecture = config["architectures"][0]
    forward = {"BertForSequenceClassification": bert_forward,
               "DistilBertForSequenceClassification": distilbert_forward}[architecture]
    with torch.no_grad():
        _, logits = forward(state, config, ids)
    probabilities = torch.softmax(logits, dim=-1)
    labels = config["num_labels"]
    expected = torch.frombuffer(bytearray(open(probabilities_path, "rb").read()), dtype=torch.float32).reshape(rows, labels)
    difference = (probabilities - expected).abs().max().item()
    print(f"{architecture}: largest probability difference {difference:.2e} over {rows} texts "
          f"(first: {[round(p, 4) for p in probabilities[0].tolist()]})")
    return 0 if difference <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
