#pragma once
// Internal (LibTorch): bfloat16 autocast for the forward pass. The parameters stay float32 (the
// optimiser updates float32 master weights); matrix multiplies and convolutions run in bfloat16 inside
// the guard. Autocast state is thread-local: the guard is made on the training thread.

#include <torch/torch.h>

#include <ATen/autocast_mode.h>

namespace attune::detail {

// True when this CPU computes bfloat16 natively (AVX512-BF16 or AMX), so autocast is a speed-up and
// not an emulation.
bool cpuHasNativeBFloat16();

class AutocastGuard {
 public:
  AutocastGuard(bool enabled, const torch::Device& device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool m_enabled;
  bool m_cuda;
  bool m_wasEnabled = false;
  at::ScalarType m_previousType = at::kBFloat16;
};

}  // namespace attune::detail
