#include "ui/ProjectDocument.h"

#include "core/common/AtomicFile.h"
#include "core/models/Architecture.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "core/training/TrainingJob.h"
#include "ui/FileDialogHook.h"
#include "ui/LabelStore.h"
#include "ui/MessageBoxHook.h"
#include "ui/RecentProjects.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace attune::ui {
namespace {

constexpr int kStatusMessage_ms = 4000;
const QString kProjectFilter = QStringLiteral("Attune projects (*.attune)");

QString withSuffix(QString path) {
  if (!path.endsWith(QLatin1String(".attune"))) path += QLatin1String(".attune");
  return path;
}

}  // namespace

ProjectDocument::ProjectDocument(LabelStore* labels, QWidget* window)
    : QObject(window), m_labels(labels), m_window(window) {}

void ProjectDocument::setModified(bool modified) {
  m_modified = modified;
  emit modifiedChanged(modified);
}

const RunRecord* ProjectDocument::latestTrainedRun() const {
  for (auto run = m_project.runs.rbegin(); run != m_project.runs.rend(); ++run)
    if (!run->bestCheckpoint.isEmpty() && QFileInfo::exists(run->bestCheckpoint)) return &*run;
  return nullptr;
}

bool ProjectDocument::hasTrainedModel() const {
  return latestTrainedRun() != nullptr;
}

void ProjectDocument::replace(Project project) {
  m_project = std::move(project);
  if (auto opened = m_labels->setProjectPath(m_project.filePath); !opened) {
    emit statusMessage(opened.error().text(), 0);
    emit labelsSavedChanged(false, opened.error().text());
  } else {
    emit labelsSavedChanged(true, {});
    if (const QString skipped = m_labels->skippedLinesSummary(); !skipped.isEmpty())
      emit statusMessage(skipped, 0);
  }
  m_modified = false;
  emit projectReplaced();
  emit modifiedChanged(false);
}

void ProjectDocument::newProject(TaskKind task) {
  if (m_runInProgress || !maybeSave()) return;
  QString path = FileDialogHook::saveFileName(
      m_window, task == TaskKind::TextClassification ? tr("New text project") : tr("New image project"),
      QDir::homePath(), kProjectFilter);
  if (path.isEmpty()) return;
  path = withSuffix(path);
  Project project;
  project.name = QFileInfo(path).completeBaseName();
  project.task = task;
  // Texts start on the model that needs no transformer download: pre-trained word vectors.
  if (task == TaskKind::TextClassification)
    project.config.architecture = QLatin1String(kWordVectorArchitecture);
  if (auto saved = ProjectFile::save(project, path); !saved) {
    MessageBoxHook::warning(m_window, tr("Cannot create the project"), saved.error().text());
    return;
  }
  replace(std::move(project));
  if (m_recent) m_recent->add(path);
}

void ProjectDocument::openWithDialog() {
  if (m_runInProgress || !maybeSave()) return;
  const QString start = m_project.filePath.isEmpty() ? QDir::homePath() : m_project.directory();
  const QString path = FileDialogHook::openFileName(m_window, tr("Open project"), start, kProjectFilter);
  if (!path.isEmpty()) open(path);
}

void ProjectDocument::openRecent(const QString& path) {
  if (!m_runInProgress && maybeSave()) open(path);
}

bool ProjectDocument::open(const QString& path) {
  if (m_runInProgress) return false;
  auto loaded = ProjectFile::load(QFileInfo(path).absoluteFilePath());
  if (!loaded) {
    MessageBoxHook::warning(m_window, tr("Cannot open the project"), loaded.error().text());
    if (m_recent) m_recent->remove(path);
    return false;
  }
  if (loaded->name.isEmpty()) loaded->name = QFileInfo(path).completeBaseName();
  replace(std::move(loaded.value()));
  if (m_recent) m_recent->add(m_project.filePath);
  emit statusMessage(tr("Opened %1").arg(QDir::toNativeSeparators(m_project.filePath)), kStatusMessage_ms);
  return true;
}

bool ProjectDocument::save() {
  return m_project.filePath.isEmpty() ? saveWithDialog() : saveAs(m_project.filePath);
}

bool ProjectDocument::saveWithDialog() {
  const QString start = m_project.filePath.isEmpty() ? QDir::homePath() + QLatin1Char('/') + m_project.name
                                                     : m_project.filePath;
  const QString path = FileDialogHook::saveFileName(m_window, tr("Save project as"), start, kProjectFilter);
  if (path.isEmpty()) return false;
  return saveAs(withSuffix(path));
}

bool ProjectDocument::saveAs(const QString& path) {
  emit aboutToSave();
  if (m_project.filePath.isEmpty() && m_project.name == tr("Untitled"))
    m_project.name = QFileInfo(path).completeBaseName();
  const QString oldPath = m_project.filePath;
  if (auto saved = ProjectFile::save(m_project, QFileInfo(path).absoluteFilePath()); !saved) {
    MessageBoxHook::warning(m_window, tr("Cannot save the project"), saved.error().text());
    return false;
  }
  moveLabelsTo(oldPath);
  setModified(false);
  if (m_recent) m_recent->add(m_project.filePath);
  emit statusMessage(tr("Saved %1").arg(QDir::toNativeSeparators(m_project.filePath)), kStatusMessage_ms);
  return true;
}

void ProjectDocument::moveLabelsTo(const QString& oldPath) {
  // The labels made in Attune go with the project to its new file (the old journal stays too).
  if (!oldPath.isEmpty() && oldPath != m_project.filePath) {
    const QString from = LabelJournal::pathFor(oldPath);
    const QString to = LabelJournal::pathFor(m_project.filePath);
    // Replaced atomically (AtomicFile): a journal already at the new place stays whole if the copy fails.
    if (QFileInfo::exists(from) && !AtomicFile::copyFile(from, to).ok())
      MessageBoxHook::warning(
          m_window, tr("Labels not copied"),
          tr("The project was saved, but the labels made in Attune could not be copied from %1 to %2. Copy "
             "that file by hand; until then the project at its new place does not have them.")
              .arg(QDir::toNativeSeparators(from), QDir::toNativeSeparators(to)));
  }
  // Labelling goes on in the journal next to the saved file (a first save gives labels a place).
  if (m_project.filePath != m_labels->projectPath()) {
    if (auto moved = m_labels->moveTo(m_project.filePath); !moved)
      emit labelsSavedChanged(false, moved.error().text());
  }
}

bool ProjectDocument::maybeSave() {
  if (!m_modified) return true;
  const auto answer = MessageBoxHook::question(
      m_window, tr("Save changes?"),
      tr("The project \"%1\" has unsaved changes. Save them?").arg(m_project.name),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

void ProjectDocument::addRun(const RunSummary& summary, const QString& startedAt) {
  recordRun(m_project, summary, startedAt);
  if (m_project.filePath.isEmpty()) {
    setModified(true);
  } else if (auto saved = ProjectFile::save(m_project, m_project.filePath); !saved) {
    setModified(true);
    MessageBoxHook::warning(
        m_window, tr("Cannot save the project"),
        tr("The run ended but could not be added to the project file: %1").arg(saved.error().text()));
  } else {
    setModified(false);
  }
}

}  // namespace attune::ui
