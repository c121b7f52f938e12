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
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTimer;

namespace attune {
struct EvaluationRequest;
struct HealthFinding;
}  // namespace attune

namespace attune::ui {

class DataHealthView;
class DataPanel;
class EvaluationView;
class LabelStore;
class LabelView;
class ThumbnailCache;
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
  // as one step that Edit > Undo takes back; the data panels and the Evaluation tab follow. On an
  // error no label is made, and the error says why.
  Status labelItems(const QStringList& keys, const QStringList& classNames);
  // The labels made in Attune for the open project, with their undo history.
  LabelStore* labelStore() const { return m_labels; }
  // The Labels menu. importLabels: a CSV (file or text, label) or a Label Studio JSON export into the
  // project's labels, as one step that Undo takes back. exportLabels: every item and its label as
  // CSV, or (.json) as Label Studio tasks with the model's suggestions as predictions.
  // exportClassFolders: the labelled images copied into one folder per class. Errors are returned
  // (the menu shows them); what was done is said in the status bar.
  Status importLabels(const QString& path);
  Status exportLabels(const QString& path);
  Status exportClassFolders(const QString& directory);
  // The Runs tab's "Export This Epoch's Model" and File > Export Model (an empty `runId` and epoch 0:
  // the latest run's best model): asks for a folder (FileDialogHook), then exportModel.
  void exportModelWithDialog(const QString& runId, int epoch);
  // Exports on a worker into a new folder inside `parentDirectory` named after the project, run and
  // epoch; a message box says where it went, or why not. False when an export is under way.
  bool exportModel(const QString& runId, int epoch, const QString& parentDirectory);
  bool isExporting() const { return m_exportWatcher.isRunning(); }

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
  // The Label tab follows the project's data (a new folder or table, another project).
  void updateLabelView();
  void onRunEnded(const RunSummary& summary, const QString& startedAt);
  void showEvaluation();
  void startEvaluation(const EvaluationRequest& request);
  // The settings panel's "Find…": the LR range test on the project as it is set now, in a dialog
  // whose suggestion goes back to the panel.
  void findLearningRate();
  // `quick`: the Quick preset on a copy of the settings (the labelling loop's Retrain Quickly).
  void startRun(const QString& fromRun, int fromEpoch, bool quick = false);
  bool hasTrainedModel() const;
  // The Label tab's model buttons follow training and the suggestion worker; `status` says what is
  // going on.
  void updateLabelModelState(const QString& status = {});
  // The latest model's suggestions for the unlabelled items, on a worker; showSuggestions hands
  // them to the Label tab.
  void requestSuggestions();
  void showSuggestions();
  // The Data Health tab: the check runs on a worker; a fix changes labels (one undoable step) or the
  // class balance setting, then the data is checked again.
  void checkDataHealth();
  void showDataHealth();
  void showExported();
  void fixHealthFinding(const HealthFinding& finding);
  // The labels changed (an action, an undo or a redo): the data panels, the Texts tab and the
  // Evaluation tab follow; `keys` are the items whose label changed (empty: the classes changed).
  void onLabelsChanged(const QStringList& keys);
  // The data panels, the Texts tab, the Evaluation tab and the rate preview after labels changed;
  // flushLabelRefresh does a refresh still pending at once (before saving or training).
  void refreshAfterLabels();
  void flushLabelRefresh();
  // The status bar's sign that every label is on the disk (or that the last one could not be saved).
  void showLabelsSaved(bool saved, const QString& problem = {});

  Project m_project;
  LabelStore* m_labels = nullptr;
  ThumbnailCache* m_thumbnails = nullptr;
  LabelView* m_labelView = nullptr;
  QLabel* m_labelsSavedLabel = nullptr;   // permanent in the status bar
  QStackedWidget* m_dataStack = nullptr;  // the image or the text data panel, by the project's task
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
  struct SuggestionOutcome;
  QFutureWatcher<std::shared_ptr<SuggestionOutcome>> m_suggestionWatcher;
  QString m_suggestionsRunId;  // the run whose suggestions the Label tab shows
  struct ExportOutcome;
  QFutureWatcher<std::shared_ptr<ExportOutcome>> m_exportWatcher;
  DataHealthView* m_healthView = nullptr;
  struct HealthOutcome;
  QFutureWatcher<std::shared_ptr<HealthOutcome>> m_healthWatcher;
  TrainingSettingsPanel* m_settingsPanel = nullptr;
  TrainingCharts* m_charts = nullptr;
  RunPanel* m_runPanel = nullptr;
  RunController* m_runController = nullptr;
  RecentProjects* m_recentProjects = nullptr;
  QTimer* m_labelRefreshTimer = nullptr;  // a refresh after labels, pending while labelling fast
  QList<QAction*> m_idleOnlyActions;      // New, Open, Open Recent: not while a run writes into the project
};

}  // namespace attune::ui
