#pragma once
// "Try it" for a text project: the user types or pastes a text and sees the class probabilities of
// the project's latest trained model (its best checkpoint). The model is loaded on first use and
// both loading and predicting run on a worker thread, so the window never freezes on a large model.

#include <QFutureWatcher>
#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace attune {
class Predictor;
}

namespace attune::ui {

class TryTextPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TryTextPanel(QWidget* parent = nullptr);
  // Waits for a prediction still running (it ends within one forward pass).
  ~TryTextPanel() override;

  // The run whose model answers (its folder) and how to name it ("run 20261130-101500, epoch 4");
  // an empty folder: there is no trained model yet.
  void setRun(const QString& runDirectory, const QString& description);
  QString runDirectory() const { return m_runDirectory; }
  void setText(const QString& text);
  // What the Classify button does; nothing while a prediction runs or the text is empty.
  void classify();
  bool isBusy() const { return m_watcher.isRunning(); }
  // The probabilities shown, in the model's class order (empty before the first answer).
  const std::vector<double>& shownProbabilities() const { return m_shown; }
  QStringList shownClasses() const { return m_classes; }

 signals:
  // A prediction finished: its result or its error is shown.
  void answered();

 private:
  struct Answer;
  void showAnswer();
  void updateButton();

  QString m_runDirectory;
  std::shared_ptr<Predictor> m_predictor;  // the model of m_predictorRun, loaded on first use
  QString m_predictorRun;
  QStringList m_classes;
  std::vector<double> m_shown;
  QFutureWatcher<std::shared_ptr<Answer>> m_watcher;
  QLabel* m_modelLabel = nullptr;
  QPlainTextEdit* m_input = nullptr;
  QPushButton* m_classifyButton = nullptr;
  QLabel* m_messageLabel = nullptr;
  QTableWidget* m_results = nullptr;
};

}  // namespace attune::ui
