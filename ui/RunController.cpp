#include "ui/RunController.h"

#include "core/training/TrainingSession.h"

#include <QDateTime>

namespace attune::ui {

RunController::RunController(QObject* parent) : QObject(parent) {
  m_drainTimer.setInterval(kDrainInterval_ms);
  connect(&m_drainTimer, &QTimer::timeout, this, &RunController::drain);
}

RunController::~RunController() = default;  // ~TrainingThread requests a stop and joins

void RunController::start(TrainingJob job) {
  if (m_thread) return;
  m_startedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  auto session = std::make_unique<TrainingSession>(std::move(job));
  // Connected before the thread starts, so that even an instant failure is seen.
  connect(session.get(), &TrainingSession::finished, this, &RunController::endRun, Qt::QueuedConnection);
  m_thread = std::make_unique<TrainingThread>(std::move(session));
  m_drainTimer.start();
}

void RunController::requestStop() {
  if (m_thread) m_thread->session().requestStop();
}

void RunController::setPaused(bool paused) {
  if (m_thread) m_thread->session().setPaused(paused);
}

void RunController::stopAndWait() {
  if (!m_thread) return;
  requestStop();
  endRun();
}

void RunController::drain() {
  if (!m_thread) return;
  MetricsDrain pending = m_thread->session().metrics().drain();
  if (!pending.empty()) emit drained(pending);
}

void RunController::endRun() {
  // The queued finished() can arrive after stopAndWait() has ended the run already.
  if (!m_thread) return;
  m_drainTimer.stop();
  // Within one training step after a stop request; at once after finished().
  m_thread->wait();
  // Only after the join are the buffer's last metrics and the summary final.
  drain();
  const RunSummary summary = m_thread->session().summary();
  m_thread.reset();
  emit runEnded(summary, m_startedAt);
}

}  // namespace attune::ui
