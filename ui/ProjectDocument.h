#pragma once
// The window's open project and its life: new, open, open recent, save, save as, the modified flag,
// and the label journal that goes with the project file when it moves. Dialogs go through the test
// hooks (FileDialogHook, MessageBoxHook) with the window as their parent.

#include "core/project/Project.h"
#include "core/training/RunMetrics.h"

#include <QObject>
#include <QString>

class QWidget;

namespace attune::ui {

class LabelStore;
class RecentProjects;

class ProjectDocument : public QObject {
  Q_OBJECT

 public:
  ProjectDocument(LabelStore* labels, QWidget* window);

  const Project& project() const { return m_project; }
  // For edits of the project in place (settings, data, classes); the editor calls setModified.
  Project& edit() { return m_project; }
  const QString& filePath() const { return m_project.filePath; }
  bool isModified() const { return m_modified; }
  void setModified(bool modified);

  // While a run writes into the project, another project cannot be opened or made.
  void setRunInProgress(bool running) { m_runInProgress = running; }
  bool isRunInProgress() const { return m_runInProgress; }
  // A run of the project has a best model on the disk.
  bool hasTrainedModel() const;
  // The latest run with a best model on the disk, or nullptr.
  const RunRecord* latestTrainedRun() const;

  // The File menu's Open Recent list, kept up to date by open and save (set once, by the window).
  void setRecentProjects(RecentProjects* recent) { m_recent = recent; }

  // Makes `project` the open one, unmodified: projectReplaced follows.
  void replace(Project project);
  // File > New: asks where (a file dialog), makes and saves an empty project of `task`.
  void newProject(TaskKind task);
  void openWithDialog();
  // Open Recent: offers to save the current project first.
  void openRecent(const QString& path);
  // Loads `path` without asking about the current project; problems are shown in a message box.
  // False when it could not be opened (or a run is going).
  bool open(const QString& path);
  // Save: asks for a file when the project has none yet. False when not saved.
  bool save();
  bool saveWithDialog();
  bool saveAs(const QString& path);
  // Offers to save unsaved changes; false when the user cancels.
  bool maybeSave();
  // Edits still pending in the views (a refresh after labels) are applied now: before training.
  void applyPendingEdits() { emit aboutToSave(); }
  // Records a finished run in the project and saves the project file (when it has one).
  void addRun(const RunSummary& summary, const QString& startedAt);

 signals:
  // Another project is open (new, open, or the blank one at start): every view follows.
  void projectReplaced();
  void modifiedChanged(bool modified);
  void statusMessage(const QString& message, int timeout_ms);
  // Before the project is saved or read for work: edits still pending are to be applied now.
  void aboutToSave();
  // Whether every label of the open project is on the disk (problem: why not).
  void labelsSavedChanged(bool saved, const QString& problem);

 private:
  // After a successful save to a new place: the label journal goes along.
  void moveLabelsTo(const QString& oldPath);

  Project m_project;
  LabelStore* m_labels;
  QWidget* m_window;
  RecentProjects* m_recent = nullptr;
  bool m_modified = false;
  bool m_runInProgress = false;
};

}  // namespace attune::ui
