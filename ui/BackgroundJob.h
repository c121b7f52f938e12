#pragma once
// One kind of background work of the window (an evaluation, the model's suggestions, a data health
// check, an export, "Try it"): runs on a worker thread, then hands its result or its error to the GUI
// thread, and drops it when the project changed meanwhile (the user opened another one while it ran).
//
//   m_job.start(project.filePath, [project] { return evaluateRun(project, {}); },
//               [this](Result<RunEvaluation> evaluation) { ...show it or its error... });
//
// The work returns a Result<T>. Any exception that escapes it (LibTorch's c10::Error above all)
// becomes an ordinary Error with a plain message: nothing thrown on a worker reaches the window.
//
// Each run of the work has its own thread (a std::thread, joined before its result is delivered),
// never a thread of Qt's global pool: core's parallel steps (QtConcurrent::blockingMap, e.g. the image
// folder scan) and Qt's own raster painting queue tasks on the global pool and wait for them. With
// the jobs on the global pool, two jobs at once on a 2-core machine (an evaluation and the model's
// suggestions after a run) took both of its threads and each waited for a task that no thread was
// left to run: the jobs and the window froze for good (found by test_soak). The result comes back
// through a HandOffInbox (GuiHandOff.h), a hand-over that ThreadSanitizer can follow.

#include "core/common/EngineBoundary.h"
#include "core/common/Result.h"
#include "ui/GuiHandOff.h"

#include <QObject>
#include <QString>

#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

namespace attune::ui {

class BackgroundJob : public QObject {
  Q_OBJECT

 public:
  // `currentProject` names the project the window shows now; a result made for another is dropped.
  // Without it (an empty function) every result is delivered.
  explicit BackgroundJob(std::function<QString()> currentProject, QObject* parent = nullptr);
  // Waits for work still running (its result is not delivered).
  ~BackgroundJob() override;

  // From start() until its result was delivered (or dropped) on the GUI thread.
  bool isRunning() const { return m_running; }
  // Waits until the work's thread has ended; its result is delivered afterwards, by the event loop.
  void waitForFinished();

  // Runs `work` (callable, returns Result<T>) on a worker. On the GUI thread afterwards: `done` gets
  // the Result when `projectPath` is still the current project, else `stale` runs (when given).
  // False, and nothing runs, when this job is busy already.
  template <typename Work, typename Done>
  bool start(const QString& projectPath, Work work, Done done, std::function<void()> stale = {});

 signals:
  // After the result was delivered (or dropped).
  void finished();

 private:
  // Runs `task` (the work; it returns the handler bound to the work's result) on a new thread.
  void run(std::function<std::function<void()>()> task);
  void deliver(const std::function<void()>& done);

  std::function<QString()> m_currentProject;
  QString m_projectPath;  // the project the running work is for
  std::function<void()> m_stale;
  std::thread m_thread;
  bool m_running = false;
  HandOffInbox m_inbox;  // the result comes back through it
};

template <typename Work, typename Done>
bool BackgroundJob::start(const QString& projectPath, Work work, Done done, std::function<void()> stale) {
  if (isRunning()) return false;
  using R = std::invoke_result_t<Work&>;
  m_projectPath = projectPath;
  m_stale = std::move(stale);
  // Shared, so that work and handlers that hold move-only things fit in a std::function.
  auto shared = std::make_shared<std::pair<Work, Done>>(std::move(work), std::move(done));
  run([shared]() -> std::function<void()> {
    auto& [work, done] = *shared;
    auto result = std::make_shared<R>(Error{});
    // Core's engine boundary: the first line of the exception's text, out of memory named as such.
    try {
      *result = work();
    } catch (const std::exception& e) {
      *result = engineError(tr("The work"), e);
    } catch (...) {
      *result = unknownEngineError(tr("The work"));
    }
    return [shared, result] { shared->second(std::move(*result)); };
  });
  return true;
}

}  // namespace attune::ui
