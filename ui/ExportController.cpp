#include "ui/ExportController.h"

#include "core/export/ModelExport.h"
#include "ui/FileDialogHook.h"
#include "ui/MessageBoxHook.h"
#include "ui/ProjectDocument.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace attune::ui {
namespace {

// A new folder inside `parentDirectory`: the project, the run and the epoch in its name, numbered
// when it exists.
QString exportFolder(const QString& projectName, const QString& runId, int epoch,
                     const QString& parentDirectory) {
  QString base = projectName.isEmpty() ? QStringLiteral("model") : projectName;
  base.replace(QRegularExpression(QStringLiteral("[^\\w.-]+")), QStringLiteral("-"));
  const QString name = QStringLiteral("%1-%2-%3")
                           .arg(base, runId.isEmpty() ? QStringLiteral("latest") : runId,
                                epoch > 0 ? QStringLiteral("epoch-%1").arg(epoch) : QStringLiteral("best"));
  QString destination = QDir(parentDirectory).filePath(name);
  for (int n = 2; QFileInfo::exists(destination); ++n)
    destination = QDir(parentDirectory).filePath(QStringLiteral("%1 (%2)").arg(name).arg(n));
  return destination;
}

}  // namespace

// The export's result is shown whichever project is open by then: no project check.
ExportController::ExportController(ProjectDocument& document, QWidget* window)
    : WindowController(document, window), m_job(std::function<QString()>{}) {}

void ExportController::exportWithDialog(const QString& runId, int epoch) {
  if (isExporting()) return;
  if (!m_document.hasTrainedModel()) {
    MessageBoxHook::information(m_window, tr("No model to export yet"),
                                tr("Train a model first: each run keeps its best and last epoch's model."));
    return;
  }
  const QString directory = FileDialogHook::existingDirectory(
      m_window, tr("Export the Model Into (a new folder is made inside)"), m_document.project().directory());
  if (!directory.isEmpty()) exportModel(runId, epoch, directory);
}

bool ExportController::exportModel(const QString& runId, int epoch, const QString& parentDirectory) {
  if (isExporting()) return false;
  emit statusMessage(tr("Exporting the model…"), 0);
  m_job.start(
      m_document.filePath(),
      [project = m_document.project(), runId, epoch, parentDirectory] {
        ModelExportRequest request;
        request.run = runId;
        request.checkpoint = epoch > 0 ? QString::number(epoch) : QStringLiteral("best");
        request.outDirectory = exportFolder(project.name, runId, epoch, parentDirectory);
        return attune::exportModel(project, request);
      },
      [this](Result<ModelExport> exported) {
        emit statusMessage({}, 0);
        if (!exported) {
          MessageBoxHook::warning(m_window, tr("Model not exported"), exported.error().text());
          return;
        }
        emit statusMessage(tr("Exported the model to %1.").arg(QDir::toNativeSeparators(exported->directory)),
                           kStatusMessage_ms);
        MessageBoxHook::information(
            m_window, tr("Model exported"),
            tr("The model of run %1 after epoch %2 is in %3.\n\nIt holds the model (model.safetensors), its "
               "classes and how it reads its input. Use it without the project with:\n  attune-cli predict "
               "\"%3\" IMAGES_OR_TEXTS")
                .arg(exported->runId)
                .arg(exported->epoch)
                .arg(QDir::toNativeSeparators(exported->directory)));
      });
  return true;
}

}  // namespace attune::ui
