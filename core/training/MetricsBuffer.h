#pragma once
// A mutex-guarded buffer between the training thread (producer) and whoever shows progress
// (the GUI on a timer, the CLI's console observer). The producer never waits on the consumer.

#include "core/training/RunMetrics.h"

#include <mutex>
#include <vector>

namespace attune {

struct MetricsDrain {
  std::vector<StepMetrics> steps;
  std::vector<EpochMetrics> epochs;
  std::vector<RunEvent> events;
  bool empty() const { return steps.empty() && epochs.empty() && events.empty(); }
};

class MetricsBuffer {
 public:
  void push(const StepMetrics& metrics);
  void push(const EpochMetrics& metrics);
  void push(const RunEvent& event);
  // Everything published since the last drain, in publication order per kind.
  MetricsDrain drain();

 private:
  std::mutex m_mutex;
  MetricsDrain m_pending;
};

}  // namespace attune
