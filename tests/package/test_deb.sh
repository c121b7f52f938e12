#!/usr/bin/env bash
# The Debian package as a user meets it (issue 21): built with cpack from BUILD_DIR, installed with
# apt-get like any .deb, then the installed attune-cli answers --version and trains a small project for
# one epoch, the installed window starts (offscreen) and saves a picture of itself, the desktop entry,
# MIME type, icon, AppStream metainfo (appstreamcli validate) and man pages are where a desktop looks,
# and after `apt-get purge` nothing of it is left in /usr.
#
#   tests/package/test_deb.sh [BUILD_DIR]      (as root; default BUILD_DIR: build)
#
# It installs into /usr: run it on a machine (or container) for tests, as CI does. Exits non-zero, saying
# what failed, on any failure; the package is removed again in every case.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
[[ $(id -u) == 0 ]] || { echo "test_deb.sh: run as root (it installs the package)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/attune-deb-XXXXXX")
fail() { echo "test_deb.sh: FAILED: $*" >&2; exit 1; }
if dpkg -s attune >/dev/null 2>&1; then fail "a package named attune is installed already; remove it first"; fi

started=$SECONDS
(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || { tail -20 "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$build"/attune_*_amd64.deb | head -n1)
echo "== built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $((SECONDS - started)) s"
echo "   Depends: $(dpkg-deb -f "$deb" Depends)"

find /usr -xdev | sort >"$work/before"
cleanup() {
  apt-get purge -y attune >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" >"$work/install.log" 2>&1 || {
  tail -20 "$work/install.log" >&2; fail "apt-get install ./$(basename "$deb")"; }

# Where a desktop looks for it.
for file in /usr/bin/attune /usr/bin/attune-cli /usr/share/applications/io.github.attune.Attune.desktop \
  /usr/share/mime/packages/io.github.attune.Attune.xml /usr/share/icons/hicolor/scalable/apps/io.github.attune.Attune.svg \
  /usr/share/metainfo/io.github.attune.Attune.metainfo.xml /usr/share/man/man1/attune.1.gz \
  /usr/share/man/man1/attune-cli.1.gz; do
  [[ -e $file ]] || fail "$file is not installed"
done
appstreamcli validate --no-net /usr/share/metainfo/io.github.attune.Attune.metainfo.xml >"$work/appstream.log" 2>&1 ||
  { cat "$work/appstream.log" >&2; fail "appstreamcli validate"; }
grep -q 'application/x-attune-project' /usr/share/mime/packages/io.github.attune.Attune.xml || fail "MIME type"
zcat /usr/share/man/man1/attune-cli.1.gz | grep -q '^\.TH ATTUNE-CLI' || fail "attune-cli's man page"

# The installed programs, not the build's.
version=$(/usr/bin/attune-cli --version) || fail "attune-cli --version"
[[ $version == "attune-cli "* ]] || fail "attune-cli --version printed '$version'"
echo "== installed: $version"
/usr/bin/python3 - "$work/images" <<'PY'
import os, struct, sys, zlib
def png(path, rgb, side=32):
    raw = b"".join(b"\x00" + bytes(rgb) * side for _ in range(side))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for name, rgb in (("red", (220, 30, 30)), ("blue", (30, 60, 220))):
    os.makedirs(os.path.join(sys.argv[1], name), exist_ok=True)
    for i in range(8):
        png(os.path.join(sys.argv[1], name, f"{i}.png"), [min(255, c + 4 * i) for c in rgb])
PY
/usr/bin/attune-cli new "$work/p.attune" --task image --data "$work/images" --model resnet18 \
  --set model.input_size=32 >"$work/new.log" 2>&1 || { cat "$work/new.log" >&2; fail "attune-cli new"; }
/usr/bin/attune-cli train "$work/p.attune" --set epochs=1 --set batch_size=4 >"$work/train.log" 2>&1 ||
  { cat "$work/train.log" >&2; fail "attune-cli train (one epoch)"; }
grep -q "^Finished 1 epoch\." "$work/train.log" || { cat "$work/train.log" >&2; fail "the one-epoch run did not finish"; }
echo "== installed attune-cli trained one epoch: $(grep -o 'Best validation accuracy [0-9.]*%' "$work/train.log")"
QT_QPA_PLATFORM=offscreen HOME="$work/home" timeout 60 /usr/bin/attune "$work/p.attune" --screenshot "$work/window.png" \
  --screenshot-after-ms 1500 >"$work/gui.log" 2>&1 || { cat "$work/gui.log" >&2; fail "the installed window did not start"; }
[[ -s $work/window.png ]] || fail "the installed window saved no picture of itself"
echo "== installed window started offscreen"

DEBIAN_FRONTEND=noninteractive apt-get purge -y attune >"$work/purge.log" 2>&1 || {
  tail -20 "$work/purge.log" >&2; fail "apt-get purge attune"; }
find /usr -xdev | sort >"$work/after"
# Caches that Debian's triggers rebuild (MIME, icons, desktop entries) may be new; nothing else.
left=$(comm -13 "$work/before" "$work/after" |
  grep -v -E '^/usr/share/(mime/[^/]+$|mime/[^/]+/[^/]+\.xml$|icons/hicolor/icon-theme\.cache$|applications/mimeinfo\.cache$)' || true)
[[ -z $left ]] || fail "left in /usr after purge: $left"
if find /usr -xdev -iname '*attune*' | grep -q .; then fail "left in /usr: $(find /usr -xdev -iname '*attune*')"; fi
echo "== removed: nothing left in /usr ($((SECONDS - started)) s in all)"
