#pragma once
// A scripted training engine for tests of the window's views (issue 19): it stands behind the same
// RunEngine interface as LibTorch's, trains nothing, and plays a run's events on the GUI thread's
// clock: one step every `tick_ms`, an epoch every `stepsPerEpoch` steps, then the scripted end.
// Pause holds it, Stop ends it after the current "step" as Stopped, as the real engine does.

#include "ui/RunEngine.h"

#include <QDir>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace attune::testing {

struct FakeRunScript {
  int epochs = 0;  // 0: the job's epochs
  int stepsPerEpoch = 5;
  int tick_ms = 10;
  RunOutcome outcome = RunOutcome::Finished;  // how it ends when not stopped
  QString message;                            // the summary's message (a failure's reason)
  std::vector<RunEvent> startEvents;          // published with the first step
};

class FakeRun : public QObject, public ui::RunHandle {
 public:
  FakeRun(const FakeRunScript& script, const TrainingJob& job, int runNumber, std::function<void()> ended)
      : m_script(script), m_ended(std::move(ended)) {
    if (m_script.epochs <= 0) m_script.epochs = job.config.epochs;
    m_summary.runId = QStringLiteral("fake-%1").arg(runNumber);
    m_summary.runDir = QDir(job.runsDir).filePath(m_summary.runId);
    m_timer.setInterval(m_script.tick_ms);
    QObject::connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
    m_timer.start();
  }

  void requestStop() override { m_stopRequested = true; }
  void setPaused(bool paused) override { m_paused = paused; }
  MetricsDrain drain() override { return m_metrics.drain(); }
  // The fake has no thread: a run not ended yet ends now, as stopped.
  void wait() override {
    if (!m_done) end(RunOutcome::Stopped, QStringLiteral("Stopped."));
  }
  RunSummary summary() const override { return m_summary; }

  int64_t stepsDone() const { return m_step; }

 private:
  void tick() {
    if (m_done || m_paused) return;
    if (m_stopRequested) {
      end(RunOutcome::Stopped, QStringLiteral("Stopped."));
      return;
    }
    if (m_step == 0)
      for (const RunEvent& event : m_script.startEvents) m_metrics.push(event);
    const int64_t total = int64_t(m_script.epochs) * m_script.stepsPerEpoch;
    ++m_step;
    StepMetrics step;
    step.epoch = int((m_step - 1) / m_script.stepsPerEpoch) + 1;
    step.step = m_step;
    step.stepsTotal = total;
    step.trainLoss = 1.0 / double(m_step);
    step.lrHead = 1e-3;
    step.lrBackbone = 1e-4;
    step.elapsedMs = double(m_step * m_script.tick_ms);
    m_metrics.push(step);
    if (m_step % m_script.stepsPerEpoch == 0) {
      EpochMetrics epoch;
      epoch.epoch = step.epoch;
      epoch.epochsTotal = m_script.epochs;
      epoch.trainLoss = step.trainLoss;
      epoch.valLoss = step.trainLoss * 1.1;
      epoch.valAccuracy = 0.5 + 0.1 * step.epoch;
      epoch.isBest = true;
      epoch.elapsedMs = step.elapsedMs;
      m_metrics.push(epoch);
      m_summary.epochsCompleted = step.epoch;
      m_summary.bestEpoch = step.epoch;
      m_summary.bestValAccuracy = epoch.valAccuracy;
    }
    if (m_step >= total) end(m_script.outcome, m_script.message);
  }

  void end(RunOutcome outcome, const QString& message) {
    m_timer.stop();
    m_done = true;
    m_summary.outcome = outcome;
    m_summary.message = message;
    m_metrics.push(RunEvent{outcome == RunOutcome::Finished  ? RunEventKind::Finished
                            : outcome == RunOutcome::Stopped ? RunEventKind::Stopped
                                                             : RunEventKind::Failed,
                            message});
    if (m_ended) std::exchange(m_ended, {})();
  }

  FakeRunScript m_script;
  std::function<void()> m_ended;
  QTimer m_timer;
  MetricsBuffer m_metrics;
  RunSummary m_summary;
  int64_t m_step = 0;
  bool m_paused = false;
  bool m_stopRequested = false;
  bool m_done = false;
};

class FakeRunEngine : public ui::RunEngine {
 public:
  // `started` (may be empty) sees each run started and its job, for the test to look at.
  explicit FakeRunEngine(FakeRunScript script, std::function<void(FakeRun*, const TrainingJob&)> started = {})
      : m_script(std::move(script)), m_started(std::move(started)) {}

  std::unique_ptr<ui::RunHandle> start(TrainingJob job, std::function<void()> ended) override {
    auto run = std::make_unique<FakeRun>(m_script, job, ++m_runs, std::move(ended));
    if (m_started) m_started(run.get(), job);
    return run;
  }

 private:
  FakeRunScript m_script;
  std::function<void(FakeRun*, const TrainingJob&)> m_started;
  int m_runs = 0;
};

}  // namespace attune::testing
