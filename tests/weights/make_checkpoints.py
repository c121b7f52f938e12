"""Writes the PyTorch checkpoints test_pytorch_checkpoint reads, into the folder given as argv[1].

For each checkpoint NAME.pt(h) it also writes NAME.expected.safetensors: every tensor the reader
must return, as contiguous little-endian bytes (written here with the standard library only), so
that the C++ test compares bytes exactly. Malicious files carry a payload that would create
MARKER if anything executed it.
"""
import json
import os
import struct
import sys
import zipfile

import torch
import torchvision

OUT = sys.argv[1]
LEGACY = dict(_use_new_zipfile_serialization=False)

DTYPE_NAMES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def raw_bytes(tensor):
    flat = tensor.detach().contiguous().reshape(-1)
    if flat.dtype == torch.bool:
        flat = flat.to(torch.uint8)
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""


def write_expected(name, tensors):
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        data = raw_bytes(tensors[key])
        header[key] = {"dtype": DTYPE_NAMES[tensors[key].dtype], "shape": list(tensors[key].shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(OUT, name + ".expected.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def save_both(name, obj, expected):
    torch.save(obj, os.path.join(OUT, name + "_zip.pt"))
    torch.save(obj, os.path.join(OUT, name + "_legacy.pt"), **LEGACY)
    write_expected(name, expected)


torch.manual_seed(0)

# A real torchvision model, random weights (includes num_batches_tracked int64 scalars and _metadata).
resnet = torchvision.models.resnet18().state_dict()
save_both("resnet18", resnet, dict(resnet))

# Every dtype, a 0-d tensor and an empty one.
dtypes = {
    "f32": torch.randn(3, 4),
    "f64": torch.randn(5, dtype=torch.float64),
    "f16": torch.randn(2, 3).half(),
    "bf16": torch.randn(2, 3).bfloat16(),
    "i64": torch.tensor([-(2**40), 0, 2**62], dtype=torch.int64),
    "i32": torch.tensor([-7, 1 << 30], dtype=torch.int32),
    "i16": torch.tensor([-300, 300], dtype=torch.int16),
    "i8": torch.tensor([-128, 127, 3], dtype=torch.int8),
    "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
save_both("dtypes", dtypes, dtypes)

# Shared storage and non-contiguous views, saved as they are.
base = torch.arange(24, dtype=torch.float32)
matrix = torch.randn(3, 5)
tied = torch.randn(4, 2)
views = {
    "first_half": base[:12].view(3, 4),
    "second_half": base[12:].view(2, 6),
    "transposed": matrix.t(),
    "strided": base[1::3],
    "column": matrix[:, 2],
    "expanded": torch.randn(3, 1).expand(3, 4),
    "tied_a": tied,
    "tied_b": tied,
    "param": torch.nn.Parameter(torch.randn(2, 2)),
}
save_both("views", views, views)

# A training checkpoint wrapping the state_dict.
model = torch.nn.Linear(3, 2)
optimizer = torch.optim.Adam(model.parameters())
model(torch.randn(4, 3)).sum().backward()
optimizer.step()
wrapped = {"state_dict": model.state_dict(), "epoch": 3, "optimizer": optimizer.state_dict()}
save_both("wrapped", wrapped, dict(model.state_dict()))
save_both("model_key", {"model": model.state_dict(), "step": 10}, dict(model.state_dict()))


# Malicious: unpickling would call os.system.
class Payload:
    def __reduce__(self):
        return (os.system, ("touch " + os.path.join(OUT, "MARKER"),))


evil = {"weight": torch.randn(2), "payload": Payload()}
torch.save(evil, os.path.join(OUT, "evil_zip.pt"))
torch.save(evil, os.path.join(OUT, "evil_legacy.pt"), **LEGACY)

# The same archive rewritten with compressed entries, which torch.save never writes.
with zipfile.ZipFile(os.path.join(OUT, "dtypes_zip.pt")) as source, \
        zipfile.ZipFile(os.path.join(OUT, "deflated.pt"), "w", zipfile.ZIP_DEFLATED) as target:
    for info in source.infolist():
        target.writestr(info.filename, source.read(info.filename))

# A small valid checkpoint, the seed of the random mutations.
small = {"w": torch.arange(6, dtype=torch.float32).view(2, 3), "b": torch.tensor([1, 2], dtype=torch.int64)}
save_both("small", small, small)

# Hostile by size: one stored element expanded to 2^31 (8 GiB if copied out).
torch.save({"x": torch.zeros(1).expand(1 << 31)}, os.path.join(OUT, "expanded_huge.pt"))
