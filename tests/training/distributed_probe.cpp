// A training process's first steps in a data-parallel run, as test_distributed starts it under PyTorch's
// own launcher: reads torchrun's environment (DistributedLaunch), joins the other processes
// (ProcessGroup: c10d's TCPStore and ProcessGroupGloo), then averages a tensor over all of them,
// takes rank 0's copy of another, waits at a barrier, and prints one JSON line:
//   {"rank": R, "world": W, "local_rank": L, "mean": [...], "broadcast": [...]}
// Exit status 1 with the reason on stderr when the launch or the join fails.
#include "core/training/DistributedLaunch.h"
#include "core/training/detail/ProcessGroup.h"

#include <cstdio>

int main() {
  using namespace attune;
  auto launch = distributedLaunchFrom(QProcessEnvironment::systemEnvironment());
  if (!launch) {
    std::fprintf(stderr, "%s\n", qPrintable(launch.error().text()));
    return 1;
  }
  auto group = attune::detail::ProcessGroup::join(*launch, std::chrono::seconds(60));
  if (!group) {
    std::fprintf(stderr, "%s\n", qPrintable(group.error().text()));
    return 1;
  }
  std::vector<torch::Tensor> averaged{torch::full({4}, double(launch->rank + 1))};
  (*group)->allReduceMean(averaged);
  std::vector<torch::Tensor> shared{torch::arange(3, torch::kFloat32) + 10.0 * launch->rank};
  (*group)->broadcast(shared, 0);
  (*group)->barrier();
  const auto list = [](const torch::Tensor& t) {
    QStringList values;
    for (int64_t i = 0; i < t.numel(); ++i) values << QString::number(t[i].item<double>());
    return values.join(',');
  };
  std::printf("{\"rank\": %d, \"world\": %d, \"local_rank\": %d, \"mean\": [%s], \"broadcast\": [%s]}\n",
              launch->rank, launch->worldSize, launch->localRank, qPrintable(list(averaged[0])),
              qPrintable(list(shared[0])));
  return 0;
}
