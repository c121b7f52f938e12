#!/usr/bin/env python3
"""Builds Attune's demo project from Debian's dataset-fashion-mnist (MIT licence).

Writes a few hundred real Fashion-MNIST images as PNG files in one sub-folder per class, then creates
the project with attune-cli. Uses only Python's standard library. Running it again reuses what exists.
"""
import argparse
import gzip
import os
import struct
import subprocess
import sys
import zlib

DATASET_DIR = "/usr/share/datasets/fashion-mnist"
# Fashion-MNIST label index -> folder name. Four classes that a small CPU run tells apart quickly.
CLASSES = {0: "t-shirt", 1: "trouser", 7: "sneaker", 8: "bag"}
IMAGES_PER_CLASS = 80


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x801:
        return count, None, data[8:]
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return count, (rows, cols), data[16:]
    raise ValueError(f"{path}: not an IDX file (magic {magic:#x})")


def png_bytes(width, height, gray):
    """An 8-bit grayscale PNG (colour type 0), one filter byte (0) per row."""
    raw = b"".join(b"\x00" + gray[y * width:(y + 1) * width] for y in range(height))

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write_images(images_dir):
    count, (rows, cols), pixels = read_idx(os.path.join(DATASET_DIR, "train-images-idx3-ubyte.gz"))
    label_count, _, labels = read_idx(os.path.join(DATASET_DIR, "train-labels-idx1-ubyte.gz"))
    if label_count != count:
        raise ValueError("Fashion-MNIST images and labels disagree in count")
    written = {label: 0 for label in CLASSES}
    size = rows * cols
    for index in range(count):
        label = labels[index]
        if label not in CLASSES or written[label] >= IMAGES_PER_CLASS:
            continue
        folder = os.path.join(images_dir, CLASSES[label])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{index:05d}.png")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(png_bytes(cols, rows, pixels[index * size:(index + 1) * size]))
        written[label] += 1
        if all(n >= IMAGES_PER_CLASS for n in written.values()):
            break
    return sum(written.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="demo folder to create")
    parser.add_argument("--cli", required=True, help="path of attune-cli")
    args = parser.parse_args()

    demo_dir = os.path.join(os.path.abspath(args.out), "fashion")
    images_dir = os.path.join(demo_dir, "images")
    project = os.path.join(demo_dir, "fashion.attune")
    total = write_images(images_dir)
    print(f"Demo images: {total} Fashion-MNIST images in {images_dir}")
    if os.path.exists(project):
        print(f"Demo project already exists: {project}")
        return 0
    # Small inputs and a short run so that the first training finishes in about a minute on a laptop CPU.
    command = [args.cli, "new", project, "--task", "image", "--data", images_dir, "--model", "resnet18",
               "--set", "model.input_size=64", "--set", "epochs=4", "--set", "batch_size=32",
               "--set", "optim.lr_head=0.003", "--set", "optim.lr_backbone=0.003",
               "--set", "augment.random_resized_crop=false"]
    result = subprocess.run(command)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
