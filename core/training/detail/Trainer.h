#pragma once
// Internal: the training loop behind TrainingSession. Runs in the calling thread.

#include "core/training/MetricsBuffer.h"
#include "core/training/RunMetrics.h"
#include "core/training/RunWriter.h"
#include "core/training/TrainingJob.h"

#include <atomic>

namespace attune::detail {

struct TrainerControl {
  const std::atomic<bool>& stopRequested;
  const std::atomic<bool>& paused;
  MetricsBuffer& metrics;
};

// Trains the job's model, writing checkpoints and metrics through `writer`. May throw LibTorch's
// exceptions; TrainingSession turns those into a failed summary.
RunSummary runTraining(const TrainingJob& job, RunWriter& writer, const TrainerControl& control);

}  // namespace attune::detail
