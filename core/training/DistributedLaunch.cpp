#include "core/training/DistributedLaunch.h"

namespace attune {
namespace {

Error launchError(const QString& what) {
  return Error(
      ErrorCode::BadValue, QStringLiteral("The distributed launch is set up wrongly: %1.").arg(what),
      QStringLiteral("Start the processes with torchrun (python3 -m torch.distributed.run), which sets "
                     "RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT for each."));
}

// The whole number in `name`, `fallback` when unset or empty; nullopt when it is not a whole number.
std::optional<int> numberIn(const QProcessEnvironment& environment, const char* name, int fallback) {
  const QString text = environment.value(QLatin1String(name)).trimmed();
  if (text.isEmpty()) return fallback;
  bool ok = false;
  const int value = text.toInt(&ok);
  return ok ? std::optional<int>(value) : std::nullopt;
}

}  // namespace

Result<DistributedLaunch> distributedLaunchFrom(const QProcessEnvironment& environment) {
  DistributedLaunch launch;
  const auto read = [&](const char* name, int fallback, int& out) -> Status {
    const auto value = numberIn(environment, name, fallback);
    if (!value)
      return launchError(QStringLiteral("%1 is \"%2\", not a whole number")
                             .arg(QLatin1String(name), environment.value(QLatin1String(name))));
    out = *value;
    return {};
  };
  for (auto [name, fallback, out] :
       {std::tuple{"WORLD_SIZE", 1, &launch.worldSize}, std::tuple{"RANK", 0, &launch.rank},
        std::tuple{"LOCAL_RANK", 0, &launch.localRank},
        std::tuple{"LOCAL_WORLD_SIZE", 1, &launch.localWorldSize},
        std::tuple{"MASTER_PORT", 0, &launch.masterPort}})
    if (auto status = read(name, fallback, *out); !status) return status.error();
  if (launch.worldSize < 1)
    return launchError(QStringLiteral("WORLD_SIZE is %1; it must be 1 or more").arg(launch.worldSize));
  if (launch.rank < 0 || launch.rank >= launch.worldSize)
    return launchError(
        QStringLiteral("RANK is %1, outside 0 .. %2").arg(launch.rank).arg(launch.worldSize - 1));
  if (launch.localWorldSize < 1 || launch.localRank < 0 || launch.localRank >= launch.localWorldSize)
    return launchError(QStringLiteral("LOCAL_RANK is %1, outside 0 .. LOCAL_WORLD_SIZE - 1 (%2)")
                           .arg(launch.localRank)
                           .arg(launch.localWorldSize - 1));
  launch.masterAddress = environment.value(QStringLiteral("MASTER_ADDR")).trimmed();
  launch.agentStore =
      environment.value(QStringLiteral("TORCHELASTIC_USE_AGENT_STORE")) == QLatin1String("True");
  if (!launch.isDistributed()) return launch;
  if (launch.masterAddress.isEmpty()) return launchError(QStringLiteral("MASTER_ADDR is not set"));
  if (launch.masterPort < 1 || launch.masterPort > 65535)
    return launchError(QStringLiteral("MASTER_PORT is %1, not a port (1 .. 65535)").arg(launch.masterPort));
  return launch;
}

std::vector<int64_t> shardOf(const std::vector<int64_t>& order, int rank, int worldSize) {
  if (worldSize < 1 || rank < 0 || rank >= worldSize || order.empty()) return {};
  const size_t world = size_t(worldSize);
  const size_t total = (order.size() + world - 1) / world * world;
  std::vector<int64_t> shard;
  shard.reserve(total / world);
  for (size_t position = size_t(rank); position < total; position += world)
    shard.push_back(order[position % order.size()]);
  return shard;
}

}  // namespace attune
