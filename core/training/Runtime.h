#pragma once
// Facts about the compute runtime, without exposing LibTorch.

#include <QString>

#include <optional>

namespace attune {

// The LibTorch version Attune was built against ("1.13.0").
QString torchVersion();
// "cuda" when a CUDA device is usable, else "cpu".
QString computeDeviceName();
// Sets LibTorch's intra-op threads (unset: every core; LibTorch 1.13 defaults to 1 on 2 vCPUs) and
// returns the number in use.
int configureThreads(std::optional<int> threads);

}  // namespace attune
