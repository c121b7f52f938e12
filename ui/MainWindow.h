#pragma once
// The main window: edits one Project (its data, training settings), runs training on it with live
// charts, and records each run in the project. Composes DataPanel (images) or TextDataPanel (texts),
// TrainingSettingsPanel, TrainingCharts and RunPanel, and for text projects the Texts table and
// "Try it"; an Evaluation tab and a Runs tab (the run history); the run itself is owned by a
// RunController.

#include "core/common/Result.h"
#include "core/project/Project.h"
#include "core/training/RunMetrics.h"

#include <QFutureWatcher>
#include <QMainWindow>

#include <memory>

class QAction;
class QStackedWidget;
class QTabWidget;

namespace attune {
struct EvaluationRequest;
class LabelJournal;
struct LabelState;
}  // namespace attune

namespace attune::ui {

class DataPanel;
class EvaluationView;
class RunHistoryView;
class TextDataPanel;
class TextsView;
class TryPanel;
class RecentProjects;
class RunController;
class RunPanel;
class TrainingCharts;
class TrainingSettingsPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // A run still going is stopped and joined.
  ~MainWindow() override;

  // Loads `path` as the window's project without asking about the current one (the caller does:
  // see the File menu). Problems are shown through MessageBoxHook; false when it could not be opened.
  bool openProject(const QString& path);
  // Save: asks for a file when the project has none yet. False when not saved.
  bool saveProject();
  bool saveProjectAs(const QString& path);

  const Project& project() const { return m_project; }
  bool isTraining() const;

  // What the Train and Stop buttons do.
  void startTraining();
  // A new run with the project's settings whose model starts from run `runId`'s model at `epoch` (what
  // the Runs tab's "Continue Training From Here" does).
  void continueTrainingFrom(const QString& runId, int epoch);
  void stopTraining();
  // Text projects: shows "Try it" and classifies `text` with the latest run's model.
  void tryText(const QString& text);
  // Image projects: shows "Try it" and classifies these image files (what dropping them does).
  void tryImages(const QStringList& paths);
  // The Evaluation tab's Evaluate: the latest run's best model on its validation split, on a worker.
  void evaluateLatestRun();
  // The model of run `runId` at `epoch` (a point picked on the Runs tab), shown on the Evaluation tab.
  void evaluateCheckpoint(const QString& runId, int epoch);
  bool isEvaluating() const { return m_evaluationWatcher.isRunning(); }
  // Gives each item (a label journal key, ProjectData.h) its class in the project's label journal,
  // synced to the disk one by one; the data panels and the Evaluation tab follow. On an error the
  // labels made before it are kept, the rest are not made, and the user is told.
  Status labelItems(const QStringList& keys, const QStringList& classNames);

 protected:
  void closeEvent(QCloseEvent* event) override;
  // Image files dropped onto the window are classified in "Try it" (image projects).
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void createMenus();
  void newProject(TaskKind task);
  void openWithDialog();
  void openRecent(const QString& path);
  bool saveWithDialog();
  // Offers to save unsaved changes; false when the user cancels.
  bool maybeSave();
  void setProject(Project project);
  void setModified(bool modified);
  void updateTitle();
  void updateRunState();
  void onConfigEdited();
  void onFolderChosen(const QString& folder);
  void onTextDataChosen();
  // Points "Try it" at the latest run with a saved model.
  void updateTryPanel();
  void updateTrainingImageCount();
  void onRunEnded(const RunSummary& summary, const QString& startedAt);
  void showEvaluation();
  void startEvaluation(const EvaluationRequest& request);
  // The settings panel's "Find…": the LR range test on the project as it is set now, in a dialog
  // whose suggestion goes back to the panel.
  void findLearningRate();
  void startRun(const QString& fromRun, int fromEpoch);
  // What the project's label journal says now (the open journal, else the file); problems go to the
  // status bar.
  LabelState labelState();

  Project m_project;
  std::unique_ptr<LabelJournal> m_journal;  // opened on the first label made in Attune
  QStackedWidget* m_dataStack = nullptr;    // the image or the text data panel, by the project's task
  DataPanel* m_dataPanel = nullptr;
  TextDataPanel* m_textDataPanel = nullptr;
  QTabWidget* m_tabs = nullptr;  // Training; for text projects also Texts and Try it
  QWidget* m_trainingTab = nullptr;
  TextsView* m_textsView = nullptr;
  TryPanel* m_tryPanel = nullptr;
  EvaluationView* m_evaluationView = nullptr;
  RunHistoryView* m_historyView = nullptr;
  struct EvaluationOutcome;
  QFutureWatcher<std::shared_ptr<EvaluationOutcome>> m_evaluationWatcher;
  TrainingSettingsPanel* m_settingsPanel = nullptr;
  TrainingCharts* m_charts = nullptr;
  RunPanel* m_runPanel = nullptr;
  RunController* m_runController = nullptr;
  RecentProjects* m_recentProjects = nullptr;
  QList<QAction*> m_idleOnlyActions;  // New, Open, Open Recent: not while a run writes into the project
};

}  // namespace attune::ui
