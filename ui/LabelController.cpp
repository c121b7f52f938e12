#include "ui/LabelController.h"

#include "core/dataset/LabelExchange.h"
#include "core/eval/Suggestions.h"
#include "ui/Colors.h"
#include "ui/EvaluationView.h"
#include "ui/FileDialogHook.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/MessageBoxHook.h"
#include "ui/ProjectDocument.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>

namespace attune::ui {

LabelController::LabelController(ProjectDocument& document, LabelStore* labels, LabelView* labelView,
                                 EvaluationView* evaluationView, QLabel* labelsSavedLabel, QWidget* window)
    : WindowController(document, window),
      m_labels(labels),
      m_labelView(labelView),
      m_evaluationView(evaluationView),
      m_labelsSavedLabel(labelsSavedLabel),
      m_suggestions([&document] { return document.filePath(); }) {
  connect(m_labels, &LabelStore::labelsChanged, this, [this] { showLabelsSaved(true); });
  connect(m_labels, &LabelStore::labelsChanged, m_labelView, &LabelView::labelsChanged);
  connect(m_labels, &LabelStore::writeFailed, this, [this](const QString& message) {
    showLabelsSaved(false, message);
    MessageBoxHook::warning(m_window, tr("Labels not saved"), message);
  });
  connect(&m_document, &ProjectDocument::labelsSavedChanged, this, &LabelController::showLabelsSaved);
  connect(m_labelView, &LabelView::suggestionsRequested, this, &LabelController::requestSuggestions);
  connect(m_evaluationView, &EvaluationView::labelsRequested, this,
          [this](const QStringList& keys, const QStringList& classNames) {
            if (auto made = labelItems(keys, classNames); !made)
              MessageBoxHook::warning(m_window, tr("Labels not saved"), made.error().text());
          });
}

void LabelController::fillMenu(QMenu* menu) {
  menu->addAction(tr("&Import Labels…"), this, [this] {
    const QString path = FileDialogHook::openFileName(
        m_window, tr("Import Labels"), QFileInfo(m_document.filePath()).absolutePath(),
        tr("Labels (*.csv *.tsv *.json);;CSV of file or text and label (*.csv *.tsv);;Label Studio export "
           "(*.json)"));
    if (path.isEmpty()) return;
    if (auto imported = importLabels(path); !imported)
      MessageBoxHook::warning(m_window, tr("Labels not imported"), imported.error().text());
  });
  menu->addAction(tr("&Export Labels…"), this, [this] {
    QString filter = tr("CSV of file or text and label (*.csv)");
    const QString path = FileDialogHook::saveFileName(
        m_window, tr("Export Labels"), QFileInfo(m_document.filePath()).absolutePath(),
        tr("CSV of file or text and label (*.csv);;Label Studio tasks (*.json)"), &filter);
    if (path.isEmpty()) return;
    QString target = path;
    if (QFileInfo(path).suffix().isEmpty())
      target += filter.contains(QLatin1String("json")) ? QStringLiteral(".json") : QStringLiteral(".csv");
    if (auto exported = exportLabels(target); !exported)
      MessageBoxHook::warning(m_window, tr("Labels not exported"), exported.error().text());
  });
  QAction* folders = menu->addAction(tr("Export as &Class Folders…"), this, [this] {
    const QString directory =
        FileDialogHook::existingDirectory(m_window, tr("Export as Class Folders (an empty folder)"), {});
    if (directory.isEmpty()) return;
    if (auto exported = exportClassFolders(directory); !exported)
      MessageBoxHook::warning(m_window, tr("Images not exported"), exported.error().text());
  });
  folders->setObjectName(QStringLiteral("actionExportClassFolders"));
}

Status LabelController::labelItems(const QStringList& keys, const QStringList& classNames) {
  const bool oneClass = !classNames.isEmpty() && classNames.count(classNames.first()) == classNames.size();
  const QString step = oneClass
                           ? tr("Label %n examples '%1'", nullptr, int(keys.size())).arg(classNames.first())
                           : tr("Label %n examples", nullptr, int(keys.size()));
  auto made = m_labels->setLabels(keys, classNames, step);
  if (made) {
    m_evaluationView->labelsMade(keys, classNames);
    emit statusMessage(tr("Saved %n labels in the project.", nullptr, int(keys.size())), kStatusMessage_ms);
  }
  return made;
}

Status LabelController::importLabels(const QString& path) {
  const Project& project = m_document.project();
  if (project.filePath.isEmpty())
    return Error(ErrorCode::BadValue, tr("The project has no file yet, and labels are kept next to it."),
                 tr("Save the project first."));
  const bool labelStudio = QFileInfo(path).suffix().toLower() == QLatin1String("json");
  auto imported = labelStudio ? importLabelStudio(project, path) : importLabelsCsv(project, path);
  if (!imported) return imported.error();
  if (imported->keys.isEmpty())
    return Error(ErrorCode::NotEnoughData,
                 tr("No label in %1 belongs to an item of this project.").arg(QDir::toNativeSeparators(path)),
                 imported->notes.join(QStringLiteral("; ")));
  if (auto made = m_labels->setLabels(imported->keys, imported->classNames,
                                      tr("Import %n labels from %1", nullptr, int(imported->keys.size()))
                                          .arg(QFileInfo(path).fileName()));
      !made)
    return made;
  QString message =
      tr("Imported %n labels from %1.", nullptr, int(imported->keys.size())).arg(QFileInfo(path).fileName());
  if (!imported->notes.isEmpty()) {
    message += QLatin1Char(' ') + imported->notes.join(QStringLiteral("; ")) + QLatin1Char('.');
    MessageBoxHook::information(m_window, tr("Labels imported"), message);
  }
  emit statusMessage(message, kStatusMessage_ms);
  return {};
}

Status LabelController::exportLabels(const QString& path) {
  Status written;
  if (QFileInfo(path).suffix().toLower() == QLatin1String("json")) {
    // The model's suggestions shown in the Label tab go along as Label Studio's pre-annotations.
    QHash<QString, ItemPrediction> predictions;
    const LabelItemsModel* model = m_labelView->model();
    for (int row = 0; row < model->rowCount(); ++row) {
      double confidence = -1.0;
      const QString suggested = model->suggestionOf(row, &confidence);
      if (!suggested.isEmpty()) predictions.insert(model->items()[size_t(row)].key, {suggested, confidence});
    }
    written =
        exportLabelStudio(m_document.project(), path, predictions,
                          predictions.isEmpty() ? QString() : tr("attune run %1").arg(m_suggestionsRunId));
  } else {
    written = exportLabelsCsv(m_document.project(), path);
  }
  if (written) emit statusMessage(tr("Wrote %1.").arg(QDir::toNativeSeparators(path)), kStatusMessage_ms);
  return written;
}

Status LabelController::exportClassFolders(const QString& directory) {
  auto copied = attune::exportClassFolders(m_document.project(), directory);
  if (!copied) return copied.error();
  emit statusMessage(tr("Copied %n labelled images into class folders under %1.", nullptr, *copied)
                         .arg(QDir::toNativeSeparators(directory)),
                     kStatusMessage_ms);
  return {};
}

void LabelController::updateModelState(const QString& status) {
  const bool busy = m_document.isRunInProgress() || m_suggestions.isRunning();
  m_labelView->setModelState(!busy && m_document.hasTrainedModel(), !busy && !m_document.filePath().isEmpty(),
                             status);
}

void LabelController::suggestAfterRun() {
  const LabelItemsModel* model = m_labelView->model();
  int unlabelled = 0;
  for (int row = 0; row < model->rowCount(); ++row)
    if (model->classOf(row).isEmpty()) ++unlabelled;
  if (unlabelled > 0 && unlabelled <= kSuggestAfterRunItems) requestSuggestions();
}

void LabelController::requestSuggestions() {
  if (m_document.isRunInProgress() || m_suggestions.isRunning() || !m_document.hasTrainedModel()) return;
  m_suggestions.start(
      m_document.filePath(), [project = m_document.project()] { return suggestLabels(project); },
      [this](Result<LabelSuggestions> suggestions) {
        if (!suggestions) {
          updateModelState(tr("The model could not be asked: %1").arg(suggestions.error().text()));
          return;
        }
        const LabelSuggestions& s = *suggestions;
        QHash<QString, std::vector<float>> byKey;
        for (qsizetype i = 0; i < s.keys.size(); ++i) byKey.insert(s.keys[i], s.probabilities[size_t(i)]);
        m_labelView->setSuggestions(s.classes, std::move(byKey));
        m_suggestionsRunId = s.runId;
        updateModelState(tr("Suggestions from run %1 for %n unlabelled items: Enter accepts one.", nullptr,
                            int(s.keys.size()))
                             .arg(s.runId));
      },
      [this] { updateModelState(); });  // another project was opened meanwhile
  updateModelState(tr("Asking the model about the unlabelled items…"));
}

void LabelController::showLabelsSaved(bool saved, const QString& problem) {
  m_labelsSavedLabel->setText(saved ? tr("All labels saved") : tr("Labels not saved"));
  m_labelsSavedLabel->setToolTip(saved ? tr("Every label made in Attune is on the disk.") : problem);
  m_labelsSavedLabel->setStyleSheet(saved ? QString() : QStringLiteral("color: %1").arg(kErrorColor.name()));
}

}  // namespace attune::ui
