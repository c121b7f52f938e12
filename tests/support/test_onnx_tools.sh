#!/bin/sh
# Proves the ONNX test tools before any exporter uses them:
#   test_onnx_tools.sh [CACHE]   (CACHE: passed to installer/fetch_onnxruntime.sh)
# Makes a tiny model with python3-onnx (x float32 [batch, 3] -> Gemm with a fixed weight and bias ->
# "logits" [batch, 4] -> Softmax -> "probabilities"; opset 17; class names in metadata_props), checks
# it with onnx_check.py (and that the check leaves the file unchanged), runs it with core/eval/onnx_run.js in
# ONNX Runtime at batch 1 and 3, and compares both outputs with numpy's from the same weights (max
# absolute difference <= 1e-5). Then the failures: a node reading a missing input is refused by
# onnx_check.py and by onnx_run.js; a declared output shape that contradicts the inferred one (which the
# checker without full_check accepts) by onnx_check.py; an operator that ONNX Runtime does not know
# by onnx_run.js.
# Needs node, /usr/bin/python3 with python3-onnx and python3-numpy, and what fetch_onnxruntime.sh needs.
# Exit status 0 when every check passes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
root=$(cd "$here/../.." && pwd)
runner="$root/core/eval/onnx_run.js"
modules=$(sh "$root/installer/fetch_onnxruntime.sh" ${1:+"$1"})
work=$(mktemp -d "${TMPDIR:-/tmp}/test_onnx_tools.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

failed=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

# The models, their inputs (raw little-endian .bin + INPUTS json) and numpy's expected outputs.
"$python" - "$work" <<'EOF'
import json, os, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

work = sys.argv[1]
classes = ["cat", "dog", "bird", "fish"]
weight = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.5], [0.125, -0.5, 1.75]], np.float32)
bias = np.array([0.1, -0.2, 0.3, -0.4], np.float32)

def model(nodes, opsets, name, classes_declared=4):
    graph = helper.make_graph(
        nodes, "tiny_classifier",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes_declared]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 4])],
        initializer=[numpy_helper.from_array(weight, "weight"), numpy_helper.from_array(bias, "bias")])
    m = helper.make_model(graph, opset_imports=opsets, producer_name="attune-test", producer_version="0")
    m.ir_version = 8  # ONNX 1.12's; ONNX Runtime 1.30 reads up to 11
    helper.set_model_props(m, {"class_names": json.dumps(classes), "preprocessing": "none"})
    onnx.save(m, os.path.join(work, name))
    return m

onnx17 = [helper.make_opsetid("", 17)]
gemm = helper.make_node("Gemm", ["x", "weight", "bias"], ["logits"], transB=1)
model([gemm, helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)], onnx17, "tiny.onnx")
# Broken: the Gemm reads "features", which nothing produces.
model([helper.make_node("Gemm", ["features", "weight", "bias"], ["logits"], transB=1),
       helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)], onnx17, "missing_input.onnx")
# The graph declares logits [batch, 5] but the Gemm makes [batch, 4]: only full shape inference sees it.
wrong = model([gemm, helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)], onnx17,
              "wrong_shape.onnx", classes_declared=5)
onnx.checker.check_model(wrong)  # the checker without full_check accepts it
# Valid ONNX (a custom domain's operator), but no runtime implements it.
model([gemm, helper.make_node("Frobnicate", ["logits"], ["probabilities"], domain="attune.test")],
      onnx17 + [helper.make_opsetid("attune.test", 1)], "unknown_op.onnx")

x = np.array([[1.0, 2.0, 3.0], [-0.5, 0.25, 4.0], [2.5, -1.5, 0.0]], np.float32)
for batch in (1, 3):
    rows = x[:batch]
    rows.astype("<f4").tofile(os.path.join(work, f"x{batch}.bin"))
    with open(os.path.join(work, f"inputs{batch}.json"), "w") as f:
        json.dump({"x": {"dtype": "float32", "dims": [batch, 3], "file": f"x{batch}.bin"}}, f)
    logits = rows.astype(np.float64) @ weight.T.astype(np.float64) + bias
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.save(os.path.join(work, f"expected{batch}_logits.npy"), logits)
    np.save(os.path.join(work, f"expected{batch}_probabilities.npy"), e / e.sum(axis=1, keepdims=True))
EOF

echo "== onnx_check.py tiny.onnx"
before=$(sha256sum "$work/tiny.onnx")
if "$python" "$here/onnx_check.py" "$work/tiny.onnx"; then pass "onnx_check.py accepts tiny.onnx"; else fail "onnx_check.py refuses tiny.onnx"; fi
if [ "$(sha256sum "$work/tiny.onnx")" = "$before" ]; then pass "onnx_check.py leaves the file unchanged"; else fail "onnx_check.py changed tiny.onnx"; fi

for batch in 1 3; do
  echo "== onnx_run.js tiny.onnx, batch $batch"
  if node "$runner" "$modules" "$work/tiny.onnx" "$work/inputs$batch.json" "$work/outputs$batch.json"; then
    if "$python" - "$work" "$batch" <<'EOF'
import json, os, sys
import numpy as np
work, batch = sys.argv[1], int(sys.argv[2])
with open(os.path.join(work, f"outputs{batch}.json")) as f:
    outputs = json.load(f)
assert sorted(outputs) == ["logits", "probabilities"], f"outputs {sorted(outputs)}"
worst = 0.0
for name, spec in outputs.items():
    assert spec["dtype"] == "float32" and spec["dims"] == [batch, 4], f"{name}: {spec}"
    got = np.fromfile(spec["file"], "<f4").reshape(spec["dims"])
    expected = np.load(os.path.join(work, f"expected{batch}_{name}.npy"))
    difference = float(np.abs(got - expected).max())
    print(f"  {name} {spec['dims']}: max |onnxruntime - numpy| = {difference:.3g}")
    worst = max(worst, difference)
sys.exit(0 if worst <= 1e-5 else 1)
EOF
    then pass "batch $batch matches numpy within 1e-5"; else fail "batch $batch differs from numpy"; fi
  else
    fail "onnx_run.js could not run tiny.onnx at batch $batch"
  fi
done

echo "== the failures"
if "$python" "$here/onnx_check.py" "$work/missing_input.onnx"; then
  fail "onnx_check.py accepts missing_input.onnx"
else pass "onnx_check.py refuses missing_input.onnx"; fi
if "$python" "$here/onnx_check.py" "$work/wrong_shape.onnx"; then
  fail "onnx_check.py accepts wrong_shape.onnx"
else pass "onnx_check.py refuses wrong_shape.onnx (found by full shape inference only)"; fi
if node "$runner" "$modules" "$work/missing_input.onnx" "$work/inputs1.json" "$work/broken.json"; then
  fail "onnx_run.js runs missing_input.onnx"
else pass "onnx_run.js refuses missing_input.onnx"; fi
if node "$runner" "$modules" "$work/unknown_op.onnx" "$work/inputs1.json" "$work/broken.json"; then
  fail "onnx_run.js runs unknown_op.onnx"
else pass "onnx_run.js refuses unknown_op.onnx (an operator ONNX Runtime does not know)"; fi

if [ "$failed" -eq 0 ]; then echo "== all passed"; else echo "== FAILED"; fi
exit "$failed"
