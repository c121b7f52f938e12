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

void ProcessGroup::allReduceMean(std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return;
  d->group->allreduce(tensors)->wait();
  for (auto& tensor : tensors) tensor.div_(m_size);
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  if (tensors.empty()) return;
  c10d::BroadcastOptions options;
  options.rootRank = root;
  d->group->broadcast(tensors, options)->wait();
}

void ProcessGroup::barrier() {
  d->group->barrier()->wait();
}

}  // namespace attune::detail
