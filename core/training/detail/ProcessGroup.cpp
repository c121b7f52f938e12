#include "core/training/detail/ProcessGroup.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace attune::detail {

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size)
    : d(std::move(impl)), m_rank(rank), m_size(size) {}

ProcessGroup::~ProcessGroup() = default;

Result<std::unique_ptr<ProcessGroup>> ProcessGroup::join(const DistributedLaunch& launch,
                                                         std::chrono::milliseconds timeout) {
  const std::string address = launch.masterAddress.toStdString();
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(launch.masterPort);
    // torchrun's agent hosts the store itself; started otherwise, rank 0 hosts it.
    options.isServer = launch.rank == 0 && !launch.agentStore;
    options.numWorkers = static_cast<std::size_t>(launch.worldSize);
    options.waitWorkers = !launch.agentStore;
    options.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(address, options);
    // Attune's keys apart from the launcher's own.
    auto store = c10::make_intrusive<c10d::PrefixStore>("attune", tcp);
    auto groupOptions = c10d::ProcessGroupGloo::Options::create(timeout);
    groupOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(address));
    auto impl = std::make_unique<Impl>();
    impl->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(store, launch.rank, launch.worldSize, groupOptions);
    return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl), launch.rank, launch.worldSize));
  } catch (const std::exception& error) {
    return Error(
        ErrorCode::Generic,
        QStringLiteral("Process %1 of %2 could not join the others at %3:%4: %5")
            .arg(launch.rank)
            .arg(launch.worldSize)
            .arg(launch.masterAddress)
            .arg(launch.masterPort)
            .arg(QString::fromUtf8(error.what()).section('\n', 0, 0)),
        QStringLiteral("Check that every process was started with the same MASTER_ADDR and MASTER_PORT, "
                       "that the port is free on the first computer and reachable from the others."));
  }
}

// One collective per tensor: a c10d collective's list holds one tensor per device (all of one shape),
// not several tensors of one process.
void ProcessGroup::allReduceMean(std::vector<torch::Tensor>& tensors) {
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one{tensor};
    d->group->allreduce(one)->wait();
    tensor.div_(m_size);
  }
}

void ProcessGroup::allReduceMeanInBuckets(std::vector<torch::Tensor>& tensors, size_t bucketBytes) {
  size_t start = 0;
  while (start < tensors.size()) {
    // [start, end): as many tensors of one dtype as fit in a bucket (at least one).
    size_t end = start;
    size_t bytes = 0;
    while (end < tensors.size() && tensors[end].scalar_type() == tensors[start].scalar_type() &&
           (end == start || bytes + size_t(tensors[end].nbytes()) <= bucketBytes)) {
      bytes += size_t(tensors[end].nbytes());
      ++end;
    }
    std::vector<torch::Tensor> parts;
    for (size_t i = start; i < end; ++i) parts.push_back(tensors[i].reshape({-1}));
    std::vector<torch::Tensor> bucket{torch::cat(parts)};
    allReduceMean(bucket);
    int64_t offset = 0;
    for (size_t i = start; i < end; ++i) {
      const int64_t count = tensors[i].numel();
      tensors[i].copy_(bucket[0].narrow(0, offset, count).view_as(tensors[i]));
      offset += count;
    }
    start = end;
  }
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one{tensor};
    d->group->broadcast(one, options)->wait();
  }
}

void ProcessGroup::barrier() {
  d->group->barrier()->wait();
}

}  // namespace attune::detail
