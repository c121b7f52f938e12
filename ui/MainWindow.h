#pragma once
// The main window: edits one Project (data folder, training settings), runs training on it with live
// charts, and records each run in the project. Composes DataPanel, TrainingSettingsPanel,
// TrainingCharts and RunPanel; the run itself is owned by a RunController.

#include "core/project/Project.h"
#include "core/training/RunMetrics.h"

#include <QMainWindow>

class QAction;

namespace attune::ui {

class DataPanel;
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
  void stopTraining();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createMenus();
  void newProject();
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
  void updateTrainingImageCount();
  void onRunEnded(const RunSummary& summary, const QString& startedAt);
  // The settings panel's "Find…": the LR range test on the project as it is set now, in a dialog
  // whose suggestion goes back to the panel.
  void findLearningRate();

  Project m_project;
  DataPanel* m_dataPanel = nullptr;
  TrainingSettingsPanel* m_settingsPanel = nullptr;
  TrainingCharts* m_charts = nullptr;
  RunPanel* m_runPanel = nullptr;
  RunController* m_runController = nullptr;
  RecentProjects* m_recentProjects = nullptr;
  QList<QAction*> m_idleOnlyActions;  // New, Open, Open Recent: not while a run writes into the project
};

}  // namespace attune::ui
