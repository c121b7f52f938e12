#pragma once
// Where a training process stands in a data-parallel run (issue 24): its rank among the world's
// processes and where they meet, read from the environment PyTorch's launcher (torchrun,
// python3 -m torch.distributed.run) gives every process it starts. No LibTorch here.

#include "core/common/Result.h"

#include <QProcessEnvironment>
#include <QString>

#include <cstdint>
#include <vector>

namespace attune {

struct DistributedLaunch {
  int rank = 0;            // RANK: 0 .. worldSize - 1
  int worldSize = 1;       // WORLD_SIZE
  int localRank = 0;       // LOCAL_RANK: the rank on this computer
  int localWorldSize = 1;  // LOCAL_WORLD_SIZE
  QString masterAddress;   // MASTER_ADDR: where rank 0's store listens
  int masterPort = 0;      // MASTER_PORT
  // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent already hosts the store at that address, and
  // every rank (rank 0 too) joins it as a client.
  bool agentStore = false;

  bool isDistributed() const { return worldSize > 1; }
};

// torchrun's variables in `environment`: without WORLD_SIZE (or with 1), a single process. Errors say
// which variable is wrong and what it must be: not a whole number, a rank outside the world, no
// MASTER_ADDR or a port outside 1..65535 when there is more than one process.
Result<DistributedLaunch> distributedLaunchFrom(const QProcessEnvironment& environment);

}  // namespace attune

namespace attune {

// The examples one process of a data-parallel run takes from an epoch's order (PyTorch's
// DistributedSampler rule): the order is padded by repeating its start until its length divides by
// `worldSize`, and rank r takes positions r, r + worldSize, r + 2 worldSize, ... Every process gets
// the same number (so all take the same number of steps), the shards are disjoint, and together they
// hold every example once (and the padding's repeats). Every process must pass the same order.
std::vector<int64_t> shardOf(const std::vector<int64_t>& order, int rank, int worldSize);

}  // namespace attune
