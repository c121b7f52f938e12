#include "ui/TrainingController.h"

#include "core/training/LrFinder.h"
#include "core/training/TrainingJob.h"
#include "ui/LabelView.h"
#include "ui/LrFinderDialog.h"
#include "ui/MessageBoxHook.h"
#include "ui/ProjectDocument.h"
#include "ui/RunController.h"
#include "ui/RunEngine.h"
#include "ui/RunPanel.h"
#include "ui/TrainingCharts.h"
#include "ui/TrainingSettingsPanel.h"

namespace attune::ui {

TrainingController::TrainingController(ProjectDocument& document, const Views& views, QWidget* window)
    : WindowController(document, window), m_views(views), m_runs(new RunController(this)) {
  connect(m_views.runPanel, &RunPanel::trainClicked, this, [this] { startRun(); });
  connect(m_views.runPanel, &RunPanel::stopClicked, this, &TrainingController::stop);
  connect(m_views.runPanel, &RunPanel::pauseToggled, m_runs, &RunController::setPaused);
  connect(m_runs, &RunController::drained, this, [this](const MetricsDrain& drain) {
    m_views.charts->append(drain.steps, drain.epochs);
    m_views.runPanel->append(drain);
  });
  connect(m_runs, &RunController::runEnded, this, &TrainingController::onRunEnded);
  connect(m_views.settings, &TrainingSettingsPanel::findLearningRateRequested, this,
          &TrainingController::findLearningRate);
  connect(m_views.settings, &TrainingSettingsPanel::configEdited, this, [this] {
    m_views.settings->applyTo(m_document.edit().config);
    m_document.setModified(true);
  });
}

TrainingController::~TrainingController() = default;

void TrainingController::setEngine(std::unique_ptr<RunEngine> engine) {
  m_runs->setEngine(std::move(engine));
}

bool TrainingController::isTraining() const {
  return m_runs->isRunning();
}

bool TrainingController::startRun(const QString& fromRun, int fromEpoch, bool quick) {
  if (isTraining()) return false;
  m_document.applyPendingEdits();
  if (m_document.filePath().isEmpty()) {
    MessageBoxHook::information(m_window, tr("Save the project first"),
                                tr("Each run is stored in a runs folder next to the project file, so the "
                                   "project needs a file first."));
    if (!m_document.saveWithDialog()) return false;
  }
  // A quick run (the labelling loop) trains the head alone on cached features; the project's own
  // settings stay as they are.
  Project settings = m_document.project();
  if (quick) applyPreset(settings.config, Preset::Quick);
  auto job = fromRun.isEmpty() ? prepareTrainingJob(settings)
                               : prepareContinuedJob(settings, fromRun, QString::number(fromEpoch));
  if (!job) {
    MessageBoxHook::warning(m_window, tr("Cannot start training"), job.error().text());
    return false;
  }
  m_views.charts->clear();
  m_views.runPanel->startRun(job->config.epochs);
  for (const QString& warning : job->dataReport.warnings)
    m_views.runPanel->addEvent({RunEventKind::Warning, warning});
  for (const SkippedFile& skipped : job->dataReport.skipped)
    m_views.runPanel->addEvent(
        {RunEventKind::Warning, tr("Skipped %1: %2").arg(skipped.path, skipped.reason)});
  m_runs->start(std::move(job.value()));
  m_document.setRunInProgress(true);
  m_views.labelView->startCountingForRun();
  emit busyChanged();
  return true;
}

void TrainingController::stop() {
  m_runs->requestStop();
}

void TrainingController::stopAndWait() {
  m_runs->stopAndWait();
}

void TrainingController::onRunEnded(const RunSummary& summary, const QString& startedAt) {
  m_document.setRunInProgress(false);
  m_views.runPanel->finishRun(summary);
  // A run whose folder could not even be created has nothing to point to.
  if (!summary.runId.isEmpty()) m_document.addRun(summary, startedAt);
  emit runEnded(summary);
  emit busyChanged();
}

void TrainingController::findLearningRate() {
  // The whole settings panel is disabled during a run; this guards calls from elsewhere.
  if (isTraining()) return;
  Project project = m_document.project();
  m_views.settings->applyTo(project.config);
  auto job = prepareTrainingJob(project);
  if (!job) {
    MessageBoxHook::warning(m_window, tr("Cannot find the learning rate"), job.error().text());
    return;
  }
  // The job is shared with the worker thread, which the dialog joins before it is destroyed.
  auto sharedJob = std::make_shared<const TrainingJob>(std::move(job.value()));
  auto* dialog = new LrFinderDialog(
      [sharedJob](const LrFinderProgress& progress, const std::atomic<bool>& stop) {
        return attune::findLearningRate(*sharedJob, LrFinderOptions{}, stop, progress);
      },
      m_window);
  dialog->setObjectName(QStringLiteral("lrFinderDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  // Window-modal: training or other settings while the test runs would change what it measures.
  dialog->setWindowModality(Qt::WindowModal);
  connect(dialog, &LrFinderDialog::rateChosen, m_views.settings, &TrainingSettingsPanel::applyFoundRate);
  dialog->show();
  dialog->start();
}

}  // namespace attune::ui
