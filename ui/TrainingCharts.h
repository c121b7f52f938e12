#pragma once
// The live charts of a run: training loss per step (raw and smoothed), and per epoch the validation
// loss, the mean training loss and the validation accuracy (in % on a right-hand axis). A k-fold
// run (metrics with fold > 0) gets one validation loss and one accuracy curve per fold over the epochs
// of that fold, and fold boundaries on the step plot. Epochs flagged as overfitting are marked on
// the validation loss.

#include "core/training/RunMetrics.h"

#include <QWidget>

#include <map>
#include <vector>

class QCPAbstractItem;
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
  // k-fold runs: the curves of fold `fold` (1-based); nullptr before its first epoch.
  QCPGraph* foldAccuracyGraph(int fold) const;
  QCPGraph* foldLossGraph(int fold) const;
  // Scatter-only: (epoch, validation loss) of every epoch flagged as overfitting.
  QCPGraph* overfittingGraph() const { return m_overfitting; }
  // Where the step plot marks the start of each fold after the first (vertical lines).
  int foldBoundaryCount() const { return m_foldBoundaryCount; }

 private:
  void setUpLossPlot();
  void setUpValidationPlot();
  struct FoldGraphs {
    QCPGraph* valLoss = nullptr;
    QCPGraph* valAccuracy = nullptr;
  };

  void appendStep(const StepMetrics& step);
  void appendEpoch(const EpochMetrics& epoch);
  FoldGraphs& foldGraphs(int fold);
  void markFoldStart(int fold, double step);
  void setKFoldLabels(bool kFold);
  void rescale();
  std::vector<QCPGraph*> validationLossGraphs() const;  // the plain run's and each fold's
  double validationLossCeiling() const;

  QCustomPlot* m_lossPlot = nullptr;
  QCustomPlot* m_validationPlot = nullptr;
  QCPGraph* m_stepLoss = nullptr;
  QCPGraph* m_smoothedLoss = nullptr;
  QCPGraph* m_valLoss = nullptr;
  QCPGraph* m_valAccuracy = nullptr;
  QCPGraph* m_epochTrainLoss = nullptr;
  QCPGraph* m_overfitting = nullptr;
  std::map<int, FoldGraphs> m_folds;          // k-fold only, by fold
  std::vector<QCPAbstractItem*> m_foldMarks;  // boundary lines and their labels on the step plot
  int m_foldBoundaryCount = 0;
  int m_stepFold = 0;  // the fold of the last step drawn
  QCPItemText* m_lossPlaceholder = nullptr;
  QCPItemText* m_validationPlaceholder = nullptr;
  double m_smoothedValue = 0.0;  // biased running mean; divided by (1 - kSmoothing^n) for display
  int m_smoothedCount = 0;
};

}  // namespace attune::ui
