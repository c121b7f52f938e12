#!/bin/sh
# The examples of docs/use-your-model-elsewhere.md, run as a reader would run them, on a real (tiny)
# export: docs/examples/classify_with_torchvision.py (PyTorch + torchvision, no Attune) and
# docs/examples/classify_with_onnxruntime.js (Node.js + ONNX Runtime on model.onnx) classify probe
# images and give what `attune-cli predict` gives on the same images (max |probability difference|
# <= 1e-4); the probes are noise at the export's resize side, so that no resampling is involved. The
# page shows each example file verbatim (its C++ example, which needs ONNX Runtime's C++ headers, is
# only checked for that).
#   test_doc_examples.sh ATTUNE_CLI ONNXRUNTIME_CACHE
set -eu
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=/usr/bin/python3
modules=$(sh "$root/installer/fetch_onnxruntime.sh" "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/test_doc_examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# A tiny image project, one epoch, exported as ONNX.
"$python" - "$work/images" <<'PY'
import os, sys, torch, torchvision
torch.manual_seed(3)
for c, name in enumerate(["circle", "square"]):
    os.makedirs(f"{sys.argv[1]}/{name}")
    for i in range(6):
        image = torch.rand(3, 40, 40) * 0.3
        image[c, 10:30, 10:30] += 0.6
        torchvision.utils.save_image(image, f"{sys.argv[1]}/{name}/{i}.png")
PY
"$cli" new "$work/p.attune" --task image --data "$work/images" --model resnet18 --set model.input_size=32 >/dev/null
"$cli" train "$work/p.attune" --set epochs=1 --set batch_size=4 >/dev/null
"$cli" export "$work/p.attune" --format onnx --out "$work/export" >/dev/null

# Probes at the resize side, as PNG (for Python) and PPM (for Node), and Attune's own answers.
"$python" - "$work/export" "$work/probes" <<'PY'
import json, os, sys, torch
from PIL import Image
side = json.load(open(f"{sys.argv[1]}/attune-export.json"))["input"]["resize_shorter_side_to"]
os.makedirs(sys.argv[2])
torch.manual_seed(5)
for i in range(3):
    pixels = (torch.rand(side, side, 3) * 255).to(torch.uint8).numpy()
    Image.fromarray(pixels).save(f"{sys.argv[2]}/{i}.png")
    with open(f"{sys.argv[2]}/{i}.ppm", "wb") as f:
        f.write(f"P6\n{side} {side}\n255\n".encode() + pixels.tobytes())
PY
"$cli" predict "$work/export" "$work/probes/0.png" "$work/probes/1.png" "$work/probes/2.png" --json >"$work/attune.json"
"$python" "$root/docs/examples/classify_with_torchvision.py" "$work/export" \
  "$work/probes/0.png" "$work/probes/1.png" "$work/probes/2.png" >"$work/torchvision.txt"
NODE_PATH="$modules/node_modules" node "$root/docs/examples/classify_with_onnxruntime.js" "$work/export" \
  "$work/probes/0.ppm" "$work/probes/1.ppm" "$work/probes/2.ppm" >"$work/node.txt"

"$python" - "$work" "$root" <<'PY'
import json, sys
work, root = sys.argv[1], sys.argv[2]
classes = json.load(open(f"{work}/export/attune-export.json"))["classes"]
attune = [[line["probabilities"][c] for c in classes]
          for line in map(json.loads, open(f"{work}/attune.json")) if line.get("event") == "prediction"]
assert len(attune) == 3, attune
failed = False
for name in ("torchvision", "node"):
    rows = [[float(x) for x in line.split()[2:]] for line in open(f"{work}/{name}.txt")]
    difference = max(abs(a - b) for r, s in zip(rows, attune) for a, b in zip(r, s)) if len(rows) == 3 else 1.0
    ok = len(rows) == 3 and difference <= 1e-4
    failed |= not ok
    print(f"{'PASS' if ok else 'FAIL'}: the {name} example gives Attune's probabilities (max difference {difference:.2e})")
page = open(f"{root}/docs/use-your-model-elsewhere.md").read()
for example in ("classify_with_torchvision.py", "classify_with_onnxruntime.js", "classify_with_onnxruntime.cpp"):
    ok = open(f"{root}/docs/examples/{example}").read().strip() in page
    failed |= not ok
    print(f"{'PASS' if ok else 'FAIL'}: the page shows docs/examples/{example} as it is")
sys.exit(1 if failed else 0)
PY
