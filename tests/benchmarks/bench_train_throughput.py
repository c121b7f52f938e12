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

import torch
import torch.nn.functional as F
import torchvision
from torchvision import transforms

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
HEAD_PREFIXES = ("fc.", "classifier.", "heads.")
LR_HEAD, LR_BACKBONE, WEIGHT_DECAY, LABEL_SMOOTHING, WARMUP_FRACTION = 1e-3, 1e-4, 1e-2, 0.1, 0.05


def parameter_groups(model):
    groups = {(head, decay): [] for head in (False, True) for decay in (True, False)}
    for name, parameter in model.named_parameters():
        groups[(name.startswith(HEAD_PREFIXES), parameter.dim() > 1)].append(parameter)
    result = []
    for (head, decay), parameters in groups.items():
        if parameters:
            result.append({"params": parameters, "lr": LR_HEAD if head else LR_BACKBONE,
                           "weight_decay": WEIGHT_DECAY if decay else 0.0, "base_lr": LR_HEAD if head else LR_BACKBONE})
    return result


def warmup_cosine(step, total):
    warmup = max(1, int(total * WARMUP_FRACTION))
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def reset_peak_resident():
    """Starts this process's peak resident memory afresh (Linux), as the C++ benchmark does."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def peak_resident_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0


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
    optimizer = torch.optim.AdamW(parameter_groups(model), lr=LR_HEAD)
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
    measured = phases[args.warmup:wanted]
    mean_ms = [1000.0 * sum(p[i] for p in measured) / args.steps for i in range(5)]
    ms_per_step = 1000.0 * seconds / args.steps
    mean_ms.append(max(0.0, ms_per_step - sum(mean_ms)))
    return args.steps * args.batch / seconds, ms_per_step, mean_ms


PHASE_NAMES = ("data wait", "to tensor", "forward", "backward", "update", "other")


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
        print(f"python {architecture:<14} {args.size:5d} {args.batch:5d} {images_per_s:10.2f} {ms_per_step:10.1f}")
        print(f"phases python {architecture:<14} " + " ".join(f"{ms:8.1f}" for ms in phases))
        total = sum(phases)
        print(f"# python {architecture}, a step: " + ", ".join(
            f"{name} {ms:.1f} ms ({100.0 * ms / total if total else 0:.0f}%)" for name, ms in zip(PHASE_NAMES, phases)),
            flush=True)
        print(f"memory python {architecture:<14} {peak_resident_mb():8.0f} MB peak resident"
              f"{'' if reset else ' (since the process started)'}, loader workers up to {workers_mb:.0f} MB each",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
