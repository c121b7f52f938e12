#include "ui/DataController.h"

#include "ui/DataPanel.h"
#include "ui/EvaluationView.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/ProjectDocument.h"
#include "ui/TextDataPanel.h"
#include "ui/TextsView.h"
#include "ui/TrainingSettingsPanel.h"
#include "ui/TryPanel.h"

#include <QSet>
#include <QStackedWidget>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace attune::ui {

DataController::DataController(ProjectDocument& document, LabelStore* labels, const Views& views,
                               QWidget* window)
    : WindowController(document, window),
      m_labels(labels),
      m_views(views),
      m_labelRefreshTimer(new QTimer(this)) {
  m_labelRefreshTimer->setSingleShot(true);
  m_labelRefreshTimer->setInterval(kLabelRefresh_ms);
  connect(m_labelRefreshTimer, &QTimer::timeout, this, &DataController::refreshAfterLabels);
  connect(m_labels, &LabelStore::labelsChanged, this, &DataController::onLabelsChanged);
  connect(m_views.images, &DataPanel::folderChosen, this, &DataController::onFolderChosen);
  connect(m_views.texts, &TextDataPanel::dataChosen, this, &DataController::onTextDataChosen);
  connect(&m_document, &ProjectDocument::aboutToSave, this, &DataController::flushLabelRefresh);
}

void DataController::showProject() {
  const Project& project = m_document.project();
  const LabelState& labels = m_labels->state();
  m_views.images->setLabelState(labels);
  m_views.texts->setLabelState(labels);
  showDecidedItems();
  const bool texts = project.task == TaskKind::TextClassification;
  m_views.dataStack->setCurrentWidget(texts ? static_cast<QWidget*>(m_views.texts) : m_views.images);
  m_views.images->setFolder(texts ? QString() : project.data.folder);
  m_views.texts->setSource(texts ? project.data : DataSource{});
  m_views.textsView->setDataset(m_views.texts->dataset());
  m_views.tryPanel->setTextColumn(project.data.textColumn);
  updateLabelView();
  updateTrainingItemCount();
}

void DataController::setEditable(bool editable) {
  m_views.images->setEditable(editable);
  m_views.texts->setEditable(editable);
}

void DataController::onFolderChosen(const QString& folder) {
  Project& project = m_document.edit();
  project.data.folder = folder;
  project.classes = m_views.images->classes();
  updateLabelView();
  updateTrainingItemCount();
  m_document.setModified(true);
}

void DataController::onTextDataChosen() {
  Project& project = m_document.edit();
  m_views.texts->applyTo(project.data);
  m_views.tryPanel->setTextColumn(project.data.textColumn);
  project.classes = m_views.texts->classes();
  m_views.textsView->setDataset(m_views.texts->dataset());
  updateLabelView();
  updateTrainingItemCount();
  m_document.setModified(true);
}

void DataController::updateLabelView() {
  const Project& project = m_document.project();
  if (project.task == TaskKind::TextClassification)
    m_views.labelView->setTexts(m_views.texts->tableDataset(), project.data.table);
  else
    m_views.labelView->setImages(m_views.images->scannedImages());
}

void DataController::updateTrainingItemCount() {
  const Project& project = m_document.project();
  // For the settings' rate preview: the validation share is held out from training.
  const double trainShare = std::clamp(1.0 - project.data.valFraction, 0.0, 1.0);
  const int items = project.task == TaskKind::TextClassification ? m_views.texts->labelledCount()
                                                                 : m_views.images->imageCount();
  m_views.settings->setTrainingImageCount(int(std::lround(items * trainShare)));
}

void DataController::onLabelsChanged(const QStringList& keys) {
  // Relabelled items change counts only: the data panels (a pass over every item: about 60 ms at
  // 100,000 images, bench_label_grid) recount kLabelRefresh_ms after a label has shown, at most once
  // per that time, so that a key costs the Label tab's time alone. A change of classes shows at once.
  if (keys.isEmpty()) {
    refreshAfterLabels();
    return;
  }
  if (!m_labelRefreshTimer->isActive()) m_labelRefreshTimer->start();
}

void DataController::flushLabelRefresh() {
  if (m_labelRefreshTimer->isActive()) refreshAfterLabels();
}

void DataController::refreshAfterLabels() {
  m_labelRefreshTimer->stop();
  const LabelState& labels = m_labels->state();
  Project& project = m_document.edit();
  if (project.task == TaskKind::TextClassification) {
    m_views.texts->setLabelState(labels);
    m_views.textsView->setDataset(m_views.texts->dataset());
    project.classes = m_views.texts->classes();
  } else {
    m_views.images->setLabelState(labels);
    project.classes = m_views.images->classes();
  }
  showDecidedItems();
  updateTrainingItemCount();
}

void DataController::showDecidedItems() {
  QSet<QString> decided;
  for (const auto& [key, className] : m_labels->state().itemLabels) decided.insert(key);
  m_views.evaluationView->setDecidedItems(std::move(decided));
}

}  // namespace attune::ui
