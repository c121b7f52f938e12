#pragma once
// The models a run kept (best.safetensors, last.safetensors, epoch-N.safetensors), found by what the
// user asks for: "best", "last" or an epoch number.

#include "core/common/Result.h"

#include <QString>

namespace attune {

// The "attune.epoch" entry of a checkpoint's metadata, read from its header alone (0: none).
int checkpointEpochOf(const QString& path);

// The file of `choice` in the run folder: "best" (or "last" when there is no best yet), "last", or
// an epoch number (its own file, or best or last when they are from that epoch). Errors say which
// epochs a run keeps and how to keep them all. `runId` names the run in messages.
Result<QString> runCheckpointFile(const QString& runDirectory, const QString& runId, const QString& choice);

}  // namespace attune
