#pragma once
// The live charts of a run: training loss per step (raw and smoothed), and per epoch the validation
// loss, the mean training loss and the validation accuracy (in % on a right-hand axis).

#include "core/training/RunMetrics.h"

#include <QWidget>

#include <vector>

class QCPGraph;
class QCPItemText;
class QCustomPlot;

namespace attune::ui {

class TrainingCharts : public QWidget {
  Q_OBJECT

 public:
  // Exponential smoothing of the per-step loss, as in TensorBoard: a batch's loss is noisy, the trend is not.
  static constexpr double kSmoothing = 0.9;

  explicit TrainingCharts(QWidget* parent = nullptr);

  void clear();
  // Adds the new points and queues one replot (QCustomPlot::rpQueuedReplot): several appends before the
  // next frame are drawn once, and drawing never holds up the caller.
  void append(const std::vector<StepMetrics>& steps, const std::vector<EpochMetrics>& epochs);

  QCustomPlot* lossPlot() const { return m_lossPlot; }
  QCustomPlot* validationPlot() const { return m_validationPlot; }

 private:
  void setUpLossPlot();
  void setUpValidationPlot();
  void rescale();
  double validationLossCeiling() const;

  QCustomPlot* m_lossPlot = nullptr;
  QCustomPlot* m_validationPlot = nullptr;
  QCPGraph* m_stepLoss = nullptr;
  QCPGraph* m_smoothedLoss = nullptr;
  QCPGraph* m_valLoss = nullptr;
  QCPGraph* m_valAccuracy = nullptr;
  QCPGraph* m_epochTrainLoss = nullptr;
  QCPItemText* m_lossPlaceholder = nullptr;
  QCPItemText* m_validationPlaceholder = nullptr;
  double m_smoothedValue = 0.0;  // biased running mean; divided by (1 - kSmoothing^n) for display
  int m_smoothedCount = 0;
};

}  // namespace attune::ui
