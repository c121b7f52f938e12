// TrainingSettingsPanel, part 2: the controls, bound to the settings of core's table (which gives
// their ranges, tooltips and choices), and the tabs that hold them. The behaviour (showing and reading
// a config, reacting to edits) is in TrainingSettingsPanel.cpp.

#include "core/models/Architecture.h"
#include "ui/CatalogWeightsStatus.h"
#include "ui/LayerGroupTableModel.h"
#include "ui/LearningRateSpinBox.h"
#include "ui/RatePreviewPlot.h"
#include "ui/SettingsControls.h"
#include "ui/TrainingSettingsPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace attune::ui {
namespace {

constexpr double kPercent = 100.0;  // the warm-up share is shown as a percentage
constexpr int kTableRows = 7;       // rows shown without scrolling: resnet's six groups and a little room

}  // namespace

QWidget* TrainingSettingsPanel::bindSetting(const char* key, const char* objectName, double scale) {
  const QString name = QString::fromUtf8(key);
  const auto it = std::find_if(m_settings.begin(), m_settings.end(),
                               [&](const SettingInfo& info) { return info.key == name; });
  if (it == m_settings.end()) qFatal("TrainingSettingsPanel: the setting table has no %s", key);
  QWidget* control = makeSettingControl(*it, QString::fromUtf8(objectName), scale, this);
  m_bindings.push_back({&*it, control, scale});
  return control;
}

void TrainingSettingsPanel::bindCustom(const char* key, QWidget* control) {
  const QString name = QString::fromUtf8(key);
  const auto it = std::find_if(m_settings.begin(), m_settings.end(),
                               [&](const SettingInfo& info) { return info.key == name; });
  if (it == m_settings.end()) qFatal("TrainingSettingsPanel: the setting table has no %s", key);
  control->setToolTip(it->help);
  m_bindings.push_back({&*it, control, 1.0, /*custom=*/true});
}

const SettingBinding* TrainingSettingsPanel::bindingOf(const QString& key) const {
  for (const SettingBinding& binding : m_bindings)
    if (binding.info->key == key) return &binding;
  return nullptr;
}

QWidget* TrainingSettingsPanel::controlFor(const QString& key) const {
  const SettingBinding* binding = bindingOf(key);
  return binding ? binding->control : nullptr;
}

QString TrainingSettingsPanel::rowLabel(const char* key) const {
  return bindingOf(QString::fromUtf8(key))->info->label + QLatin1Char(':');
}

void TrainingSettingsPanel::addSettingRow(QFormLayout* form, const char* key) const {
  QWidget* control = controlFor(QString::fromUtf8(key));
  if (qobject_cast<QCheckBox*>(control))
    form->addRow(QString(), control);
  else
    form->addRow(rowLabel(key), control);
}

void TrainingSettingsPanel::buildControls() {
  m_presetCombo = makeCombo("presetCombo", QString(), this);
  for (Preset preset : {Preset::Custom, Preset::Quick, Preset::Balanced, Preset::Thorough})
    m_presetCombo->addItem(toString(preset), int(preset));
  bindCustom("preset", m_presetCombo);
  m_presetDescription = hintLabel(QStringLiteral("presetDescription"), this);
  buildBasicsControls();
  buildLayerControls();

  // Optimiser & schedule
  bindSetting("optim.kind", "optimizerCombo");
  bindSetting("optim.momentum", "momentumSpin");
  bindSetting("optim.nesterov", "nesterovCheck");
  bindSetting("schedule.kind", "scheduleCombo");
  qobject_cast<QDoubleSpinBox*>(bindSetting("schedule.warmup_fraction", "warmupSpin", kPercent))
      ->setSuffix(tr(" %"));
  useEpochSuffix(qobject_cast<QSpinBox*>(bindSetting("schedule.step_every", "stepEverySpin")));
  bindSetting("schedule.gamma", "gammaSpin");
  useEpochSuffix(qobject_cast<QSpinBox*>(bindSetting("schedule.plateau_patience", "plateauPatienceSpin")));
  bindSetting("optim.find_lr", "findLrCheck");

  // Regularisation
  bindSetting("optim.weight_decay", "weightDecaySpin");
  bindSetting("model.head_dropout", "headDropoutSpin");
  bindSetting("loss.label_smoothing", "labelSmoothingSpin");
  bindSetting("loss.l2sp", "l2spSpin");
  bindSetting("optim.clip_grad_norm", "clipSpin");
  bindSetting("optim.accumulate", "accumulateSpin");
  bindSetting("loss.class_balance", "classBalanceCombo");

  // Validation
  bindSetting("early_stop.metric", "monitorCombo");
  bindSetting("early_stop.patience", "patienceSpin");
  bindSetting("early_stop.min_delta", "minDeltaSpin");
  bindSetting("kfold.folds", "foldsSpin");
  bindSetting("checkpoint.every_epoch", "keepEpochsCheck");

  // Advanced
  bindSetting("runtime.precision", "precisionCombo");
  bindSetting("runtime.feature_cache", "featureCacheCombo");
  bindSetting("augment.random_resized_crop", "randomCropCheck");
  bindSetting("augment.horizontal_flip", "flipCheck");
  bindSetting("runtime.threads", "threadsSpin");
  bindSetting("runtime.loader_workers", "loaderWorkersSpin");
  bindSetting("seed", "seedSpin");

  // Every other setting of the table: a control made from its type, named by its key.
  for (const SettingInfo& info : m_settings) {
    if (bindingOf(info.key)) continue;
    QWidget* control = makeSettingControl(info, info.key, 1.0, this);
    if (!control) continue;
    m_bindings.push_back({&info, control});
    m_automatic.push_back(&info);
  }
}

void TrainingSettingsPanel::buildBasicsControls() {
  m_architectureCombo = makeCombo("architectureCombo", QString(), this);
  bindCustom("model.architecture", m_architectureCombo);
  fillArchitectures(InputKind::Image);
  m_architectureDescription = hintLabel(QStringLiteral("architectureDescription"), this);

  m_weightsEdit = new QLineEdit(this);
  m_weightsEdit->setObjectName(QStringLiteral("weightsEdit"));
  m_weightsEdit->setPlaceholderText(tr("none: start from random weights"));
  bindCustom("model.weights", m_weightsEdit);
  m_weightsBrowseButton = new QPushButton(tr("Choose…"), this);
  m_weightsBrowseButton->setObjectName(QStringLiteral("weightsBrowseButton"));
  m_weightsBrowseButton->setToolTip(tr("Pick a pre-trained weights file (.safetensors) on disk."));
  m_weightsClearButton = new QPushButton(tr("None"), this);
  m_weightsClearButton->setObjectName(QStringLiteral("weightsClearButton"));
  m_weightsClearButton->setToolTip(tr("Start from random weights instead of a pre-trained file."));
  m_weightsCatalogButton = new QPushButton(tr("ImageNet weights"), this);
  m_weightsCatalogButton->setObjectName(QStringLiteral("weightsCatalogButton"));
  m_weightsCatalogButton->setToolTip(
      tr("Use the weights this model learned on ImageNet (1.2 million photos of 1,000 kinds of things), "
         "published by torchvision. Attune downloads them once and checks them."));
  m_weightsHint = hintLabel(QStringLiteral("weightsHint"), this);
  m_catalogWeights = new CatalogWeightsStatus(this);

  bindSetting("optim.lr_head", "lrHeadSpin");
  m_findLrButton = new QPushButton(tr("Find…"), this);
  m_findLrButton->setObjectName(QStringLiteral("findLrButton"));
  m_findLrButton->setToolTip(
      tr("Try rates from tiny to huge on your images for a minute and suggest the one where the "
         "model learns fastest. Nothing is saved; you choose whether to use the suggestion."));
  bindSetting("optim.lr_backbone", "lrBackboneSpin");
  bindSetting("freeze.backbone", "freezeCheck");
  bindSetting("epochs", "epochsSpin");
  bindSetting("batch_size", "batchSizeSpin");
  m_inputSizeSpin = qobject_cast<QSpinBox*>(bindSetting("model.input_size", "inputSizeSpin"));
  m_inputSizeSpin->setSuffix(tr(" px"));
}

void TrainingSettingsPanel::buildLayerControls() {
  m_groupModel = new LayerGroupTableModel(this);
  m_groupTable = new QTableView(this);
  m_groupTable->setObjectName(QStringLiteral("layerGroupTable"));
  m_groupTable->setModel(m_groupModel);
  bindCustom("optim.group_lrs", m_groupTable);
  m_groupTable->setItemDelegateForColumn(
      LayerGroupTableModel::RateColumn,
      new RateDelegate(*bindingOf(QStringLiteral("optim.group_lrs"))->info, m_groupTable));
  m_groupTable->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                                QAbstractItemView::SelectedClicked);
  m_groupTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_groupTable->verticalHeader()->hide();
  m_groupTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_groupTable->setMinimumHeight(m_groupTable->horizontalHeader()->sizeHint().height() +
                                 kTableRows * m_groupTable->verticalHeader()->defaultSectionSize() + 4);
  m_resetRatesButton = new QPushButton(tr("Reset rates"), this);
  m_resetRatesButton->setObjectName(QStringLiteral("resetRatesButton"));
  m_resetRatesButton->setToolTip(
      tr("Forget the rates typed into the table: every group goes back to the rate worked out from the "
         "two learning rates and the layer decay."));
  m_groupHint = hintLabel(QStringLiteral("layerGroupHint"), this);

  bindSetting("freeze.groups", "freezeGroupsSpin");
  useEpochSuffix(qobject_cast<QSpinBox*>(bindSetting("freeze.unfreeze_every", "unfreezeEverySpin")));
  bindSetting("freeze.unfreeze_at", "unfreezeAtEdit");
  bindSetting("optim.layer_decay", "layerDecaySpin");
  m_ratePreview = new RatePreviewPlot(this);
}

void TrainingSettingsPanel::layOut() {
  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName(QStringLiteral("settingsTabs"));
  m_tabs->addTab(basicsPage(), tr("Basics"));
  m_tabs->addTab(layersPage(), tr("Layers"));
  m_tabs->addTab(optimiserPage(), tr("Optimiser"));
  m_tabs->setTabToolTip(m_tabs->count() - 1, tr("The optimiser and the learning-rate schedule."));
  m_tabs->addTab(regularisationPage(), tr("Regularisation"));
  m_tabs->addTab(validationPage(), tr("Validation"));
  m_tabs->addTab(advancedPage(), tr("Advanced"));
  m_tabs->setUsesScrollButtons(true);

  auto* presetForm = newForm(nullptr);
  presetForm->addRow(rowLabel("preset"), m_presetCombo);
  presetForm->addRow(QString(), m_presetDescription);
  copyToolTipsToLabels(presetForm);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(presetForm);
  layout->addWidget(m_tabs);
}

QWidget* TrainingSettingsPanel::basicsPage() {
  auto* page = new QWidget(this);
  // The buttons go below the path: next to it they would leave too little room to read it.
  auto* weightsButtons = row({m_weightsCatalogButton, m_weightsBrowseButton, m_weightsClearButton});
  auto* lrHeadRow = new QHBoxLayout;
  lrHeadRow->addWidget(controlFor(QStringLiteral("optim.lr_head")), 1);
  lrHeadRow->addWidget(m_findLrButton);
  auto* form = newForm(page);
  form->addRow(rowLabel("model.architecture"), m_architectureCombo);
  form->addRow(QString(), m_architectureDescription);
  form->addRow(rowLabel("model.weights"), m_weightsEdit);
  form->addRow(QString(), weightsButtons);
  form->addRow(QString(), m_weightsHint);
  form->addRow(QString(), m_catalogWeights);
  form->addRow(rowLabel("optim.lr_head"), lrHeadRow);
  for (const char* key : {"optim.lr_backbone", "freeze.backbone", "epochs", "batch_size", "model.input_size"})
    addSettingRow(form, key);
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::layersPage() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(m_groupTable);
  auto* tableButtons = new QHBoxLayout;
  tableButtons->addWidget(m_groupHint, 1);
  tableButtons->addWidget(m_resetRatesButton, 0, Qt::AlignTop);
  layout->addLayout(tableButtons);
  auto* form = newForm(nullptr);
  for (const char* key :
       {"optim.layer_decay", "freeze.groups", "freeze.unfreeze_every", "freeze.unfreeze_at"})
    addSettingRow(form, key);
  copyToolTipsToLabels(form);
  layout->addLayout(form);
  layout->addWidget(m_ratePreview, 1);
  return page;
}

QWidget* TrainingSettingsPanel::optimiserPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  for (const char* key :
       {"optim.kind", "optim.momentum", "optim.nesterov", "schedule.kind", "schedule.warmup_fraction",
        "schedule.step_every", "schedule.gamma", "schedule.plateau_patience", "optim.find_lr"})
    addSettingRow(form, key);
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::regularisationPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  for (const char* key : {"optim.weight_decay", "model.head_dropout", "loss.label_smoothing", "loss.l2sp",
                          "optim.clip_grad_norm", "optim.accumulate", "loss.class_balance"})
    addSettingRow(form, key);
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::validationPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  for (const char* key : {"early_stop.metric", "early_stop.patience", "early_stop.min_delta", "kfold.folds"})
    addSettingRow(form, key);
  form->addRow(tr("Checkpoints:"), controlFor(QStringLiteral("checkpoint.every_epoch")));
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::advancedPage() {
  m_advancedPage = new QWidget(this);
  auto* form = newForm(m_advancedPage);
  addSettingRow(form, "runtime.precision");
  addSettingRow(form, "runtime.feature_cache");
  form->addRow(tr("Augmentation:"), row({controlFor(QStringLiteral("augment.random_resized_crop")),
                                         controlFor(QStringLiteral("augment.horizontal_flip"))}));
  for (const char* key : {"runtime.threads", "runtime.loader_workers", "seed"}) addSettingRow(form, key);
  // The settings no control above is placed for, in the table's order.
  for (const SettingInfo* info : m_automatic) addSettingRow(form, info->key.toUtf8().constData());
  copyToolTipsToLabels(form);
  return m_advancedPage;
}

}  // namespace attune::ui
