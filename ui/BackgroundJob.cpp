#include "ui/BackgroundJob.h"

namespace attune::ui {
namespace {

// Every job of a window may run at once (each runs one work at a time), so that no job waits behind
// another; they are few (evaluation, suggestions, data health, export, "Try it").
constexpr int kMaxJobThreads = 16;

struct JobPool : QThreadPool {
  JobPool() { setMaxThreadCount(kMaxJobThreads); }
};

}  // namespace

Q_GLOBAL_STATIC(JobPool, jobPool)

QThreadPool* BackgroundJob::pool() {
  return jobPool();
}

BackgroundJob::BackgroundJob(std::function<QString()> currentProject, QObject* parent)
    : QObject(parent), m_currentProject(std::move(currentProject)) {
  connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Delivery>>::finished, this, &BackgroundJob::deliver);
}

BackgroundJob::~BackgroundJob() {
  m_watcher.waitForFinished();
}

void BackgroundJob::deliver() {
  const auto delivery = m_watcher.result();
  // Taken before the handlers run: a handler may start the next job.
  auto stale = std::move(m_stale);
  m_stale = {};
  if (m_currentProject && delivery->projectPath != m_currentProject()) {
    if (stale) stale();
  } else {
    delivery->done();
  }
  emit finished();
}

}  // namespace attune::ui
