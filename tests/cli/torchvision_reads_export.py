"""Loads an Attune model export into torchvision, as another tool would, and classifies images.

usage: torchvision_reads_export.py EXPORT_DIR OUT_DIR COUNT

Reads attune-export.json (architecture, classes, input), builds torchvision's architecture with one
output per class, loads model.safetensors into it with strict=True (every name and shape must match),
writes COUNT noise images of the export's resize side into OUT_DIR (so that no resampling is
involved) and prints one JSON line per image: {"path": ..., "probabilities": [...]}, with the
preprocessing the manifest describes (centre crop, pixel / 255, mean and std).
The safetensors file is parsed here (8-byte little-endian header length, JSON header, raw data), as
Debian has no safetensors package.
"""

import json
import os
import struct
import sys

import numpy
import torch
import torchvision
from PIL import Image

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        raw = bytearray(data[8 + length + start : 8 + length + end])
        tensors[name] = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"]).clone()
    return tensors


def main():
    export_dir, out_dir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(os.path.join(export_dir, "attune-export.json")) as f:
        manifest = json.load(f)
    assert manifest["format"] == "attune-export", manifest["format"]
    model = getattr(torchvision.models, manifest["architecture"])(num_classes=len(manifest["classes"]))
    model.load_state_dict(read_safetensors(os.path.join(export_dir, manifest["weights"])), strict=True)
    model.eval()

    spec = manifest["input"]
    side, size = spec["resize_shorter_side_to"], spec["size"]
    mean = torch.tensor(spec["mean"]).view(3, 1, 1)
    std = torch.tensor(spec["std"]).view(3, 1, 1)
    generator = numpy.random.default_rng(7)
    os.makedirs(out_dir, exist_ok=True)
    for i in range(count):
        path = os.path.join(out_dir, "probe-%d.png" % i)
        Image.fromarray(generator.integers(0, 256, (side, side, 3), dtype=numpy.uint8)).save(path)
        pixels = torch.from_numpy(numpy.array(Image.open(path).convert("RGB"))).permute(2, 0, 1).float() / 255.0
        top = int(round((side - size) / 2.0))
        pixels = pixels[:, top : top + size, top : top + size]
        with torch.no_grad():
            logits = model(((pixels - mean) / std).unsqueeze(0))
        print(json.dumps({"path": path, "probabilities": torch.softmax(logits, 1)[0].tolist()}))


if __name__ == "__main__":
    main()
