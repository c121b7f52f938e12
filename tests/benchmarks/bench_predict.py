#!/usr/bin/python3
"""The PyTorch counterpart of bench_predict (C++): the same images classified the same way, with
Debian's torch 1.13 + torchvision 0.14.

    bench_predict.py DATA_FOLDER [--arch resnet18,mobilenet_v2] [--size 96] [--images 1000]
                     [--threads 2] [--workers 1]

The first N image files under DATA_FOLDER sorted by path (as the C++ program takes them), each
decoded (PIL), resized so its shorter side is round(size * 256 / 224), centre-cropped to size,
normalised with ImageNet's mean and std; batches of 32 (the Predictor's) from a DataLoader with one
worker process (the Predictor's loader has one worker thread); a torchvision model in eval mode under
no_grad; softmax of each batch. Prints "python ARCH INPUT IMAGES IMAGES_PER_S SECONDS".
"""
import argparse
import os
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
BATCH = 32


class Files(torch.utils.data.Dataset):
    def __init__(self, paths, transform):
        self.paths, self.transform = paths, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        with Image.open(self.paths[index]) as image:
            return self.transform(image.convert("RGB"))


def images_under(folder):
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.join(root, name) for name in files if name.endswith((".png", ".jpg"))]
    return sorted(found)


def classify(model, loader):
    rows = []
    with torch.no_grad():
        for batch in loader:
            rows.append(torch.softmax(model(batch), 1))
    return torch.cat(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--arch", default="resnet18,mobilenet_v2")
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    args, _ = parser.parse_known_args()  # run_predict.sh passes the C++ program's options too
    torch.set_num_threads(args.threads)
    paths = images_under(args.data)[: max(1, args.images)]
    classes = len([d for d in os.listdir(args.data) if os.path.isdir(os.path.join(args.data, d))])
    transform = transforms.Compose([
        transforms.Resize(round(args.size * 256 / 224)),
        transforms.CenterCrop(args.size),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    print(f"# PyTorch {torch.__version__} / torchvision {torchvision.__version__}: {torch.get_num_threads()} "
          f"threads, {args.workers} loader workers, batch {BATCH}, {len(paths)} images")
    for architecture in args.arch.split(","):
        torch.manual_seed(42)
        model = getattr(torchvision.models, architecture)(num_classes=classes).eval()
        loader = lambda files: torch.utils.data.DataLoader(Files(files, transform), batch_size=BATCH,
                                                           num_workers=args.workers)
        classify(model, loader(paths[:BATCH]))  # warm-up, as the C++ program does
        start = time.perf_counter()
        rows = classify(model, loader(paths))
        seconds = time.perf_counter() - start
        assert rows.shape == (len(paths), classes)
        print(f"python {architecture:<14} {args.size:5d} {len(paths):6d} {len(paths) / seconds:10.2f} {seconds:8.2f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
