#pragma once
// Shows a run's progress on the console: JSON event lines (--json), a progress bar with ETA on a
// terminal, or plain lines when stdout is a file or pipe.

#include "core/training/MetricsBuffer.h"

namespace attune::cli {

enum class ConsoleMode { JsonLines, ProgressBar, PlainLines };

class ConsoleObserver {
 public:
  explicit ConsoleObserver(ConsoleMode mode) : m_mode(mode) {}
  void show(const MetricsDrain& drain);
  void showDone(const RunSummary& summary);

 private:
  void showSteps(const std::vector<StepMetrics>& steps);
  void clearBar();
  ConsoleMode m_mode;
  bool m_barShown = false;
  int64_t m_lastPlainStep = 0;
};

}  // namespace attune::cli
