#pragma once
// Internal (LibTorch): the processes of a data-parallel run joined through PyTorch's own distributed
// package (c10d): a TCPStore at MASTER_ADDR:MASTER_PORT (hosted by rank 0, or by torchrun's agent) and
// ProcessGroupGloo on it, whose collectives work on CPU tensors. Attune invents no transport.

#include "core/common/Result.h"
#include "core/training/DistributedLaunch.h"

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <vector>

namespace attune::detail {

class ProcessGroup {
 public:
  // Joins the other processes of `launch`; every one must call it within `timeout`. Errors: the store
  // or the group could not be reached or made (the reason, and the address).
  static Result<std::unique_ptr<ProcessGroup>> join(const DistributedLaunch& launch,
                                                    std::chrono::milliseconds timeout);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return m_rank; }
  int size() const { return m_size; }

  // Each tensor becomes the mean of that tensor over every process (in place; CPU tensors).
  void allReduceMean(std::vector<torch::Tensor>& tensors);
  // The same, in buckets of about `bucketBytes` (each bucket one flat tensor, one collective): how
  // gradients are averaged before the optimiser's step. Tensors of one bucket share a dtype.
  void allReduceMeanInBuckets(std::vector<torch::Tensor>& tensors, size_t bucketBytes = 25u << 20);
  // Each tensor becomes `root`'s (in place).
  void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
  // Returns once every process has called it.
  void barrier();

 private:
  struct Impl;
  ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size);
  std::unique_ptr<Impl> d;
  int m_rank = 0;
  int m_size = 1;
};

}  // namespace attune::detail
