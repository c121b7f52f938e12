#pragma once
// Internal (LibTorch): an optimiser's per-parameter state (Adam's moments and step counts, SGD's
// momentum buffers) as named tensors, so a checkpoint can hold it in a safetensors file and a resumed
// run continues with exactly the same state. Names: "optim.g<group>.p<index>.<field>", where group and
// index follow the optimiser's parameter groups, which a resumed run rebuilds in the same order.

#include "core/common/Result.h"
#include "core/weights/TensorData.h"

#include <torch/torch.h>

namespace attune::detail {

// Adds the state of every parameter that has one to `out` (CPU copies).
void saveOptimizerState(torch::optim::Optimizer& optimizer, TensorMap& out);
// The same tensors as sources (TensorData.h) that refer to the optimiser's state: write them before the
// next step.
void saveOptimizerState(torch::optim::Optimizer& optimizer, TensorSources& out);

// Replaces the optimiser's state by the one in `tensors` (other names are ignored). Errors: a
// tensor of the wrong shape, a state for a parameter the optimiser does not have, or a state of
// another optimiser kind.
Status restoreOptimizerState(torch::optim::Optimizer& optimizer, const TensorMap& tensors);

// The CPU random generator's state (dropout, stochastic depth), and setting it back.
TensorData cpuGeneratorState();
Status restoreCpuGeneratorState(const TensorData& state);

}  // namespace attune::detail
