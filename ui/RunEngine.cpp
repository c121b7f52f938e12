#include "ui/RunEngine.h"

#include "core/training/TrainingSession.h"

namespace attune::ui {
namespace {

class LibTorchRun : public RunHandle {
 public:
  LibTorchRun(TrainingJob job, std::function<void()> ended) {
    auto session = std::make_unique<TrainingSession>(std::move(job));
    // Connected before the thread starts, so that even an instant failure is seen. Direct: the
    // callback is called on the training thread, and makes its own way to its receiver.
    QObject::connect(session.get(), &TrainingSession::finished, session.get(), std::move(ended),
                     Qt::DirectConnection);
    m_thread = std::make_unique<TrainingThread>(std::move(session));
  }
  // ~TrainingThread requests a stop and joins.

  void requestStop() override { m_thread->session().requestStop(); }
  void setPaused(bool paused) override { m_thread->session().setPaused(paused); }
  MetricsDrain drain() override { return m_thread->session().metrics().drain(); }
  void wait() override { m_thread->wait(); }
  RunSummary summary() const override { return m_thread->session().summary(); }

 private:
  std::unique_ptr<TrainingThread> m_thread;
};

class LibTorchRunEngine : public RunEngine {
 public:
  std::unique_ptr<RunHandle> start(TrainingJob job, std::function<void()> ended) override {
    return std::make_unique<LibTorchRun>(std::move(job), std::move(ended));
  }
};

}  // namespace

std::unique_ptr<RunEngine> makeLibTorchRunEngine() {
  return std::make_unique<LibTorchRunEngine>();
}

}  // namespace attune::ui
