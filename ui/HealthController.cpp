#include "ui/HealthController.h"

#include "core/dataset/DatasetHealth.h"
#include "ui/DataHealthView.h"
#include "ui/LabelStore.h"
#include "ui/MessageBoxHook.h"
#include "ui/ProjectDocument.h"
#include "ui/TrainingSettingsPanel.h"

namespace attune::ui {

HealthController::HealthController(ProjectDocument& document, LabelStore* labels, DataHealthView* view,
                                   TrainingSettingsPanel* settings, QWidget* window)
    : WindowController(document, window),
      m_labels(labels),
      m_view(view),
      m_settings(settings),
      m_job([&document] { return document.filePath(); }) {
  connect(m_view, &DataHealthView::checkRequested, this, &HealthController::check);
  connect(m_view, &DataHealthView::fixRequested, this, &HealthController::fix);
}

void HealthController::clear() {
  m_view->clear();
}

void HealthController::check() {
  if (m_job.isRunning()) return;
  m_view->setChecking(true);
  m_job.start(
      m_document.filePath(), [project = m_document.project()] { return checkDatasetHealth(project); },
      [this](Result<std::vector<HealthFinding>> findings) {
        m_view->setChecking(false);
        if (!findings)
          m_view->clear(tr("The data could not be checked: %1").arg(findings.error().text()));
        else
          m_view->setFindings(std::move(*findings), m_document.filePath());
      },
      [this] { m_view->setChecking(false); });
}

void HealthController::fix(const HealthFinding& finding) {
  if (finding.fix == HealthFix::WeightClasses) {
    m_document.edit().config.classBalance = ClassBalance::WeightedLoss;
    m_settings->setConfig(m_document.project().config);
    m_document.setModified(true);
    emit statusMessage(tr("The classes are weighted in the loss from the next run on."), kStatusMessage_ms);
  } else {
    QStringList keys;
    QStringList classNames;
    healthFixLabels(finding, keys, classNames);
    if (keys.isEmpty()) return;
    if (auto made = m_labels->setLabels(keys, classNames, finding.fixLabel); !made) {
      MessageBoxHook::warning(m_window, tr("Not fixed"), made.error().text());
      return;
    }
  }
  check();
}

}  // namespace attune::ui
