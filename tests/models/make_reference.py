#!/usr/bin/python3
"""Reference outputs of torchvision's image classifiers for Attune's parity test.

For each architecture: a model with random weights (BatchNorm parameters and running statistics
randomised too, so that BatchNorm is not the identity; every parameter that torchvision initialises
to a constant - biases, LayerNorm weights, ConvNeXt's layer scale, ViT's class token - made random
as well, so that none of them can be wrong unnoticed), a random input batch and the logits of the
model in eval mode, written as <out>/<architecture>.safetensors. The metadata records every
state_dict name with its shape ("state_dict": JSON object name -> shape) so the test can compare
Attune's names and shapes with torchvision's exactly.

Needs only the Python standard library and torch/torchvision (Debian's python3-torchvision 0.14):
the safetensors format is written here directly. Files that already exist are kept (a cache).
"""

import argparse
import json
import os
import struct
import sys

import torch
import torchvision

ARCHITECTURES = [
    "resnet18",
    "resnet34",
    "resnet50",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_b0",
    "convnext_tiny",
    "vit_b_16",
]
NUM_CLASSES = 7
BATCH = 2
SIZE = 224
TARGET_MAX_LOGIT = 5.0

DTYPE_NAMES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def tensor_bytes(tensor):
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name]
        data = tensor_bytes(tensor)
        header[name] = {
            "dtype": DTYPE_NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # the data section starts 8-byte aligned
    temporary = path + ".part"
    with open(temporary, "wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        for data in chunks:
            out.write(data)
    os.replace(temporary, path)


def randomise_batch_norms(model, generator):
    """Running statistics measured on random images, then perturbed, and random affine parameters.

    Statistics that roughly fit the activations keep the logits of the deep networks at a few units
    (purely random statistics let ResNet-50's grow into the hundreds, where a fixed absolute
    tolerance means little); the perturbation makes sure no BatchNorm is close to the identity.
    """
    calibration = torch.randn(4, 3, SIZE, SIZE, generator=generator)
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not batch_norms:
        return  # ViT: nothing to calibrate
    momenta = [module.momentum for module in batch_norms]
    for module in batch_norms:
        module.reset_running_stats()
        module.momentum = None  # a cumulative average over the calibration batch
    model.train()
    with torch.no_grad():
        model(calibration)
        for module, momentum in zip(batch_norms, momenta):
            channels = module.num_features
            module.momentum = momentum
            module.weight.copy_(torch.empty(channels).uniform_(0.5, 1.5, generator=generator))
            module.bias.copy_(torch.empty(channels).normal_(0.0, 0.1, generator=generator))
            module.running_mean.add_(torch.empty(channels).normal_(0.0, 0.1, generator=generator))
            module.running_var.mul_(torch.empty(channels).uniform_(0.8, 1.25, generator=generator))
            module.num_batches_tracked.fill_(int(torch.randint(1, 10000, (1,), generator=generator)))


def randomise_constants(model, generator, head):
    """Random values for the parameters that torchvision initialises to one constant.

    Zero biases, LayerNorm weights of one, ConvNeXt's layer scale of 1e-6 and ViT's zero class token
    would let a model that ignores them (or mixes them up) pass the test. Scales stay positive and
    near one; ConvNeXt's layer scale becomes large enough for every block to matter. Models with
    none of these (ResNet, MobileNetV2: their BatchNorms are already random) draw nothing, so their
    references do not change. The head is left to randomise_head.
    """
    head_parameters = {id(parameter) for parameter in head.parameters()}
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if id(parameter) in head_parameters:
                continue
            flat = parameter.reshape(-1)
            if flat.numel() < 2 or not bool((flat == flat[0]).all()):
                continue
            if name.endswith("layer_scale"):
                parameter.copy_(torch.empty_like(parameter).uniform_(0.1, 1.0, generator=generator))
            elif float(flat[0]) == 1.0:
                parameter.copy_(torch.empty_like(parameter).uniform_(0.5, 1.5, generator=generator))
            else:
                parameter.copy_(torch.empty_like(parameter).normal_(0.0, 0.1, generator=generator))


def head_of(model):
    """The classification head: the last Linear layer (fc, classifier[-1], heads.head)."""
    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]


def randomise_head(model, generator, image):
    """A random head scaled so that the largest logit is a few units for every architecture.

    ResNet-50's random features reach tens of units and MobileNetV2's own head initialisation gives
    logits near 0.1; either would make a fixed absolute tolerance too loose or too strict.
    """
    head = head_of(model)
    with torch.no_grad():
        head.weight.copy_(torch.empty_like(head.weight).normal_(0.0, 1.0, generator=generator))
        head.bias.copy_(torch.empty_like(head.bias).normal_(0.0, 0.1, generator=generator))
        scale = TARGET_MAX_LOGIT / model(image).abs().max()
        head.weight.mul_(scale)
        head.bias.mul_(scale)


def make_reference(architecture, path):
    torch.manual_seed(20240611)
    generator = torch.Generator().manual_seed(7)
    model = getattr(torchvision.models, architecture)(num_classes=NUM_CLASSES)
    randomise_batch_norms(model, generator)
    model.eval()
    image = torch.randn(BATCH, 3, SIZE, SIZE, generator=generator)
    randomise_constants(model, generator, head_of(model))
    randomise_head(model, generator, image)
    with torch.no_grad():
        logits = model(image)

    state = model.state_dict()
    shapes = {name: list(tensor.shape) for name, tensor in state.items()}
    tensors = dict(state)
    tensors["input"] = image
    tensors["logits"] = logits
    metadata = {
        "architecture": architecture,
        "num_classes": str(NUM_CLASSES),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "state_dict": json.dumps(shapes, sort_keys=True),
    }
    write_safetensors(path, tensors, metadata)
    print(f"{architecture}: {len(state)} state_dict tensors, max |logit| {logits.abs().max():.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for <architecture>.safetensors")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    for architecture in ARCHITECTURES:
        path = os.path.join(args.out, architecture + ".safetensors")
        if not os.path.exists(path):
            make_reference(architecture, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
