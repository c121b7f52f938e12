#pragma once
// How good the latest model is, for people who do not read plots: accuracy in words, the confusion
// matrix as a heat map (counts or shares of each true class) where clicking a cell lists exactly
// those examples (thumbnails or texts) with their probabilities, the most confidently wrong
// examples, and the per-class precision, recall, F1 and support.
//
// The evaluation itself (core/eval) runs on a worker thread started by the owner on
// evaluateRequested(); the view shows what it is given.

#include "core/eval/EpochValidation.h"
#include "core/eval/Evaluation.h"
#include "core/eval/LabelMistakes.h"

#include <QWidget>

#include <QSet>

#include <memory>
#include <vector>

class QCheckBox;
class QLabel;
class QPushButton;
class QSlider;
class QTableView;
class QTableWidget;

namespace attune::ui {

class ConfusionMatrixModel;

class EvaluationView : public QWidget {
  Q_OBJECT

 public:
  explicit EvaluationView(QWidget* parent = nullptr);

  void setEvaluation(std::shared_ptr<const RunEvaluation> evaluation);
  std::shared_ptr<const RunEvaluation> evaluation() const { return m_evaluation; }
  // The run's validation answers at every epoch, for the epoch slider (call after setEvaluation; empty:
  // no slider).
  void setEpochs(std::vector<EpochValidation> epochs);
  // Shows the matrix and per-class table of the run at `epoch` (the evaluated model's own when it is
  // the evaluated epoch); the examples behind the cells are those of the evaluated model.
  void showEpoch(int epoch);
  int shownEpoch() const { return m_shownEpoch; }
  // A line above the results: "Evaluating…", or why there is nothing to show.
  void setMessage(const QString& message, bool isError = false);
  // Whether the Evaluate button can be used (not while training or evaluating).
  void setEvaluateEnabled(bool enabled);

  // The examples of true class `trueClass` predicted as `predictedClass` (what clicking a cell does).
  void showCell(int trueClass, int predictedClass);
  // The wrong answers, most confident first.
  void showMostConfidentlyWrong(int count = 50);
  // The examples whose given label the model strongly doubts (LabelMistakes.h), most doubted first,
  // leaving out those whose label the user has already decided in Attune; with Relabel and Keep.
  void showLikelyLabelMistakes();
  // Items (journal keys) whose label the user made in Attune: not suggested as mistakes again (kept
  // across evaluations until the next call).
  void setDecidedItems(QSet<QString> keys);
  // The owner made these labels (after labelsRequested): their rows leave the list of suspects.
  void labelsMade(const QStringList& keys, const QStringList& classNames);
  // What Relabel and "Label is right" do for the rows selected in the list of suspects.
  void relabelSelected();
  void keepSelectedLabels();
  // The indices (into the evaluation's examples) listed now, top to bottom.
  const std::vector<int>& shownExamples() const { return m_shown; }
  ConfusionMatrixModel* matrixModel() const { return m_matrixModel; }
  // The run report of the shown evaluation (core/eval/RunReport): .html or .pdf by the path's ending.
  Status saveReport(const QString& path);

 signals:
  void evaluateRequested();
  // The user gave these items (journal keys) these classes; the owner writes them to the journal
  // and answers with labelsMade().
  void labelsRequested(const QStringList& keys, const QStringList& classNames);

 private:
  // `suspects`: when listing likely label mistakes, one per example (the suggested class is shown).
  void listExamples(const QString& title, std::vector<int> examples,
                    std::vector<SuspectedLabel> suspects = {});
  void requestLabels(bool suggested);
  void updateReviewButtons();
  void fillClassTable(const ClassificationMetrics& metrics);
  void saveReportWithDialog();

  std::shared_ptr<const RunEvaluation> m_evaluation;
  std::vector<int> m_shown;
  QLabel* m_summaryLabel = nullptr;
  QPushButton* m_evaluateButton = nullptr;
  QPushButton* m_reportButton = nullptr;
  QSlider* m_epochSlider = nullptr;
  QLabel* m_epochLabel = nullptr;
  std::vector<EpochValidation> m_epochs;
  int m_shownEpoch = 0;
  QCheckBox* m_normaliseCheck = nullptr;
  ConfusionMatrixModel* m_matrixModel = nullptr;
  QTableView* m_matrixView = nullptr;
  QTableWidget* m_classTable = nullptr;
  QLabel* m_examplesTitle = nullptr;
  QPushButton* m_wrongButton = nullptr;
  QPushButton* m_mistakesButton = nullptr;
  QPushButton* m_relabelButton = nullptr;
  QPushButton* m_keepButton = nullptr;
  std::vector<SuspectedLabel> m_suspects;  // parallel to m_shown while suspects are listed
  QSet<QString> m_decided;
  QTableWidget* m_examplesTable = nullptr;
};

}  // namespace attune::ui
