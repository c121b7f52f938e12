// A training process's first steps in a data-parallel run, as test_distributed starts it under PyTorch's
// own launcher: reads torchrun's environment (DistributedLaunch), joins the other processes
// (ProcessGroup: c10d's TCPStore and ProcessGroupGloo), then averages a tensor over all of them,
// takes rank 0's copy of another, waits at a barrier, and prints one JSON line:
//   {"rank": R, "world": W, "local_rank": L, "mean": [...], "broadcast": [...], "sgd_difference": D}
// D: after 6 SGD steps of a small network on global batches of 8, each rank taking its shard (shardOf)
// and the gradients averaged in small buckets (several per step), the largest difference between its
// weights and those of one process taking each whole batch (computed here too, from the same seeds).
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

  constexpr int kSteps = 6;
  constexpr int64_t kBatch = 8;
  torch::manual_seed(1);
  const torch::Tensor inputs = torch::randn({kSteps * kBatch, 5});
  const torch::Tensor targets = torch::randint(0, 3, {kSteps * kBatch});
  const auto makeModel = [] {
    torch::manual_seed(2);
    return torch::nn::Sequential(torch::nn::Linear(5, 7), torch::nn::ReLU(), torch::nn::Linear(7, 3));
  };
  auto whole = makeModel();
  auto parallel = makeModel();
  {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> start = parallel->parameters();
    (*group)->broadcast(start, 0);  // every rank starts from rank 0's weights
  }
  torch::optim::SGD wholeStep(whole->parameters(), torch::optim::SGDOptions(0.1));
  torch::optim::SGD parallelStep(parallel->parameters(), torch::optim::SGDOptions(0.1));
  for (int step = 0; step < kSteps; ++step) {
    std::vector<int64_t> order(kBatch);
    for (int64_t i = 0; i < kBatch; ++i) order[size_t(i)] = step * kBatch + i;
    const auto batch = torch::tensor(order, torch::kInt64);
    wholeStep.zero_grad();
    torch::nn::functional::cross_entropy(whole->forward(inputs.index_select(0, batch)),
                                         targets.index_select(0, batch))
        .backward();
    wholeStep.step();
    const auto shard = torch::tensor(attune::shardOf(order, launch->rank, launch->worldSize), torch::kInt64);
    parallelStep.zero_grad();
    torch::nn::functional::cross_entropy(parallel->forward(inputs.index_select(0, shard)),
                                         targets.index_select(0, shard))
        .backward();
    std::vector<torch::Tensor> gradients;
    for (auto& parameter : parallel->parameters()) gradients.push_back(parameter.grad());
    (*group)->allReduceMeanInBuckets(gradients, /*bucketBytes=*/64);
    parallelStep.step();
  }
  double sgdDifference = 0.0;
  for (size_t i = 0; i < whole->parameters().size(); ++i)
    sgdDifference = std::max(sgdDifference,
                             (whole->parameters()[i] - parallel->parameters()[i]).abs().max().item<double>());

  const auto list = [](const torch::Tensor& t) {
    QStringList values;
    for (int64_t i = 0; i < t.numel(); ++i) values << QString::number(t[i].item<double>());
    return values.join(',');
  };
  std::printf(
      "{\"rank\": %d, \"world\": %d, \"local_rank\": %d, \"mean\": [%s], \"broadcast\": [%s], "
      "\"sgd_difference\": %.3g}\n",
      launch->rank, launch->worldSize, launch->localRank, qPrintable(list(averaged[0])),
      qPrintable(list(shared[0])), sgdDifference);
  return 0;
}
