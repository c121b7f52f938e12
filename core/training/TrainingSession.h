#pragma once
// One training run. A QObject that is moved to a worker thread (TrainingThread) and runs there;
// stop and pause are atomic flags the loop checks every step. Progress goes into a MetricsBuffer
// that the GUI drains on a timer and the CLI drains for its console output.

#include "core/training/MetricsBuffer.h"
#include "core/training/RunMetrics.h"
#include "core/training/TrainingJob.h"

#include <QObject>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace attune {

class TrainingSession : public QObject {
  Q_OBJECT

 public:
  explicit TrainingSession(TrainingJob job, QObject* parent = nullptr);
  ~TrainingSession() override;

  // Thread-safe. The loop ends after the current step with a consistent checkpoint.
  void requestStop();
  void setPaused(bool paused);
  bool isPaused() const;

  // Before run(): stop with a resumable checkpoint once this many optimiser steps are done (tests of
  // resume; schedulers that give a run a time slice). 0: never. Also set by the environment variable
  // ATTUNE_FAULT_STOP_AFTER_STEP (fault injection: an interrupted run).
  void setStopAfterStep(int64_t step) { m_stopAfterStep = step; }
  // Before run(): fault injection for the reliability tests: a forward pass over more than `images`
  // images fails as if out of memory. Also set by the environment variable ATTUNE_FAULT_OOM_ABOVE.
  void setSimulatedOutOfMemoryAbove(int images) { m_simulateOomAbove = images; }
  // Before run(): fault injection: the gradients of `count` step attempts from attempt `fromStep`
  // (1-based; a skipped step counts as an attempt) are not finite numbers while the loss is.
  void setSimulatedNonFiniteGradients(int64_t fromStep, int count) {
    m_nonFiniteGradientsFrom = fromStep;
    m_nonFiniteGradientsCount = count;
  }
  // The engine boundary has its own fault injection: the environment variable
  // ATTUNE_FAULT_ENGINE=<site>[,<site>...] makes a real LibTorch operation fail where a path's engine
  // work starts (predict, lr_find, evaluate, suggest, export, prepare: core/training/detail/EngineFault.h);
  // "prepare" fails a run as it builds its model.

  MetricsBuffer& metrics() { return m_metrics; }
  const TrainingJob& job() const { return m_job; }
  // Valid once finished() was emitted.
  RunSummary summary() const;

 public Q_SLOTS:
  // Runs the whole training in the calling thread; emits finished() at the end. Never throws.
  void run();

 Q_SIGNALS:
  void finished();

 private:
  TrainingJob m_job;
  MetricsBuffer m_metrics;
  std::atomic<bool> m_stopRequested{false};
  std::atomic<bool> m_paused{false};
  int64_t m_stopAfterStep = 0;
  int m_simulateOomAbove = 0;
  int64_t m_nonFiniteGradientsFrom = 0;
  int m_nonFiniteGradientsCount = 0;
  RunSummary m_summary;
  mutable std::mutex m_summaryMutex;
};

// RAII owner of the worker thread of one session: starts it, and on destruction requests a stop,
// then quits and waits for the thread.
class TrainingThread {
 public:
  explicit TrainingThread(std::unique_ptr<TrainingSession> session);
  ~TrainingThread();
  TrainingThread(const TrainingThread&) = delete;
  TrainingThread& operator=(const TrainingThread&) = delete;

  TrainingSession& session() { return *m_session; }
  bool isRunning() const;
  // Blocks until the run has ended (or the timeout passes); true if it ended.
  bool wait(int timeout_ms = -1);

 private:
  std::unique_ptr<TrainingSession> m_session;
  std::unique_ptr<class QThread> m_thread;
};

}  // namespace attune
