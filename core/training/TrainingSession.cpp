#include "core/training/TrainingSession.h"

#include "core/common/EngineBoundary.h"
#include "core/training/RunWriter.h"
#include "core/training/detail/Trainer.h"

#include <QThread>

#include <exception>

namespace attune {
namespace {

RunEventKind eventKindOf(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished:
      return RunEventKind::Finished;
    case RunOutcome::Stopped:
      return RunEventKind::Stopped;
    case RunOutcome::Failed:
      return RunEventKind::Failed;
  }
  return RunEventKind::Failed;
}

}  // namespace

TrainingSession::TrainingSession(TrainingJob job, QObject* parent) : QObject(parent), m_job(std::move(job)) {}

TrainingSession::~TrainingSession() = default;

void TrainingSession::requestStop() {
  m_stopRequested.store(true);
}
void TrainingSession::setPaused(bool paused) {
  m_paused.store(paused);
}
bool TrainingSession::isPaused() const {
  return m_paused.load();
}

RunSummary TrainingSession::summary() const {
  std::lock_guard lock(m_summaryMutex);
  return m_summary;
}

void TrainingSession::run() {
  RunSummary summary;
  auto writer =
      m_job.resumeRunDir.isEmpty() ? RunWriter::create(m_job.runsDir) : RunWriter::reopen(m_job.resumeRunDir);
  if (!writer) {
    summary.message = writer.error().text();
  } else {
    summary.runId = (*writer)->runId();
    summary.runDir = (*writer)->directory();
    // The engine boundary: LibTorch's exceptions end here as a failed run with a readable message.
    try {
      detail::TrainerControl control{m_stopRequested, m_paused, m_metrics};
      control.stopAfterStep = m_stopAfterStep;
      control.simulateOutOfMemoryAbove = m_simulateOomAbove;
      control.nonFiniteGradientsFrom = m_nonFiniteGradientsFrom;
      control.nonFiniteGradientsCount = m_nonFiniteGradientsCount;
      // Fault injection for the reliability tests of the command line (an out-of-memory error above
      // this many images; an interruption after this many steps).
      if (const int fromEnvironment = qEnvironmentVariableIntValue("ATTUNE_FAULT_OOM_ABOVE");
          fromEnvironment > 0)
        control.simulateOutOfMemoryAbove = fromEnvironment;
      if (const int fromEnvironment = qEnvironmentVariableIntValue("ATTUNE_FAULT_STOP_AFTER_STEP");
          fromEnvironment > 0)
        control.stopAfterStep = fromEnvironment;
      summary = m_job.config.folds >= 2 ? detail::runCrossValidation(m_job, **writer, control)
                                        : detail::runTraining(m_job, **writer, control);
    } catch (const std::exception& e) {
      summary.outcome = RunOutcome::Failed;
      summary.message = engineError(QStringLiteral("Training"), e).text();
    } catch (...) {
      summary.outcome = RunOutcome::Failed;
      summary.message = unknownEngineError(QStringLiteral("Training")).text();
    }
  }
  m_metrics.push(RunEvent{eventKindOf(summary.outcome), summary.message});
  {
    std::lock_guard lock(m_summaryMutex);
    m_summary = summary;
  }
  Q_EMIT finished();
}

TrainingThread::TrainingThread(std::unique_ptr<TrainingSession> session)
    : m_session(std::move(session)), m_thread(std::make_unique<QThread>()) {
  m_thread->setObjectName(QStringLiteral("attune-training"));
  m_session->moveToThread(m_thread.get());
  QObject::connect(m_thread.get(), &QThread::started, m_session.get(), &TrainingSession::run);
  // Direct: QThread::quit is thread-safe, and the owner may be blocked in wait() with no event loop.
  QObject::connect(m_session.get(), &TrainingSession::finished, m_thread.get(), &QThread::quit,
                   Qt::DirectConnection);
  m_thread->start();
}

TrainingThread::~TrainingThread() {
  m_session->requestStop();
  m_thread->quit();
  m_thread->wait();
}

bool TrainingThread::isRunning() const {
  return m_thread->isRunning();
}

bool TrainingThread::wait(int timeout_ms) {
  return timeout_ms < 0 ? m_thread->wait() : m_thread->wait(QDeadlineTimer(timeout_ms));
}

}  // namespace attune
