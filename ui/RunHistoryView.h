#pragma once
// The history of a project's runs: a table of every run with its key settings and best figures; the
// curves of the runs ticked in it on one chart (validation accuracy or loss, training loss or
// accuracy); what differs between two selected runs' settings (and data); and a point picked on a
// curve, whose model can be evaluated, trained on from or exported when the run kept it (the best and
// last epochs always, every epoch when checkpoint.every_epoch was on).

#include "core/eval/SavedRun.h"

#include <QWidget>

class QCPGraph;
class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QTableView;
class QTableWidget;

namespace attune::ui {

class RunHistoryModel;

class RunHistoryView : public QWidget {
  Q_OBJECT

 public:
  enum class Curve { ValAccuracy, ValLoss, TrainLoss, TrainAccuracy };

  explicit RunHistoryView(QWidget* parent = nullptr);

  // Reads the project's runs folder again (a damaged run is listed in the message line).
  void refresh(const Project& project);
  void setRuns(std::vector<SavedRun> runs);
  RunHistoryModel* model() const { return m_model; }

  void setCurve(Curve curve);
  // The chart's curve of the run in `row`; nullptr when it is not shown.
  QCPGraph* graphOf(int row) const;

  // The settings that differ between the runs of two rows (what the differences table shows when
  // two rows are selected).
  void compare(int firstRow, int secondRow);
  int differenceCount() const;

  // A point of a curve (what clicking the chart does): the run of `row` at `epoch`.
  void pickPoint(int row, int epoch);
  QString pickedRun() const { return m_pickedRun; }
  int pickedEpoch() const { return m_pickedEpoch; }
  // Whether the run kept the model of `epoch` (best, last, or its own epoch-N file).
  static bool keptModelOf(const SavedRun& run, int epoch);

 signals:
  // Evaluate the model of run `runId` at `epoch`.
  void evaluateCheckpointRequested(const QString& runId, int epoch);
  // Train a new run, with the project's settings, starting from the model of run `runId` at `epoch`.
  void continueFromRequested(const QString& runId, int epoch);
  // Export the model of run `runId` at `epoch` (MainWindow asks where).
  void exportCheckpointRequested(const QString& runId, int epoch);

 private:
  void redraw();
  void selectionChanged();

  RunHistoryModel* m_model = nullptr;
  QTableView* m_table = nullptr;
  QComboBox* m_curveCombo = nullptr;
  QCustomPlot* m_plot = nullptr;
  std::vector<QCPGraph*> m_graphs;  // per row; nullptr when not shown
  QLabel* m_messageLabel = nullptr;
  QLabel* m_pickedLabel = nullptr;
  QPushButton* m_evaluateButton = nullptr;
  QPushButton* m_continueButton = nullptr;
  QPushButton* m_exportButton = nullptr;
  QLabel* m_differencesTitle = nullptr;
  QTableWidget* m_differences = nullptr;
  Curve m_curve = Curve::ValAccuracy;
  QString m_pickedRun;
  int m_pickedEpoch = 0;
};

}  // namespace attune::ui
