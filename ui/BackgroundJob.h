#pragma once
// One kind of background work of the window (an evaluation, the model's suggestions, a data health
// check, an export): runs on a worker thread, then hands its result or its error to the GUI thread,
// and drops it when the project changed meanwhile (the user opened another one while it ran).
//
//   m_job.start(project.filePath, [project] { return evaluateRun(project, {}); },
//               [this](Result<RunEvaluation> evaluation) { ...show it or its error... });
//
// The work returns a Result<T>. Any exception that escapes it (LibTorch's c10::Error above all)
// becomes an ordinary Error with a plain message: nothing thrown on a worker reaches the window.
//
// The work runs on the jobs' own thread pool (pool()), never on Qt's global one: core's parallel
// steps (QtConcurrent::blockingMap, e.g. the image folder scan) and Qt's own raster painting queue
// tasks on the global pool and wait for them. With the jobs on the global pool, two jobs at once on
// a 2-core machine (an evaluation and the model's suggestions after a run) took both of its threads
// and each waited for a task that no thread was left to run: the jobs and the window froze for
// good (found by test_soak).

#include "core/common/EngineBoundary.h"
#include "core/common/Result.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace attune::ui {

class BackgroundJob : public QObject {
  Q_OBJECT

 public:
  // `currentProject` names the project the window shows now; a result made for another is dropped.
  explicit BackgroundJob(std::function<QString()> currentProject, QObject* parent = nullptr);
  // Waits for work still running (its result is not delivered).
  ~BackgroundJob() override;

  // The pool every job (and "Try it") runs on: one thread per job that is running, apart from the
  // global pool that their nested parallel work uses.
  static QThreadPool* pool();

  bool isRunning() const { return m_watcher.isRunning(); }
  void waitForFinished() { m_watcher.waitForFinished(); }

  // Runs `work` (callable, returns Result<T>) on a worker. On the GUI thread afterwards: `done` gets
  // the Result when `projectPath` is still the current project, else `stale` runs (when given).
  // False, and nothing runs, when this job is busy already.
  template <typename Work, typename Done>
  bool start(const QString& projectPath, Work work, Done done, std::function<void()> stale = {});

 signals:
  // After the result was delivered (or dropped).
  void finished();

 private:
  void deliver();

  std::function<QString()> m_currentProject;
  // The result on its way back, bound to its handler: the GUI thread only calls it.
  struct Delivery {
    QString projectPath;
    std::function<void()> done;
  };
  QFutureWatcher<std::shared_ptr<Delivery>> m_watcher;
  std::function<void()> m_stale;
};

template <typename Work, typename Done>
bool BackgroundJob::start(const QString& projectPath, Work work, Done done, std::function<void()> stale) {
  if (isRunning()) return false;
  using R = std::invoke_result_t<Work&>;
  m_stale = std::move(stale);
  m_watcher.setFuture(QtConcurrent::run(
      pool(),
      [projectPath, work = std::move(work), done = std::move(done)]() mutable -> std::shared_ptr<Delivery> {
        auto delivery = std::make_shared<Delivery>();
        delivery->projectPath = projectPath;
        auto result = std::make_shared<R>(Error{});
        // Core's engine boundary: the first line of the exception's text, out of memory named as such.
        try {
          *result = work();
        } catch (const std::exception& e) {
          *result = engineError(tr("The work"), e);
        } catch (...) {
          *result = unknownEngineError(tr("The work"));
        }
        delivery->done = [done = std::move(done), result]() mutable { done(std::move(*result)); };
        return delivery;
      }));
  return true;
}

}  // namespace attune::ui
