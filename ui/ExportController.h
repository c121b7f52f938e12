#pragma once
// Model export (File > Export Model, the Runs tab's "Export This Epoch's Model"): the export dialog
// (ExportDialog.h: format, destination, check), then on a worker into a new folder named after the
// project, run and epoch, with the parity check when asked; a message box says where it went and what
// the check found, or why not.

#include "core/export/ModelExport.h"
#include "ui/BackgroundJob.h"
#include "ui/WindowController.h"

namespace attune::ui {

class ExportController : public WindowController {
  Q_OBJECT

 public:
  ExportController(ProjectDocument& document, QWidget* window);

  // Asks (ExportDialog), then exportModel. An empty `runId` and epoch 0: the latest run's best model.
  void exportWithDialog(const QString& runId, int epoch);
  // False when an export is under way. With `check`, the exported model is then run on the run's
  // validation examples (ExportCheck.h) and the message says what it found.
  bool exportModel(const QString& runId, int epoch, const QString& parentDirectory,
                   ModelExportFormat format = ModelExportFormat::Safetensors, bool check = false);
  bool isExporting() const { return m_job.isRunning(); }

 private:
  BackgroundJob m_job;
};

}  // namespace attune::ui
