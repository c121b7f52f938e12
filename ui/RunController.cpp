#include "ui/RunController.h"

#include "ui/GuiHandOff.h"
#include "ui/RunEngine.h"

#include <QDateTime>

namespace attune::ui {

RunController::RunController(QObject* parent) : QObject(parent), m_engine(makeLibTorchRunEngine()) {
  m_drainTimer.setInterval(kDrainInterval_ms);
  connect(&m_drainTimer, &QTimer::timeout, this, &RunController::drain);
}

RunController::~RunController() = default;  // destroying the run stops it and waits

void RunController::setEngine(std::unique_ptr<RunEngine> engine) {
  if (!m_run && engine) m_engine = std::move(engine);
}

void RunController::start(TrainingJob job) {
  if (m_run) return;
  m_startedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  // The engine may call `ended` from its own thread: the end is handled on this object's thread. The
  // destructor destroys the run, which waits for its thread, before the inbox (declared before it)
  // drops an end not handled yet.
  m_run = m_engine->start(std::move(job), [this] { m_inbox.post([this] { endRun(); }); });
  m_drainTimer.start();
}

void RunController::requestStop() {
  if (m_run) m_run->requestStop();
}

void RunController::setPaused(bool paused) {
  if (m_run) m_run->setPaused(paused);
}

void RunController::stopAndWait() {
  if (!m_run) return;
  requestStop();
  endRun();
}

void RunController::drain() {
  if (!m_run) return;
  MetricsDrain pending = m_run->drain();
  if (!pending.empty()) emit drained(pending);
}

void RunController::endRun() {
  // The queued end can arrive after stopAndWait() has ended the run already.
  if (!m_run) return;
  m_drainTimer.stop();
  // Within one training step after a stop request; at once after the end was reported.
  m_run->wait();
  // Only after the wait are the last metrics and the summary final.
  drain();
  const RunSummary summary = m_run->summary();
  m_run.reset();
  emit runEnded(summary, m_startedAt);
}

}  // namespace attune::ui
