#pragma once
// Facts about the compute runtime, without exposing LibTorch.

#include <QString>

#include <cstddef>
#include <optional>

namespace attune {

// The LibTorch version Attune was built against ("1.13.0").
QString torchVersion();
// "cuda" when a CUDA device is usable, else "cpu".
QString computeDeviceName();
// Sets LibTorch's intra-op threads (unset: every core; LibTorch 1.13 defaults to 1 on 2 vCPUs) and
// returns the number in use. Also puts the CPU memory cache in place (useCpuMemoryCache), and sets
// LibTorch's inter-op threads to one, once per process (interOpThreads).
int configureThreads(std::optional<int> threads);
// LibTorch's inter-op pool runs operations side by side only for TorchScript's fork and a few
// operations that Attune's eager loop does not use; by default it would make a thread per core, idle
// but competing with the compute threads and image workers when woken. Attune asks for one.
int interOpThreads();

// LibTorch's CPU tensors from now on come from an allocator that keeps freed blocks of 64 KiB and more
// and hands them out again (detail/CpuMemoryCache.cpp says why: page faults). Idempotent; the
// environment variable ATTUNE_CPU_MEMORY_CACHE=off turns the reuse off.
void useCpuMemoryCache();
// Turns the reuse on or off (off also frees what is cached); installs the allocator if needed.
void setCpuMemoryCacheEnabled(bool enabled);
// Gives every cached block back to the system (a run's end).
void releaseCachedCpuMemory();
// How many freed bytes the cache may keep (by default an eighth of the memory, at most 2 GiB); more
// are given back to the system, the largest blocks first. Returns the previous limit.
size_t setCpuMemoryCacheLimit(size_t bytes);
// Bytes freed by tensors and kept for reuse.
size_t cachedCpuMemoryBytes();

}  // namespace attune
