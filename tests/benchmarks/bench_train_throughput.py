#!/usr/bin/python3
"""The PyTorch counterpart of bench_train_throughput (C++): the same training step on the same image
folder, measured the same way, with Debian's torch 1.13 + torchvision 0.14.

    bench_train_throughput.py DATA_FOLDER [--arch resnet18,mobilenet_v2] [--size 160] [--batch 32]
                              [--threads 2] [--workers 2] [--warmup 5] [--steps 20]

Mirrors Attune's loop (core/training/detail/Trainer.cpp): random initialisation, AdamW with a head
rate (1e-3) and a backbone rate (1e-4), weight decay 1e-2 except on 1-d parameters, a warm-up + cosine
factor set on every group each step, cross-entropy with label smoothing 0.1, the loss read each step,
running loss and accuracy sums. Data: ImageFolder (PIL) -> RandomResizedCrop -> RandomHorizontalFlip
-> ToTensor -> ImageNet Normalize, DataLoader(shuffle, num_workers). Prints
"python ARCH INPUT BATCH IMAGES_PER_S MS_PER_STEP" per architecture, then where an average measured
step's time went: "phases python ARCH DATA_WAIT TO_TENSOR FORWARD BACKWARD UPDATE OTHER" (ms). The
timers only read the clock: the loop does what it did without them.
"""
import argparse
import math
import resource
import sys
import time

from bench_common import (LABEL_SMOOTHING, mean_phases, parameter_groups, print_figures, reset_peak_resident,
                          warmup_cosine)

import torch
import torch.nn.functional as F
import torchvision
from torchvision import transforms

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
HEAD_PREFIXES = ("fc.", "classifier.", "heads.")
LR_HEAD, LR_BACKBONE = 1e-3, 1e-4


def measure(args, architecture):
    transform = transforms.Compose([
        transforms.RandomResizedCrop(args.size),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    dataset = torchvision.datasets.ImageFolder(args.data, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, shuffle=True,
                                         num_workers=args.workers, drop_last=True)
    wanted = args.warmup + args.steps
    if len(loader) < wanted:
        sys.exit(f"{len(loader)} full batches, {wanted} needed: use more images per class")
    torch.manual_seed(42)
    # A vision transformer's position embeddings are made for the input size (Attune resizes them).
    sized = {"image_size": args.size} if architecture.startswith("vit_") else {}
    model = getattr(torchvision.models, architecture)(num_classes=len(dataset.classes), **sized)
    model.train()
    optimizer = torch.optim.AdamW(parameter_groups(model, HEAD_PREFIXES, LR_HEAD, LR_BACKBONE), lr=LR_HEAD)
    loss_sum = torch.zeros((), dtype=torch.float64)
    correct = torch.zeros((), dtype=torch.int64)
    ends = []
    # Where each step's time goes, as Attune's StepPhases: waiting for the loader's batch (the
    # DataLoader hands tensors: nothing is left to make), forward with the loss and its read, backward,
    # the optimiser's step; the rest of the step is "other".
    phases = []
    batches = iter(loader)
    step = 0
    while True:
        asked = time.perf_counter()
        try:
            images, labels = next(batches)
        except StopIteration:
            break
        data_wait = time.perf_counter() - asked
        factor = warmup_cosine(step, len(loader))
        step += 1
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * factor
        optimizer.zero_grad()
        forward = time.perf_counter()
        logits = model(images)
        loss = F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)
        finite = math.isfinite(loss.item())
        forward = time.perf_counter() - forward
        if not finite:
            continue
        backward = time.perf_counter()
        loss.backward()
        backward = time.perf_counter() - backward
        update = time.perf_counter()
        optimizer.step()
        update = time.perf_counter() - update
        loss_sum += loss.detach().double() * labels.numel()
        correct += (logits.detach().argmax(1) == labels).sum()
        ends.append(time.perf_counter())
        phases.append((data_wait, 0.0, forward, backward, update))
        if len(ends) >= wanted:
            break
    seconds = ends[wanted - 1] - ends[args.warmup - 1]
    mean_ms, ms_per_step = mean_phases(phases, args.warmup, args.steps, seconds)
    return args.steps * args.batch / seconds, ms_per_step, mean_ms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--arch", default="resnet18,mobilenet_v2")
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    args.warmup = max(1, args.warmup)
    torch.set_num_threads(args.threads)
    print(f"# PyTorch {torch.__version__} / torchvision {torchvision.__version__}: {torch.get_num_threads()} "
          f"threads, {args.workers} loader workers, {args.warmup} warm-up + {args.steps} measured steps")
    for architecture in args.arch.split(","):
        reset = reset_peak_resident()
        images_per_s, ms_per_step, phases = measure(args, architecture)
        # The loader's workers are processes of their own: the largest one's peak (Linux: kB) is printed
        # beside the main process's (each also counts pages it shares with the main process).
        workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6
        print_figures(architecture, args.size, args.batch, images_per_s, ms_per_step, phases, reset,
                      f", loader workers up to {workers_mb:.0f} MB each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
