#pragma once
// Owns the run in progress: starts it on the RunEngine (LibTorch unless a test gave a fake), drains
// the run's metrics on a timer (the GUI's own clock, so training never waits for drawing) and
// reports the end of the run once it has ended for good.

#include "core/training/MetricsBuffer.h"
#include "core/training/TrainingJob.h"
#include "ui/GuiHandOff.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace attune::ui {

class RunEngine;
class RunHandle;

class RunController : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDrainInterval_ms = 100;  // 10 Hz: smooth enough, well under the 30 Hz ceiling

  explicit RunController(QObject* parent = nullptr);
  // Stops a run still going and waits for it (without emitting runEnded).
  ~RunController() override;

  // What runs the jobs; not while a run is going.
  void setEngine(std::unique_ptr<RunEngine> engine);
  // Starts a run of `job`; does nothing when a run is going already.
  void start(TrainingJob job);
  bool isRunning() const { return m_run != nullptr; }
  // The run ends after its current step with a consistent checkpoint; runEnded follows.
  void requestStop();
  void setPaused(bool paused);
  // Stops the run and blocks until it has ended (one training step at most), then emits the last
  // drained metrics and runEnded before returning. For closing the window.
  void stopAndWait();

 signals:
  void drained(const attune::MetricsDrain& drain);
  // `startedAt` is the ISO 8601 UTC time the run was started, for recordRun.
  void runEnded(const attune::RunSummary& summary, const QString& startedAt);

 private:
  void drain();
  void endRun();

  HandOffInbox m_inbox;  // before m_run: destroyed after the run has ended
  std::unique_ptr<RunEngine> m_engine;
  std::unique_ptr<RunHandle> m_run;
  QTimer m_drainTimer;
  QString m_startedAt;
};

}  // namespace attune::ui
