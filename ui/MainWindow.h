#pragma once
// The main window: composes the views of one project and wires them to the controllers that hold
// their actions. The open project and its file life are a ProjectDocument; each tab's actions live
// in its controller (TrainingController, LabelController, HealthController, EvaluationController,
// ExportController; the data panels' in DataController). The window keeps composition, menus,
// what is enabled during a run, "Try it", drag and drop, and closing.

#include "core/common/Result.h"
#include "core/export/ModelExport.h"
#include "core/project/Project.h"

#include <QMainWindow>

#include <memory>

class QAction;
class QStackedWidget;
class QTabWidget;

namespace attune {
struct RunSummary;
}

namespace attune::ui {

class DataController;
class DataHealthView;
class DataPanel;
class EvaluationController;
class EvaluationView;
class ExportController;
class HealthController;
class LabelController;
class LabelStore;
class LabelView;
class ProjectDocument;
class RunEngine;
class RunHistoryView;
class RunPanel;
class TextDataPanel;
class TextsView;
class TrainingCharts;
class TrainingController;
class TrainingSettingsPanel;
class TryPanel;
class WelcomePage;
class RecentProjects;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // A run still going is stopped and joined.
  ~MainWindow() override;

  // What trains: the LibTorch engine unless a test gives a scripted one (before the first run).
  void setRunEngine(std::unique_ptr<RunEngine> engine);

  // Loads `path` as the window's project without asking about the current one (the caller does:
  // see the File menu). Problems are shown through MessageBoxHook; false when it could not be opened.
  bool openProject(const QString& path);
  // Save: asks for a file when the project has none yet. False when not saved.
  bool saveProject();
  bool saveProjectAs(const QString& path);

  // The welcome page (recent projects, the demo, new projects) instead of the project's views, until
  // a project is opened or made: what Attune shows when started without a project.
  void showWelcome();
  bool isShowingWelcome() const;

  const Project& project() const;
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
  bool isEvaluating() const;
  // Labels (LabelController): items labelled as one undoable step; the Labels menu's import, export
  // and class folders. Errors are returned (the menu shows them).
  Status labelItems(const QStringList& keys, const QStringList& classNames);
  LabelStore* labelStore() const { return m_labels; }
  Status importLabels(const QString& path);
  Status exportLabels(const QString& path);
  Status exportClassFolders(const QString& directory);
  // Model export (ExportController): asks for a folder, or into a new folder inside `parentDirectory`.
  void exportModelWithDialog(const QString& runId, int epoch);
  bool exportModel(const QString& runId, int epoch, const QString& parentDirectory,
                   ModelExportFormat format = ModelExportFormat::Safetensors, bool check = false);
  bool isExporting() const;

 protected:
  // The first show places the window on its screen (placeOnScreen).
  void showEvent(QShowEvent* event) override;
  // Saves the window's size and position (when the close goes ahead).
  void closeEvent(QCloseEvent* event) override;
  // Image files dropped onto the window are classified in "Try it" (image projects).
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void createViews();
  QWidget* layOut();
  void createControllers();
  void createMenus();
  // Another project is open: every view shows it.
  void showProject();
  void updateTitle();
  // What may be used now (during a run, the settings and the data are not editable).
  void updateRunState();
  // After a run: the Runs tab, "Try it" and the labelling loop's suggestions follow.
  void afterRun(const RunSummary& summary);
  // Points "Try it" at the latest run with a saved model.
  void updateTryPanel();
  // The last size and position (or a default), never larger than the screen's available area (what
  // panels and docks leave) and moved onto it when it was saved on a screen no longer there.
  void placeOnScreen();

  LabelStore* m_labels = nullptr;
  ProjectDocument* m_document = nullptr;
  // The views.
  QStackedWidget* m_dataStack = nullptr;  // the image or the text data panel, by the project's task
  DataPanel* m_dataPanel = nullptr;
  TextDataPanel* m_textDataPanel = nullptr;
  QStackedWidget* m_pages = nullptr;  // the welcome page, or the project's views
  WelcomePage* m_welcome = nullptr;
  QWidget* m_projectPage = nullptr;
  RecentProjects* m_recent = nullptr;
  QTabWidget* m_tabs = nullptr;
  QWidget* m_trainingTab = nullptr;
  LabelView* m_labelView = nullptr;
  DataHealthView* m_healthView = nullptr;
  TextsView* m_textsView = nullptr;
  TryPanel* m_tryPanel = nullptr;
  EvaluationView* m_evaluationView = nullptr;
  RunHistoryView* m_historyView = nullptr;
  TrainingSettingsPanel* m_settingsPanel = nullptr;
  TrainingCharts* m_charts = nullptr;
  RunPanel* m_runPanel = nullptr;
  // The controllers: each tab's actions.
  DataController* m_data = nullptr;
  LabelController* m_labelling = nullptr;
  HealthController* m_health = nullptr;
  EvaluationController* m_evaluation = nullptr;
  ExportController* m_export = nullptr;
  TrainingController* m_training = nullptr;
  bool m_placed = false;              // placeOnScreen ran (first show)
  QList<QAction*> m_idleOnlyActions;  // New, Open, Open Recent: not while a run writes into the project
};

}  // namespace attune::ui
