"""What the PyTorch twins of the benchmarks share: Attune's optimiser groups and schedule
(core/training/detail/Trainer.cpp), the process's peak memory, how an average step's phases are printed,
and a safetensors reader (Debian has no safetensors package)."""
import json
import math
import mmap
import struct

SAFETENSORS_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64"}
WEIGHT_DECAY, LABEL_SMOOTHING, WARMUP_FRACTION = 1e-2, 0.1, 0.05
PHASE_NAMES = ("data wait", "to tensor", "forward", "backward", "update", "other")


def parameter_groups(model, head_prefixes, lr_head, lr_backbone):
    """AdamW groups as Attune makes them: a head rate and a backbone rate, weight decay except on 1-d
    parameters; each group keeps its base rate for the schedule."""
    groups = {(head, decay): [] for head in (False, True) for decay in (True, False)}
    for name, parameter in model.named_parameters():
        groups[(name.startswith(head_prefixes), parameter.dim() > 1)].append(parameter)
    return [{"params": ps, "lr": lr_head if head else lr_backbone, "base_lr": lr_head if head else lr_backbone,
             "weight_decay": WEIGHT_DECAY if decay else 0.0}
            for (head, decay), ps in groups.items() if ps]


def warmup_cosine(step, total):
    warmup = max(1, int(total * WARMUP_FRACTION))
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def reset_peak_resident():
    """Starts this process's peak resident memory afresh (Linux), as the C++ benchmarks do."""
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


def mean_phases(phases, warmup, steps, seconds):
    """From per-step (data wait, to tensor, forward, backward, update) seconds: ms per measured step of
    each phase and of the rest ("other"), and ms per step."""
    measured = phases[warmup:warmup + steps]
    mean_ms = [1000.0 * sum(p[i] for p in measured) / steps for i in range(5)]
    ms_per_step = 1000.0 * seconds / steps
    mean_ms.append(max(0.0, ms_per_step - sum(mean_ms)))
    return mean_ms, ms_per_step


def print_figures(name, size, batch, per_s, ms_per_step, phases, reset, extra_memory=""):
    """The lines run_throughput.sh / run_text_throughput.sh read (bench_lib.sh), as the C++ side prints them."""
    print(f"python {name:<14} {size:5d} {batch:5d} {per_s:10.2f} {ms_per_step:10.1f}")
    print(f"phases python {name:<14} " + " ".join(f"{ms:8.1f}" for ms in phases))
    total = sum(phases)
    print(f"# python {name}, a step: " + ", ".join(
        f"{phase} {ms:.1f} ms ({100.0 * ms / total if total else 0:.0f}%)" for phase, ms in zip(PHASE_NAMES, phases)),
        flush=True)
    print(f"memory python {name:<14} {peak_resident_mb():8.0f} MB peak resident"
          f"{'' if reset else ' (since the process started)'}{extra_memory}", flush=True)


def read_safetensors(path):
    """The tensors of a .safetensors file (8-byte little-endian header length, JSON header, raw data) as
    views of the file mapped copy-on-write, as the safetensors package maps it: nothing is read until a
    tensor is used (load_state_dict copies them into the model)."""
    import torch

    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    (length,) = struct.unpack("<Q", mapped[:8])
    header = json.loads(mapped[8:8 + length])
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        dtype = getattr(torch, SAFETENSORS_DTYPES[entry["dtype"]])
        start, end = entry["data_offsets"]
        count = (end - start) // torch.empty((), dtype=dtype).element_size()
        tensors[name] = (torch.frombuffer(mapped, dtype=dtype, count=count, offset=8 + length + start)
                         if count else torch.empty(0, dtype=dtype)).reshape(entry["shape"])
    return tensors
