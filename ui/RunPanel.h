#pragma once
// The controls and progress of a run: Train / Pause / Stop, a progress bar with the epoch, step and
// remaining time, the run's event log (warnings in colour) and the plain summary at the end.

#include "core/training/MetricsBuffer.h"
#include "core/training/RunMetrics.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace attune::ui {

class RunPanel : public QWidget {
  Q_OBJECT

 public:
  explicit RunPanel(QWidget* parent = nullptr);

  // Clears the previous run's progress and log for a run of `epochsTotal` epochs.
  void startRun(int epochsTotal);
  void append(const MetricsDrain& drain);
  void addEvent(const RunEvent& event);
  void finishRun(const RunSummary& summary);
  // Enables the buttons that fit: Train when idle and `canTrain`, Pause and Stop while running.
  void setRunning(bool running, bool canTrain = true);
  void setPaused(bool paused);

  // "epoch 3/10 — step 42/120 — ETA 01:05"
  static QString progressText(const StepMetrics& step, int epochsTotal);
  // mm:ss, or h:mm:ss from one hour on; "--:--" when unknown.
  static QString formatDuration(double duration_ms);
  // "Best validation accuracy 93.4% at epoch 4; weights saved to …"
  static QString summaryText(const RunSummary& summary);

 signals:
  void trainClicked();
  void stopClicked();
  void pauseToggled(bool paused);

 private:
  void updateProgress();

  QPushButton* m_trainButton = nullptr;
  QPushButton* m_pauseButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QProgressBar* m_progressBar = nullptr;
  QLabel* m_summaryLabel = nullptr;
  QListWidget* m_logList = nullptr;
  int m_epochsTotal = 0;
  StepMetrics m_lastStep;
  bool m_paused = false;
};

}  // namespace attune::ui
