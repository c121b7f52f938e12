#pragma once
// "Try it": the project's latest trained model (its best checkpoint) answers on new examples. A text
// project's user types or pastes a text and sees every class's probability; an image project's user
// drops images (onto this tab or anywhere on the window) or chooses them, and sees each image's most
// likely classes. The model is loaded on first use and both loading and predicting run on a worker
// thread, so the window never freezes on a large model.

#include "core/project/Project.h"
#include "ui/BackgroundJob.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTableWidget;

namespace attune {
class Predictor;
}

namespace attune::ui {

class TryPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TryPanel(QWidget* parent = nullptr);
  // Waits for a prediction still running (it ends within one forward pass).
  ~TryPanel() override;

  // Texts (a text box) or images (a drop area and a list of answers).
  void setTask(TaskKind task);
  // The run whose model answers (its folder) and how to name it ("run 20261130-101500, epoch 4");
  // an empty folder: there is no trained model yet.
  void setRun(const QString& runDirectory, const QString& description);
  QString runDirectory() const { return m_runDirectory; }
  void setText(const QString& text);
  // What the Classify button does; nothing while a prediction runs or the text is empty.
  void classify();
  // Image projects: the answers for these image files (what dropping them does).
  void classifyImages(const QStringList& paths);
  // Every image under these folders (image models) or every text of these tables (text models, by
  // the project's text column, see setTextColumn) classified into a CSV file at `csvPath`
  // (item,predicted,probability,<one column per class>), on the worker; the message line says how
  // many, or why not. What "Predict a Folder into a CSV…" does after asking where.
  void predictIntoCsv(const QStringList& inputs, const QString& csvPath);
  void setTextColumn(const QString& column) { m_textColumn = column; }
  bool isBusy() const { return m_job.isRunning(); }
  QString message() const;
  // Texts: the probabilities shown, in the model's class order (empty before the first answer).
  const std::vector<double>& shownProbabilities() const { return m_shown; }
  QStringList shownClasses() const { return m_classes; }
  // Images: the files answered, and per file its probabilities (empty: it could not be read).
  const QStringList& shownImages() const { return m_shownImages; }
  const std::vector<std::vector<double>>& shownImageProbabilities() const { return m_shownRows; }

  // The image files among dropped URLs (by their extension).
  static QStringList imageFilesOf(const QList<QUrl>& urls);

 signals:
  // A prediction finished: its result or its error is shown.
  void answered();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  struct Answer;
  void start(QStringList inputs, bool images, const QString& csvPath = {});
  void showAnswer(const std::shared_ptr<Answer>& answer);
  // An answer that says why there is none (the work threw: BackgroundJob made it an Error).
  static std::shared_ptr<Answer> failedAnswer(const Error& error);
  void showTextAnswer(const Answer& answer);
  void showImageAnswer(const Answer& answer);
  void chooseImages();
  void chooseBatch();
  void updateButton();

  TaskKind m_task = TaskKind::TextClassification;
  QString m_runDirectory;
  std::shared_ptr<Predictor> m_predictor;  // the model of m_predictorRun, loaded on first use
  QString m_predictorRun;
  QStringList m_classes;
  std::vector<double> m_shown;
  QStringList m_shownImages;
  std::vector<std::vector<double>> m_shownRows;
  BackgroundJob m_job{{}};
  QLabel* m_modelLabel = nullptr;
  QStackedWidget* m_inputStack = nullptr;
  QPlainTextEdit* m_input = nullptr;
  QPushButton* m_classifyButton = nullptr;
  QLabel* m_dropLabel = nullptr;
  QPushButton* m_chooseButton = nullptr;
  QPushButton* m_batchButton = nullptr;
  QString m_textColumn;
  QLabel* m_messageLabel = nullptr;
  QTableWidget* m_results = nullptr;
};

}  // namespace attune::ui
