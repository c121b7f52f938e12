#!/bin/bash
# A real full disk (issue 20, item 5): attune-cli `labels --export` and `import-weights` write onto a
# 256 KiB tmpfs too small for what they write. Each must exit non-zero, print no "Wrote", say that the
# disk is full, leave an older file of the same name byte for byte as it was, and leave no partial or
# temporary file. A small export onto the same disk must still succeed.
#
# Usage: full_disk.sh ATTUNE_CLI
# Mounting a tmpfs needs root (or an unprivileged user namespace: the script falls back to
# `unshare -rm`). The mount lives in a private mount namespace, so it disappears with the script even
# if the script is killed. Where neither works (a container without CAP_SYS_ADMIN), the test FAILS with
# a message saying so: it never passes without having filled a disk.
set -u

cli=${1:?usage: full_disk.sh ATTUNE_CLI}

if [[ "${ATTUNE_FULL_DISK_INSIDE:-}" != 1 ]]; then
  export ATTUNE_FULL_DISK_INSIDE=1
  if [[ $(id -u) == 0 ]] && unshare -m --propagation private true 2>/dev/null; then
    exec unshare -m --propagation private "$0" "$@"
  elif unshare -rm true 2>/dev/null; then
    exec unshare -rm "$0" "$@"
  fi
  echo "FAIL: cannot mount a small tmpfs here (neither root with mount namespaces nor unprivileged" \
    "user namespaces are available), so the full-disk test could not run. Run it as root, or in a" \
    "container started with --cap-add SYS_ADMIN." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'umount "$work/disk" "$work/disk60" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/disk"
if ! mount -t tmpfs -o size=256k tmpfs "$work/disk"; then
  echo "FAIL: mount -t tmpfs -o size=256k failed, so the full-disk test could not run." >&2
  exit 1
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Checks one command that must fail on the full disk. $1: name, $2: target, then the command.
expect_disk_full() {
  local name=$1 target=$2
  shift 2
  printf 'old content of %s\n' "$name" >"$target"
  local before
  before=$(sha256sum "$target" | cut -d' ' -f1)
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  [[ $status != 0 ]] || fail "$name: exit status 0 on a full disk"
  ! grep -q "Wrote" "$work/out" || fail "$name: printed 'Wrote' on a full disk: $(cat "$work/out")"
  grep -q "the disk is full" "$work/err" || fail "$name: stderr does not say the disk is full: $(cat "$work/err")"
  [[ $(sha256sum "$target" | cut -d' ' -f1) == "$before" ]] || fail "$name: the old $target was changed"
  local stray
  stray=$(find "$work/disk" -type f ! -path "$target")
  [[ -z "$stray" ]] || fail "$name: files left on the disk: $stray"
  rm -f "$target"
  echo "$name: exit $status; $(head -c 300 "$work/err")"
}

# A text project of 20,000 labelled texts: its label export (~1 MB) cannot fit in 256 KiB.
python3 - "$work/texts.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as out:
    out.write("text,label\n")
    for i in range(20000):
        out.write(f"review number {i} of a film that was {'good' if i % 2 else 'bad'} enough,{'pos' if i % 2 else 'neg'}\n")
EOF
"$cli" new "$work/texts.attune" --task text --data "$work/texts.csv" >/dev/null 2>"$work/err" ||
  { echo "FAIL: could not create the project: $(cat "$work/err")" >&2; exit 1; }
expect_disk_full "labels --export" "$work/disk/labels.csv" "$cli" labels "$work/texts.attune" --export "$work/disk/labels.csv"

# A 1 MB safetensors file: its import cannot fit either.
python3 - "$work/big.safetensors" <<'EOF'
import json, struct, sys
count = 262144  # float32 values: 1 MiB
header = json.dumps({"weight": {"dtype": "F32", "shape": [count], "data_offsets": [0, 4 * count]}}).encode()
header += b" " * (-len(header) % 8)
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<Q", len(header)) + header + struct.pack("<f", 0.5) * count)
EOF
expect_disk_full "import-weights" "$work/disk/imported.safetensors" "$cli" import-weights "$work/big.safetensors" --out "$work/disk/imported.safetensors"

# The same disk takes a file that fits: the failures above were the disk's, not the mount's.
head -n 200 "$work/texts.csv" >"$work/small.csv"
"$cli" new "$work/small.attune" --task text --data "$work/small.csv" >/dev/null 2>&1
if "$cli" labels "$work/small.attune" --export "$work/disk/small.csv" >"$work/out" 2>"$work/err"; then
  [[ $(wc -l <"$work/disk/small.csv") == 200 ]] || fail "the small export is not whole"
else
  fail "a small export onto the disk failed: $(cat "$work/err")"
fi

# An ONNX export onto a 60 MB disk: the Attune folder of a ResNet-18 (45 MB) fits, its model.onnx (45 MB
# more) does not. The export fails saying the disk is full and leaves no folder, whole or half.
mkdir -p "$work/disk60" "$work/images"
if mount -t tmpfs -o size=60m tmpfs "$work/disk60"; then
  /usr/bin/python3 - "$work/images" <<'EOF'
import os, sys
from PIL import Image
for c, colour in enumerate([(200, 30, 30), (30, 30, 200)]):
    os.makedirs(f"{sys.argv[1]}/class_{c}")
    for i in range(4):
        Image.new("RGB", (32, 32), tuple(max(0, v - 20 * i) for v in colour)).save(f"{sys.argv[1]}/class_{c}/{i}.png")
EOF
  "$cli" new "$work/images.attune" --task image --data "$work/images" --model resnet18 --set model.input_size=32 >/dev/null 2>&1
  "$cli" train "$work/images.attune" --set epochs=1 --set batch_size=4 >/dev/null 2>&1 || fail "could not train the image project"
  "$cli" export "$work/images.attune" --format onnx --out "$work/disk60/model" >"$work/out" 2>"$work/err"
  status=$?
  [[ $status != 0 ]] || fail "export --format onnx: exit status 0 on a full disk"
  grep -q "the disk is full" "$work/err" || fail "export --format onnx: stderr does not say the disk is full: $(cat "$work/err")"
  grep -q "$work/disk60/model" "$work/err" && ! grep -q "partial" "$work/err" ||
    fail "export --format onnx: the message does not name the chosen folder: $(cat "$work/err")"
  stray=$(find "$work/disk60" -mindepth 1)
  [[ -z "$stray" ]] || fail "export --format onnx: left on the disk: $stray"
  echo "export --format onnx: exit $status; $(head -c 300 "$work/err")"
else
  fail "mount -t tmpfs -o size=60m failed"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "full disk: every write failed cleanly"
