#pragma once
// Runs the learning-rate range test on a worker thread, shows its progress, then the loss against the
// rate with the suggested rate marked, and lets the user take the suggestion (rateChosen). The test
// itself is the caller's (a Runner), so the dialog can be tried with a made-up curve.

#include "core/common/Result.h"
#include "core/training/LrFinder.h"
#include "ui/GuiHandOff.h"

#include <QDialog>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;

namespace attune::ui {

class LrFinderDialog : public QDialog {
  Q_OBJECT

 public:
  // Called on the worker thread; reports through the progress callback and returns early once
  // `stop` is set.
  using Runner =
      std::function<Result<LrFinderResult>(const LrFinderProgress& progress, const std::atomic<bool>& stop)>;

  explicit LrFinderDialog(Runner runner, QWidget* parent = nullptr);
  // Stops the worker and waits for it: the runner may use what its caller owns.
  ~LrFinderDialog() override;

  // Starts the runner (once); show() or exec() the dialog as well.
  void start();
  bool isRunning() const;
  // The suggestion once the run has succeeded.
  std::optional<double> suggestedRate() const;

 signals:
  void rateChosen(double lr);

 private:
  void onProgress(int step, int steps, double lr, double smoothedLoss);
  void onFinished(const Result<LrFinderResult>& result);
  void showCurve(const LrFinderResult& result);
  void stopWorker();
  void startWorker();  // throws std::system_error when no thread can be started

  Runner m_runner;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;  // joined when its result arrives, or by the destructor
  bool m_started = false;
  bool m_running = false;  // from start() until the result was shown
  HandOffInbox m_inbox;    // progress and the result, from the worker
  std::optional<double> m_suggestedRate;

  QProgressBar* m_progress = nullptr;
  QLabel* m_statusLabel = nullptr;
  QCustomPlot* m_plot = nullptr;
  QLabel* m_reasonLabel = nullptr;
  QPushButton* m_useButton = nullptr;
  QPushButton* m_cancelButton = nullptr;
};

}  // namespace attune::ui
