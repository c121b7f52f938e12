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

constexpr int kInputSizeOwn = 0;  // the spin box's "model's own size" value: config.inputSize unset
constexpr int kThreadsAll = 0;    // the threads spin box's "all cores" value: config.threads unset
constexpr double kPercent = 100.0;
// Dynamic properties of a double spin box: the exact value setConfig gave it, and what it showed.
constexpr char kExactValue[] = "attuneExactValue";
constexpr char kShownValue[] = "attuneShownValue";

// The catalog id of an architecture's recommended pre-trained weights; empty when there are none.
QString defaultCatalogId(const QString& architecture) {
  const auto catalog = ModelCatalog::active();
  const CatalogEntry* entry = catalog ? catalog->defaultFor(architecture) : nullptr;
  return entry ? entry->id : QString();
}

// A spin box rounds to its decimals (and clamps to its range); a value the user leaves alone must come
// back exactly, or merely opening and saving a project would change it.
void showValue(QDoubleSpinBox* spin, double value, double scale = 1.0) {
  spin->setValue(value * scale);
  spin->setProperty(kExactValue, value);
  spin->setProperty(kShownValue, spin->value());
}

double readValue(const QDoubleSpinBox* spin, double scale = 1.0) {
  const QVariant shown = spin->property(kShownValue);
  if (shown.isValid() && shown.toDouble() == spin->value()) return spin->property(kExactValue).toDouble();
  return spin->value() / scale;
}

void selectData(QComboBox* combo, int value) {
  combo->setCurrentIndex(std::max(0, combo->findData(value)));
}

template <typename Enum>
Enum currentEnum(const QComboBox* combo) {
  return static_cast<Enum>(combo->currentData().toInt());
}

QString formatEpochList(const std::vector<int>& epochs) {
  QStringList parts;
  for (int epoch : epochs) parts << QString::number(epoch);
  return parts.join(QStringLiteral(", "));
}

std::vector<int> parseEpochList(const QString& text) {
  std::vector<int> epochs;
  for (const QString& part : text.split(QRegularExpression(QStringLiteral("[ ,]+")), Qt::SkipEmptyParts)) {
    bool ok = false;
    const int epoch = part.toInt(&ok);
    if (ok && epoch > 0) epochs.push_back(epoch);
  }
  return epochs;
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

TrainingSettingsPanel::TrainingSettingsPanel(QWidget* parent) : QGroupBox(tr("Training settings"), parent) {
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
  connect(m_unfreezeAtEdit, &QLineEdit::editingFinished, this, [this] {
    // editingFinished also comes when the field merely loses focus.
    if (!m_unfreezeAtEdit->isModified()) return;
    m_unfreezeAtEdit->setText(formatEpochList(parseEpochList(m_unfreezeAtEdit->text())));
    userEdited();
  });

  for (QDoubleSpinBox* spin :
       {static_cast<QDoubleSpinBox*>(m_lrHeadSpin), static_cast<QDoubleSpinBox*>(m_lrBackboneSpin),
        m_layerDecaySpin, m_momentumSpin, m_warmupSpin, m_gammaSpin, m_weightDecaySpin, m_headDropoutSpin,
        m_labelSmoothingSpin, m_l2spSpin, m_clipSpin, m_minDeltaSpin})
    connect(spin, &QDoubleSpinBox::valueChanged, this, &TrainingSettingsPanel::userEdited);
  for (QSpinBox* spin : {m_epochsSpin, m_batchSizeSpin, m_inputSizeSpin, m_freezeGroupsSpin,
                         m_unfreezeEverySpin, m_stepEverySpin, m_plateauPatienceSpin, m_accumulateSpin,
                         m_patienceSpin, m_foldsSpin, m_threadsSpin, m_workersSpin, m_seedSpin})
    connect(spin, &QSpinBox::valueChanged, this, &TrainingSettingsPanel::userEdited);
  for (QCheckBox* check :
       {m_freezeCheck, m_nesterovCheck, m_findLrCheck, m_randomCropCheck, m_flipCheck, m_keepEpochsCheck})
    connect(check, &QCheckBox::toggled, this, &TrainingSettingsPanel::userEdited);
  for (QComboBox* combo : {m_optimizerCombo, m_scheduleCombo, m_classBalanceCombo, m_monitorCombo,
                           m_precisionCombo, m_featureCacheCombo})
    connect(combo, &QComboBox::currentIndexChanged, this, &TrainingSettingsPanel::userEdited);
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
  for (QWidget* field : {static_cast<QWidget*>(m_inputSizeSpin), static_cast<QWidget*>(m_randomCropCheck)})
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
  showValue(m_lrHeadSpin, config.lrHead);
  showValue(m_lrBackboneSpin, config.lrBackbone);
  m_freezeCheck->setChecked(config.freeze == FreezeMode::Backbone);
  m_epochsSpin->setValue(config.epochs);
  m_batchSizeSpin->setValue(config.batchSize);
  m_inputSizeSpin->setValue(config.inputSize.value_or(kInputSizeOwn));

  showValue(m_layerDecaySpin, config.layerDecay);
  m_freezeGroupsSpin->setValue(config.freezeGroups);
  m_unfreezeEverySpin->setValue(config.unfreezeEvery);
  m_unfreezeAtEdit->setText(formatEpochList(config.unfreezeAt));

  selectData(m_optimizerCombo, int(config.optimizer));
  showValue(m_momentumSpin, config.momentum);
  m_nesterovCheck->setChecked(config.nesterov);
  selectData(m_scheduleCombo, int(config.schedule));
  showValue(m_warmupSpin, config.warmupFraction, kPercent);
  m_stepEverySpin->setValue(config.stepEvery);
  showValue(m_gammaSpin, config.gamma);
  m_plateauPatienceSpin->setValue(config.plateauPatience);
  m_findLrCheck->setChecked(config.findLr);

  showValue(m_weightDecaySpin, config.weightDecay);
  showValue(m_headDropoutSpin, config.headDropout);
  showValue(m_labelSmoothingSpin, config.labelSmoothing);
  showValue(m_l2spSpin, config.l2sp);
  showValue(m_clipSpin, config.clipGradNorm);
  m_accumulateSpin->setValue(config.accumulateSteps);
  selectData(m_classBalanceCombo, int(config.classBalance));

  selectData(m_monitorCombo, int(config.monitor));
  m_patienceSpin->setValue(config.patience);
  showValue(m_minDeltaSpin, config.minDelta);
  m_foldsSpin->setValue(config.folds);

  selectData(m_precisionCombo, int(config.precision));
  selectData(m_featureCacheCombo, int(config.featureCache));
  m_randomCropCheck->setChecked(config.randomResizedCrop);
  m_flipCheck->setChecked(config.horizontalFlip);
  m_keepEpochsCheck->setChecked(config.keepEveryEpoch);
  m_threadsSpin->setValue(config.threads.value_or(kThreadsAll));
  m_workersSpin->setValue(config.loaderWorkers);
  m_seedSpin->setValue(config.seed);

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
  config.lrHead = readValue(m_lrHeadSpin);
  config.lrBackbone = readValue(m_lrBackboneSpin);
  config.freeze = m_freezeCheck->isChecked() ? FreezeMode::Backbone : FreezeMode::None;
  config.epochs = m_epochsSpin->value();
  config.batchSize = m_batchSizeSpin->value();
  const int inputSize = m_inputSizeSpin->value();
  config.inputSize = inputSize == kInputSizeOwn ? std::nullopt : std::optional<int>(inputSize);

  config.groupLrs = m_groupLrs;
  config.layerDecay = readValue(m_layerDecaySpin);
  config.freezeGroups = m_freezeGroupsSpin->value();
  config.unfreezeEvery = m_unfreezeEverySpin->value();
  config.unfreezeAt = parseEpochList(m_unfreezeAtEdit->text());

  config.optimizer = currentEnum<OptimizerKind>(m_optimizerCombo);
  config.momentum = readValue(m_momentumSpin);
  config.nesterov = m_nesterovCheck->isChecked();
  config.schedule = currentEnum<ScheduleKind>(m_scheduleCombo);
  config.warmupFraction = readValue(m_warmupSpin, kPercent);
  config.stepEvery = m_stepEverySpin->value();
  config.gamma = readValue(m_gammaSpin);
  config.plateauPatience = m_plateauPatienceSpin->value();
  config.findLr = m_findLrCheck->isChecked();

  config.weightDecay = readValue(m_weightDecaySpin);
  config.headDropout = readValue(m_headDropoutSpin);
  config.labelSmoothing = readValue(m_labelSmoothingSpin);
  config.l2sp = readValue(m_l2spSpin);
  config.clipGradNorm = readValue(m_clipSpin);
  config.accumulateSteps = m_accumulateSpin->value();
  config.classBalance = currentEnum<ClassBalance>(m_classBalanceCombo);

  config.monitor = currentEnum<MonitorMetric>(m_monitorCombo);
  config.patience = m_patienceSpin->value();
  config.minDelta = readValue(m_minDeltaSpin);
  config.folds = m_foldsSpin->value();

  config.precision = currentEnum<Precision>(m_precisionCombo);
  config.featureCache = currentEnum<FeatureCacheMode>(m_featureCacheCombo);
  config.randomResizedCrop = m_randomCropCheck->isChecked();
  config.horizontalFlip = m_flipCheck->isChecked();
  config.keepEveryEpoch = m_keepEpochsCheck->isChecked();
  const int threads = m_threadsSpin->value();
  config.threads = threads == kThreadsAll ? std::nullopt : std::optional<int>(threads);
  config.loaderWorkers = m_workersSpin->value();
  config.seed = m_seedSpin->value();
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
  const int batch = std::max(1, m_batchSizeSpin->value());
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
  const bool sgd = currentEnum<OptimizerKind>(m_optimizerCombo) == OptimizerKind::Sgd;
  m_momentumSpin->setEnabled(sgd);
  m_nesterovCheck->setEnabled(sgd);
  const auto schedule = currentEnum<ScheduleKind>(m_scheduleCombo);
  m_warmupSpin->setEnabled(schedule == ScheduleKind::WarmupCosine || schedule == ScheduleKind::WarmupLinear ||
                           schedule == ScheduleKind::OneCycle || schedule == ScheduleKind::Plateau);
  m_stepEverySpin->setEnabled(schedule == ScheduleKind::Step);
  m_gammaSpin->setEnabled(schedule == ScheduleKind::Step || schedule == ScheduleKind::Plateau);
  m_plateauPatienceSpin->setEnabled(schedule == ScheduleKind::Plateau);
  const bool backboneFrozen = m_freezeCheck->isChecked();
  const bool unfreezes =
      m_unfreezeEverySpin->value() > 0 || !parseEpochList(m_unfreezeAtEdit->text()).empty();
  // Frozen for the whole run: the pre-trained layers' rate is not used.
  m_lrBackboneSpin->setEnabled(!backboneFrozen || unfreezes);
  m_freezeGroupsSpin->setEnabled(!backboneFrozen);
  m_minDeltaSpin->setEnabled(m_patienceSpin->value() > 0);
}

void TrainingSettingsPanel::updateLayerGroups() {
  const TrainingConfig config = currentConfig();
  const auto groups = layerGroupsOf(config.architecture);
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
  m_architectureCombo->setToolTip(
      tr("The network that learns your classes. %1").arg(info ? info->description : QString()).trimmed());
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
