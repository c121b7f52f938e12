#include "ui/ExportController.h"

#include "core/eval/Evaluation.h"
#include "core/eval/SavedRun.h"
#include "core/export/ExportCheck.h"
#include "core/export/ModelExport.h"
#include "ui/ExportDialog.h"
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

// What the export job gives back: the export, and the check's finding or why it could not be made.
struct CheckedExport {
  ModelExport exported;
  std::optional<ExportCheck> check;
  QString checkFailure;
};

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
  // The run's model decides which formats fit (a Hugging Face folder holds BERT or DistilBERT).
  QString architecture;
  if (auto directory = runDirectoryOf(m_document.project(), runId))
    if (auto run = readSavedRun(*directory)) architecture = run->config.architecture;
  ExportDialog dialog(architecture, m_document.project().directory(), m_window);
  if (!dialog.ask() || dialog.parentDirectory().isEmpty()) return;
  exportModel(runId, epoch, dialog.parentDirectory(), dialog.format(), dialog.checkAfterwards());
}

bool ExportController::exportModel(const QString& runId, int epoch, const QString& parentDirectory,
                                   ModelExportFormat format, bool check) {
  if (isExporting()) return false;
  emit statusMessage(check ? tr("Exporting and checking the model…") : tr("Exporting the model…"), 0);
  m_job.start(
      m_document.filePath(),
      [project = m_document.project(), runId, epoch, parentDirectory, format, check]() -> Result<CheckedExport> {
        ModelExportRequest request;
        request.run = runId;
        request.checkpoint = epoch > 0 ? QString::number(epoch) : QStringLiteral("best");
        request.outDirectory = exportFolder(project.name, runId, epoch, parentDirectory);
        request.format = format;
        auto exported = attune::exportModel(project, request);
        if (!exported) return exported.error();
        CheckedExport result{*exported, std::nullopt, {}};
        if (check) {
          auto checked = checkExport(project, *exported);
          if (checked)
            result.check = *checked;
          else
            result.checkFailure = checked.error().text();
        }
        return result;
      },
      [this](Result<CheckedExport> result) {
        emit statusMessage({}, 0);
        if (!result) {
          MessageBoxHook::warning(m_window, tr("Model not exported"), result.error().text());
          return;
        }
        const ModelExport& exported = result->exported;
        emit statusMessage(tr("Exported the model to %1.").arg(QDir::toNativeSeparators(exported.directory)),
                           kStatusMessage_ms);
        QString text = tr("The model of run %1 after epoch %2 is in %3.\n\nIt holds the model (model.safetensors), "
                          "its classes and how it reads its input. Use it without the project with:\n  attune-cli "
                          "predict \"%3\" IMAGES_OR_TEXTS")
                           .arg(exported.runId)
                           .arg(exported.epoch)
                           .arg(QDir::toNativeSeparators(exported.directory));
        if (exported.format == ModelExportFormat::Onnx)
          text += tr("\n\nmodel.onnx is the same model for ONNX Runtime and other ONNX tools.");
        else if (exported.format == ModelExportFormat::HuggingFace)
          text += tr("\n\nHugging Face Transformers loads the folder with from_pretrained.");
        if (result->check)
          text += QStringLiteral("\n\n") + result->check->summary();
        else if (!result->checkFailure.isEmpty())
          text += tr("\n\nThe export could not be checked: %1").arg(result->checkFailure);
        MessageBoxHook::information(m_window, tr("Model exported"), text);
      });
  return true;
}

}  // namespace attune::ui
