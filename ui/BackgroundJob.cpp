#include "ui/BackgroundJob.h"

#include "ui/GuiHandOff.h"

#include <system_error>

namespace attune::ui {

BackgroundJob::BackgroundJob(std::function<QString()> currentProject, QObject* parent)
    : QObject(parent), m_currentProject(std::move(currentProject)) {}

BackgroundJob::~BackgroundJob() {
  // The delivery queued meanwhile is dropped with this object.
  waitForFinished();
}

void BackgroundJob::waitForFinished() {
  if (m_thread.joinable()) m_thread.join();
}

void BackgroundJob::run(std::function<std::function<void()>()> task) {
  waitForFinished();  // the previous work's thread, ended already (its result was delivered)
  m_running = true;
  try {
    m_thread = std::thread([this, task] {
      std::function<void()> done = task();
      m_inbox.post([this, done = std::move(done)] { deliver(done); });
    });
  } catch (const std::system_error&) {
    // No thread to be had (the system's limit on threads reached): the work runs here, the window
    // waits for it, and its result still comes back after start() returned, as from a worker.
    std::function<void()> done = task();
    m_inbox.post([this, done = std::move(done)] { deliver(done); });
  }
}

void BackgroundJob::deliver(const std::function<void()>& done) {
  waitForFinished();  // it has posted this and is ending
  m_running = false;
  // Taken before the handlers run: a handler may start the next job.
  auto stale = std::move(m_stale);
  m_stale = {};
  if (m_currentProject && m_projectPath != m_currentProject()) {
    if (stale) stale();
  } else {
    done();
  }
  emit finished();
}

}  // namespace attune::ui
