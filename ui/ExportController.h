#pragma once
// Model export (File > Export Model, the Runs tab's "Export This Epoch's Model"): on a worker, into a
// new folder named after the project, run and epoch; a message box says where it went, or why not.

#include "ui/BackgroundJob.h"
#include "ui/WindowController.h"

namespace attune::ui {

class ExportController : public WindowController {
  Q_OBJECT

 public:
  ExportController(ProjectDocument& document, QWidget* window);

  // Asks for a folder (FileDialogHook), then exportModel. An empty `runId` and epoch 0: the latest
  // run's best model.
  void exportWithDialog(const QString& runId, int epoch);
  // False when an export is under way.
  bool exportModel(const QString& runId, int epoch, const QString& parentDirectory);
  bool isExporting() const { return m_job.isRunning(); }

 private:
  BackgroundJob m_job;
};

}  // namespace attune::ui
