#include "ui/TrainingSettingsPanel.h"
#include "ui/FileDialogHook.h"

#include "core/models/Architecture.h"
#include "core/training/LrFinder.h"
#include "core/weights/ModelCatalog.h"
#include "ui/CatalogWeightsStatus.h"
#include "ui/LayerGroupTableModel.h"
#include "ui/LearningRateSpinBox.h"
#include "ui/RatePreviewPlot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace attune::ui {
namespace {

// The catalog id of an architecture's recommended pre-trained weights; empty when there are none.
QString defaultCatalogId(const QString& architecture) {
  const auto catalog = ModelCatalog::active();
  const CatalogEntry* entry = catalog ? catalog->defaultFor(architecture) : nullptr;
  return entry ? entry->id : QString();
}

void selectData(QComboBox* combo, int value) {
  combo->setCurrentIndex(std::max(0, combo->findData(value)));
}

template <typename Enum>
Enum currentEnum(const QComboBox* combo) {
  return static_cast<Enum>(combo->currentData().toInt());
}

// Shows or hides the row of a form that holds `field` (directly, or in the row's own layout).
void setFormRowVisible(QWidget* field, bool visible) {
  auto* form = qobject_cast<QFormLayout*>(field->parentWidget()->layout());
  if (!form) return;
  for (int row = 0; row < form->rowCount(); ++row) {
    QLayoutItem* item = form->itemAt(row, QFormLayout::FieldRole);
    if (item && (item->widget() == field || (item->layout() && item->layout()->indexOf(field) >= 0))) {
      form->setRowVisible(row, visible);
      return;
    }
  }
}

}  // namespace

TrainingSettingsPanel::TrainingSettingsPanel(QWidget* parent)
    : TrainingSettingsPanel(settingInfos(), parent) {}

TrainingSettingsPanel::TrainingSettingsPanel(std::vector<SettingInfo> settings, QWidget* parent)
    : QGroupBox(tr("Training settings"), parent), m_settings(std::move(settings)) {
  buildControls();
  layOut();
  connectEdits();
  setConfig(TrainingConfig{});
}

void TrainingSettingsPanel::connectEdits() {
  connect(m_presetCombo, &QComboBox::currentIndexChanged, this, &TrainingSettingsPanel::choosePreset);
  connect(m_architectureCombo, &QComboBox::currentIndexChanged, this, [this] {
    updateArchitectureHints();
    followArchitectureWithCatalogWeights();
    userEdited();
  });
  connect(m_weightsEdit, &QLineEdit::editingFinished, this, [this] {
    updateWeightsHint();
    userEdited();
  });
  connect(m_weightsBrowseButton, &QPushButton::clicked, this, &TrainingSettingsPanel::chooseWeights);
  connect(m_weightsCatalogButton, &QPushButton::clicked, this, [this] {
    const QString id = defaultCatalogId(m_architectureCombo->currentData().toString());
    if (id.isEmpty()) return;
    m_weightsEdit->setText(QLatin1String(kCatalogScheme) + id);
    updateWeightsHint();
    userEdited();
  });
  connect(m_weightsClearButton, &QPushButton::clicked, this, [this] {
    m_weightsEdit->clear();
    updateWeightsHint();
    userEdited();
  });
  connect(m_findLrButton, &QPushButton::clicked, this, &TrainingSettingsPanel::findLearningRateRequested);
  connect(m_resetRatesButton, &QPushButton::clicked, this, [this] {
    m_groupLrs.clear();
    userEdited();
  });
  connect(m_groupModel, &LayerGroupTableModel::rateEdited, this, &TrainingSettingsPanel::onGroupRateEdited);
  for (const SettingBinding& binding : m_bindings)
    if (!binding.custom) connectSettingEdited(binding, this, [this] { userEdited(); });
}

void TrainingSettingsPanel::fillArchitectures(InputKind input) {
  m_input = input;
  const QSignalBlocker blocker(m_architectureCombo);
  m_architectureCombo->clear();
  for (const ArchitectureInfo& info : architectures()) {
    if (info.input != input) continue;
    m_architectureCombo->addItem(info.displayName, info.id);
    m_architectureCombo->setItemData(m_architectureCombo->count() - 1, info.description, Qt::ToolTipRole);
  }
}

void TrainingSettingsPanel::setTask(TaskKind task) {
  const InputKind input = task == TaskKind::TextClassification ? InputKind::Text : InputKind::Image;
  if (input != m_input) fillArchitectures(input);
  // Input size and augmentation are about pictures: their rows are hidden for texts.
  const bool images = input == InputKind::Image;
  for (QWidget* field :
       {static_cast<QWidget*>(m_inputSizeSpin), controlFor(QStringLiteral("augment.random_resized_crop"))})
    setFormRowVisible(field, images);
  m_weightsCatalogButton->setVisible(images);
}

void TrainingSettingsPanel::setConfig(const TrainingConfig& config) {
  m_loading = true;
  m_config = config;
  m_groupLrs = config.groupLrs;
  selectData(m_presetCombo, int(config.preset));
  m_presetDescription->setText(presetDescription(config.preset));
  int index = m_architectureCombo->findData(config.architecture);
  if (index < 0) {
    // A model this version does not know: keep it visible rather than silently switching models.
    m_architectureCombo->addItem(tr("%1 (unknown)").arg(config.architecture), config.architecture);
    index = m_architectureCombo->count() - 1;
  }
  m_architectureCombo->setCurrentIndex(index);
  m_weightsEdit->setText(QDir::toNativeSeparators(config.weightsPath));
  for (const SettingBinding& binding : m_bindings)
    if (!binding.custom) showSetting(binding, binding.info->get(config));

  updateArchitectureHints();
  updateWeightsHint();
  updateEnabledControls();
  updateLayerGroups();
  m_loading = false;
}

void TrainingSettingsPanel::applyTo(TrainingConfig& config) const {
  config.preset = currentEnum<Preset>(m_presetCombo);
  config.architecture = m_architectureCombo->currentData().toString();
  const QString weights = QDir::fromNativeSeparators(m_weightsEdit->text().trimmed());
  config.weightsPath =
      weights.isEmpty() || isCatalogReference(weights) ? weights : QFileInfo(weights).absoluteFilePath();
  config.groupLrs = m_groupLrs;
  for (const SettingBinding& binding : m_bindings)
    if (!binding.custom) binding.info->put(config, readSetting(binding));
}

TrainingConfig TrainingSettingsPanel::currentConfig() const {
  TrainingConfig config = m_config;
  applyTo(config);
  return config;
}

void TrainingSettingsPanel::setTrainingImageCount(int count) {
  m_trainingImageCount = std::max(0, count);
  updateLayerGroups();
}

int TrainingSettingsPanel::previewStepsPerEpoch() const {
  if (m_trainingImageCount <= 0) return kUnknownStepsPerEpoch;
  const int batch = std::max(1, readSetting(*bindingOf(QStringLiteral("batch_size"))).toInt());
  return (m_trainingImageCount + batch - 1) / batch;
}

void TrainingSettingsPanel::applyFoundRate(double lr) {
  TrainingConfig config = currentConfig();
  applySuggestedRate(config, lr);
  // Rates chosen by hand (with the finder's help) are no longer the preset's.
  config.preset = Preset::Custom;
  setConfig(config);
  Q_EMIT configEdited();
}

void TrainingSettingsPanel::choosePreset() {
  if (m_loading) return;
  const auto preset = currentEnum<Preset>(m_presetCombo);
  TrainingConfig config = currentConfig();
  applyPreset(config, preset);
  setConfig(config);
  emitEdited();
}

void TrainingSettingsPanel::userEdited() {
  if (m_loading) return;
  m_loading = true;  // the combo's change is not a preset choice
  selectData(m_presetCombo, int(Preset::Custom));
  m_presetDescription->setText(presetDescription(Preset::Custom));
  m_loading = false;
  updateEnabledControls();
  updateLayerGroups();
  emitEdited();
}

void TrainingSettingsPanel::onGroupRateEdited(const QString& group, double lr) {
  m_groupLrs[group] = lr;
  userEdited();
}

void TrainingSettingsPanel::updateEnabledControls() {
  const TrainingConfig shown = currentConfig();
  const auto enable = [this](const char* key, bool enabled) {
    controlFor(QString::fromUtf8(key))->setEnabled(enabled);
  };
  const bool sgd = shown.optimizer == OptimizerKind::Sgd;
  enable("optim.momentum", sgd);
  enable("optim.nesterov", sgd);
  const ScheduleKind schedule = shown.schedule;
  enable("schedule.warmup_fraction",
         schedule == ScheduleKind::WarmupCosine || schedule == ScheduleKind::WarmupLinear ||
             schedule == ScheduleKind::OneCycle || schedule == ScheduleKind::Plateau);
  enable("schedule.step_every", schedule == ScheduleKind::Step);
  enable("schedule.gamma", schedule == ScheduleKind::Step || schedule == ScheduleKind::Plateau);
  enable("schedule.plateau_patience", schedule == ScheduleKind::Plateau);
  const bool backboneFrozen = shown.freeze == FreezeMode::Backbone;
  const bool unfreezes = shown.unfreezeEvery > 0 || !shown.unfreezeAt.empty();
  // Frozen for the whole run: the pre-trained layers' rate is not used.
  enable("optim.lr_backbone", !backboneFrozen || unfreezes);
  enable("freeze.groups", !backboneFrozen);
  enable("early_stop.min_delta", shown.patience > 0);
}

void TrainingSettingsPanel::updateLayerGroups() {
  const TrainingConfig config = currentConfig();
  const auto groups = layerGroupsFor(modelChoiceOf(config));
  std::vector<LayerGroupPlan> plan = planLayerGroups(config, groups);
  const QStringList unknown = unknownGroupNames(config, groups);
  if (groups.empty())
    m_groupHint->setText(tr("This model's layer groups are not known."));
  else if (!unknown.isEmpty())
    m_groupHint->setText(tr("Rates set for groups this model does not have are ignored: %1.")
                             .arg(unknown.join(QStringLiteral(", "))));
  else if (!config.groupLrs.empty())
    m_groupHint->setText(tr("Rates typed into the table win over the rules below."));
  else
    m_groupHint->setText(tr("Double-click a rate to set it by hand."));
  m_resetRatesButton->setEnabled(!config.groupLrs.empty());
  m_ratePreview->setPreview(config, plan, previewStepsPerEpoch());
  m_groupModel->setPlan(std::move(plan));
}

void TrainingSettingsPanel::chooseWeights() {
  // BERT and DistilBERT come as a Hugging Face folder (config.json, weights, vocabulary).
  const QString architecture = m_architectureCombo->currentData().toString();
  const bool folder = architecture == QLatin1String(kBertArchitecture) ||
                      architecture == QLatin1String(kDistilBertArchitecture);
  const QString file =
      folder ? FileDialogHook::existingDirectory(this, tr("Choose the model's folder"), m_weightsEdit->text())
             : FileDialogHook::openFileName(
                   this, tr("Choose pre-trained weights"), m_weightsEdit->text(),
                   tr("Weights (*.safetensors *.pth *.pt *.bin model.json);;All files (*)"));
  if (file.isEmpty()) return;
  m_weightsEdit->setText(QDir::toNativeSeparators(file));
  updateWeightsHint();
  userEdited();
}

void TrainingSettingsPanel::updateArchitectureHints() {
  const ArchitectureInfo* info = findArchitecture(m_architectureCombo->currentData().toString());
  m_architectureDescription->setText(info ? info->description
                                          : tr("This model is not available in this version."));
  m_inputSizeSpin->setSpecialValueText(info ? tr("model's own (%1 px)").arg(info->inputSize)
                                            : tr("model's own"));
}

void TrainingSettingsPanel::followArchitectureWithCatalogWeights() {
  const QString weights = m_weightsEdit->text().trimmed();
  if (!isCatalogReference(weights)) return;
  // The ImageNet weights of the newly chosen model, not those of the previous one.
  const QString id = defaultCatalogId(m_architectureCombo->currentData().toString());
  m_weightsEdit->setText(id.isEmpty() ? QString() : QLatin1String(kCatalogScheme) + id);
  updateWeightsHint();
}

void TrainingSettingsPanel::updateWeightsHint() {
  m_catalogWeights->setWeights(m_weightsEdit->text().trimmed());
  m_weightsCatalogButton->setEnabled(
      !defaultCatalogId(m_architectureCombo->currentData().toString()).isEmpty());
  m_weightsHint->setText(
      m_weightsEdit->text().trimmed().isEmpty()
          ? tr("Pre-trained weights work much better than random ones, especially with few "
               "images.")
          : tr("Training starts from these weights; only the last layer is new."));
}

void TrainingSettingsPanel::emitEdited() {
  if (!m_loading) Q_EMIT configEdited();
}

}  // namespace attune::ui
