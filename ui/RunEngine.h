#pragma once
// The training engine as the window sees it. LibTorchRunEngine (the real one) runs a
// TrainingSession on its own thread; tests of views that only need a run's events give the window a
// scripted engine behind this same interface (tests/support/FakeRunEngine.h) and train nothing.

#include "core/training/MetricsBuffer.h"
#include "core/training/RunMetrics.h"
#include "core/training/TrainingJob.h"

#include <functional>
#include <memory>

namespace attune::ui {

// One run in progress. Destroying it stops the run and waits for its end.
class RunHandle {
 public:
  virtual ~RunHandle() = default;
  // The run ends after its current step with a consistent checkpoint.
  virtual void requestStop() = 0;
  virtual void setPaused(bool paused) = 0;
  // The metrics, epochs and events published since the last drain.
  virtual MetricsDrain drain() = 0;
  // Blocks until the run has ended.
  virtual void wait() = 0;
  // Final once wait() returned.
  virtual RunSummary summary() const = 0;
};

class RunEngine {
 public:
  virtual ~RunEngine() = default;
  // Starts a run of `job`. `ended` is called once, from any thread, when the run has ended.
  virtual std::unique_ptr<RunHandle> start(TrainingJob job, std::function<void()> ended) = 0;
};

// The real engine: LibTorch training on a worker thread (TrainingSession, TrainingThread).
std::unique_ptr<RunEngine> makeLibTorchRunEngine();

}  // namespace attune::ui
