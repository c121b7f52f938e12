#!/usr/bin/python3
"""Writes a folder of real images for the benchmarks: Fashion-MNIST (Debian's dataset-fashion-mnist)
decoded from its IDX files into one sub-folder of PNGs per class.

    make_fashion_mnist_folders.py OUT [--per-class N] [--classes 0,1,7,8] [--side PX]

--side rescales the 28x28 images (bicubic) so that decoding costs about what a small photo costs;
without it the PNGs keep their 28x28 pixels. Rewrites nothing when OUT/.complete says it holds the
same selection already.
"""
import argparse
import gzip
import os
import shutil
import struct
import sys

from PIL import Image

IDX_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = ["tshirt_top", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle_boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--side", type=int, default=28)
    args = parser.parse_args()
    classes = [int(c) for c in args.classes.split(",")]
    stamp = f"per_class={args.per_class} classes={classes} side={args.side}\n"
    marker = os.path.join(args.out, ".complete")
    if os.path.exists(marker) and open(marker).read() == stamp:
        return 0

    shape, pixels = read_idx(os.path.join(IDX_DIR, "train-images-idx3-ubyte.gz"))
    (count,), labels = read_idx(os.path.join(IDX_DIR, "train-labels-idx1-ubyte.gz"))
    if shape[0] != count:
        raise ValueError("the image and label files disagree on the number of images")
    rows, cols = shape[1], shape[2]
    shutil.rmtree(args.out, ignore_errors=True)
    written = {c: 0 for c in classes}
    for c in classes:
        os.makedirs(os.path.join(args.out, CLASS_NAMES[c]))
    for i in range(count):
        c = labels[i]
        if c not in written or written[c] >= args.per_class:
            continue
        start = i * rows * cols
        image = Image.frombytes("L", (cols, rows), pixels[start:start + rows * cols])
        if args.side != cols:
            image = image.resize((args.side, args.side), Image.BICUBIC)
        image.save(os.path.join(args.out, CLASS_NAMES[c], f"{i:05d}.png"))
        written[c] += 1
        if all(n >= args.per_class for n in written.values()):
            break
    with open(marker, "w") as f:
        f.write(stamp)
    print(f"wrote {sum(written.values())} images in {len(classes)} classes to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
