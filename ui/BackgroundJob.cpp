#include "ui/BackgroundJob.h"

namespace attune::ui {

BackgroundJob::BackgroundJob(std::function<QString()> currentProject, QObject* parent)
    : QObject(parent), m_currentProject(std::move(currentProject)) {
  connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Delivery>>::finished, this, &BackgroundJob::deliver);
}

BackgroundJob::~BackgroundJob() {
  m_watcher.waitForFinished();
}

Error BackgroundJob::errorOf(const std::exception& e) {
  // LibTorch's messages carry a C++ backtrace after their first line: the user gets the first line.
  const QString what = QString::fromUtf8(e.what()).section(QLatin1Char('\n'), 0, 0).trimmed();
  return Error(ErrorCode::Internal,
               tr("The computation failed: %1").arg(what.isEmpty() ? tr("no reason given") : what),
               tr("Check the settings and the data; if it happens again, the model may not suit this data."));
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
