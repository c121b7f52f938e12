#include "ui/TrainingSettingsPanel.h"

#include "core/models/Architecture.h"
#include "core/weights/ModelCatalog.h"
#include "ui/CatalogWeightsStatus.h"
#include "ui/LearningRateSpinBox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace attune::ui {
namespace {

constexpr int kInputSizeOwn = 0;  // the spin box's "model's own size" value: config.inputSize unset
constexpr int kInputSizeStep_px = 32;
constexpr int kMaxInputSize_px = 1024;
constexpr int kMaxEpochs = 10000;
constexpr int kMaxBatchSize = 4096;

QLabel* hintLabel(const QString& objectName, QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setObjectName(objectName);
  label->setWordWrap(true);
  label->setForegroundRole(QPalette::PlaceholderText);
  return label;
}

// The catalog id of an architecture's recommended pre-trained weights; empty when there are none.
QString defaultCatalogId(const QString& architecture) {
  const auto catalog = ModelCatalog::active();
  const CatalogEntry* entry = catalog ? catalog->defaultFor(architecture) : nullptr;
  return entry ? entry->id : QString();
}

}  // namespace

TrainingSettingsPanel::TrainingSettingsPanel(QWidget* parent) : QGroupBox(tr("Training settings"), parent) {
  buildControls();
  layOut();
  connectEdits();
  setConfig(TrainingConfig{});
}

void TrainingSettingsPanel::buildControls() {
  m_architectureCombo = new QComboBox(this);
  m_architectureCombo->setObjectName(QStringLiteral("architectureCombo"));
  for (const ArchitectureInfo& info : architectures()) {
    m_architectureCombo->addItem(info.displayName, info.id);
    m_architectureCombo->setItemData(m_architectureCombo->count() - 1, info.description, Qt::ToolTipRole);
  }
  m_architectureCombo->setToolTip(tr("The network that learns your classes."));
  m_architectureDescription = hintLabel(QStringLiteral("architectureDescription"), this);

  m_weightsEdit = new QLineEdit(this);
  m_weightsEdit->setObjectName(QStringLiteral("weightsEdit"));
  m_weightsEdit->setPlaceholderText(tr("none: start from random weights"));
  m_weightsEdit->setToolTip(
      tr("Weights the model learned before on a large image collection: ImageNet weights from "
         "Attune's catalog, or a file (.safetensors, PyTorch .pth, a TF.js model.json). Training then "
         "only adapts what the model already knows."));
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

  m_lrHeadSpin = new LearningRateSpinBox(this);
  m_lrHeadSpin->setObjectName(QStringLiteral("lrHeadSpin"));
  m_lrHeadSpin->setToolTip(
      tr("How big a step the new last layer (the one that picks your classes) takes when "
         "it learns. Too high and the loss jumps around; too low and it barely moves."));
  m_lrBackboneSpin = new LearningRateSpinBox(this);
  m_lrBackboneSpin->setObjectName(QStringLiteral("lrBackboneSpin"));
  m_lrBackboneSpin->setMinimum(0.0);
  m_lrBackboneSpin->setToolTip(
      tr("How big a step the pre-trained layers take. Keep it about 10 times smaller "
         "than the new layer's, so they keep what they already know. 0 leaves them "
         "as they are."));
  m_freezeCheck = new QCheckBox(tr("Freeze the pre-trained layers"), this);
  m_freezeCheck->setObjectName(QStringLiteral("freezeCheck"));
  m_freezeCheck->setToolTip(
      tr("Train only the new last layer. Faster and safer with few images, but the "
         "model cannot adapt its features to your pictures."));

  m_epochsSpin = new QSpinBox(this);
  m_epochsSpin->setObjectName(QStringLiteral("epochsSpin"));
  m_epochsSpin->setRange(1, kMaxEpochs);
  m_epochsSpin->setToolTip(tr("How many times training goes through all your training images."));
  m_batchSizeSpin = new QSpinBox(this);
  m_batchSizeSpin->setObjectName(QStringLiteral("batchSizeSpin"));
  m_batchSizeSpin->setRange(1, kMaxBatchSize);
  m_batchSizeSpin->setToolTip(
      tr("How many images the model looks at before each learning step. Larger "
         "batches need more memory; smaller ones give noisier steps."));
  m_inputSizeSpin = new QSpinBox(this);
  m_inputSizeSpin->setObjectName(QStringLiteral("inputSizeSpin"));
  m_inputSizeSpin->setRange(kInputSizeOwn, kMaxInputSize_px);
  m_inputSizeSpin->setSingleStep(kInputSizeStep_px);
  m_inputSizeSpin->setSuffix(tr(" px"));
  m_inputSizeSpin->setToolTip(
      tr("The side, in pixels, every image is resized to. Smaller is faster; the "
         "model's own size usually gives the best accuracy."));

  m_randomCropCheck = new QCheckBox(tr("Random crop"), this);
  m_randomCropCheck->setObjectName(QStringLiteral("randomCropCheck"));
  m_randomCropCheck->setToolTip(
      tr("Show the model a randomly cut and zoomed part of each image, different every "
         "time, so it learns the object rather than the exact picture."));
  m_flipCheck = new QCheckBox(tr("Horizontal flip"), this);
  m_flipCheck->setObjectName(QStringLiteral("flipCheck"));
  m_flipCheck->setToolTip(
      tr("Mirror images left-right at random. Turn off when left and right matter "
         "(text, arrows)."));

  m_optimizerCombo = new QComboBox(this);
  m_optimizerCombo->setObjectName(QStringLiteral("optimizerCombo"));
  m_optimizerCombo->addItem(tr("AdamW"), int(OptimizerKind::AdamW));
  m_optimizerCombo->addItem(tr("SGD with momentum"), int(OptimizerKind::Sgd));
  m_optimizerCombo->setToolTip(
      tr("The method that turns errors into weight changes. AdamW works well "
         "without tuning; SGD can do slightly better with well-chosen learning rates."));
}

void TrainingSettingsPanel::layOut() {
  // The buttons go below the path: next to it they would leave too little room to read it.
  auto* weightsButtons = new QHBoxLayout;
  weightsButtons->addWidget(m_weightsCatalogButton);
  weightsButtons->addWidget(m_weightsBrowseButton);
  weightsButtons->addWidget(m_weightsClearButton);
  weightsButtons->addStretch(1);
  auto* augmentRow = new QHBoxLayout;
  augmentRow->addWidget(m_randomCropCheck);
  augmentRow->addWidget(m_flipCheck);
  augmentRow->addStretch(1);

  auto* form = new QFormLayout(this);
  form->setRowWrapPolicy(QFormLayout::DontWrapRows);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("Model:"), m_architectureCombo);
  form->addRow(QString(), m_architectureDescription);
  form->addRow(tr("Pre-trained weights:"), m_weightsEdit);
  form->addRow(QString(), weightsButtons);
  form->addRow(QString(), m_weightsHint);
  form->addRow(QString(), m_catalogWeights);
  form->addRow(tr("Learning rate, new layer:"), m_lrHeadSpin);
  form->addRow(tr("Learning rate, pre-trained layers:"), m_lrBackboneSpin);
  form->addRow(QString(), m_freezeCheck);
  form->addRow(tr("Epochs:"), m_epochsSpin);
  form->addRow(tr("Batch size:"), m_batchSizeSpin);
  form->addRow(tr("Input size:"), m_inputSizeSpin);
  form->addRow(tr("Augmentation:"), augmentRow);
  form->addRow(tr("Optimizer:"), m_optimizerCombo);
  // The labels carry the same explanation as their controls.
  for (int row = 0; row < form->rowCount(); ++row) {
    QLayoutItem* label = form->itemAt(row, QFormLayout::LabelRole);
    QLayoutItem* field = form->itemAt(row, QFormLayout::FieldRole);
    if (label && label->widget() && field && field->widget())
      label->widget()->setToolTip(field->widget()->toolTip());
  }
}

void TrainingSettingsPanel::connectEdits() {
  connect(m_architectureCombo, &QComboBox::currentIndexChanged, this, [this] {
    updateArchitectureHints();
    followArchitectureWithCatalogWeights();
    emitEdited();
  });
  connect(m_weightsEdit, &QLineEdit::editingFinished, this, [this] {
    updateWeightsHint();
    emitEdited();
  });
  connect(m_weightsBrowseButton, &QPushButton::clicked, this, &TrainingSettingsPanel::chooseWeights);
  connect(m_weightsCatalogButton, &QPushButton::clicked, this, [this] {
    const QString id = defaultCatalogId(m_architectureCombo->currentData().toString());
    if (id.isEmpty()) return;
    m_weightsEdit->setText(QLatin1String(kCatalogScheme) + id);
    updateWeightsHint();
    emitEdited();
  });
  connect(m_weightsClearButton, &QPushButton::clicked, this, [this] {
    m_weightsEdit->clear();
    updateWeightsHint();
    emitEdited();
  });
  connect(m_freezeCheck, &QCheckBox::toggled, this, [this](bool frozen) {
    m_lrBackboneSpin->setEnabled(!frozen);
    emitEdited();
  });
  for (QDoubleSpinBox* spin :
       {static_cast<QDoubleSpinBox*>(m_lrHeadSpin), static_cast<QDoubleSpinBox*>(m_lrBackboneSpin)})
    connect(spin, &QDoubleSpinBox::valueChanged, this, &TrainingSettingsPanel::emitEdited);
  for (QSpinBox* spin : {m_epochsSpin, m_batchSizeSpin, m_inputSizeSpin})
    connect(spin, &QSpinBox::valueChanged, this, &TrainingSettingsPanel::emitEdited);
  for (QCheckBox* check : {m_randomCropCheck, m_flipCheck})
    connect(check, &QCheckBox::toggled, this, &TrainingSettingsPanel::emitEdited);
  connect(m_optimizerCombo, &QComboBox::currentIndexChanged, this, &TrainingSettingsPanel::emitEdited);
}

void TrainingSettingsPanel::setConfig(const TrainingConfig& config) {
  m_loading = true;
  int index = m_architectureCombo->findData(config.architecture);
  if (index < 0) {
    // A model this version does not know: keep it visible rather than silently switching models.
    m_architectureCombo->addItem(tr("%1 (unknown)").arg(config.architecture), config.architecture);
    index = m_architectureCombo->count() - 1;
  }
  m_architectureCombo->setCurrentIndex(index);
  m_weightsEdit->setText(QDir::toNativeSeparators(config.weightsPath));
  m_lrHeadSpin->setValue(config.lrHead);
  m_lrBackboneSpin->setValue(config.lrBackbone);
  m_freezeCheck->setChecked(config.freeze == FreezeMode::Backbone);
  m_lrBackboneSpin->setEnabled(config.freeze != FreezeMode::Backbone);
  m_epochsSpin->setValue(config.epochs);
  m_batchSizeSpin->setValue(config.batchSize);
  m_inputSizeSpin->setValue(config.inputSize.value_or(kInputSizeOwn));
  m_randomCropCheck->setChecked(config.randomResizedCrop);
  m_flipCheck->setChecked(config.horizontalFlip);
  m_optimizerCombo->setCurrentIndex(std::max(0, m_optimizerCombo->findData(int(config.optimizer))));
  updateArchitectureHints();
  updateWeightsHint();
  m_loading = false;
}

void TrainingSettingsPanel::applyTo(TrainingConfig& config) const {
  config.architecture = m_architectureCombo->currentData().toString();
  const QString weights = QDir::fromNativeSeparators(m_weightsEdit->text().trimmed());
  config.weightsPath =
      weights.isEmpty() || isCatalogReference(weights) ? weights : QFileInfo(weights).absoluteFilePath();
  config.lrHead = m_lrHeadSpin->value();
  config.lrBackbone = m_lrBackboneSpin->value();
  config.freeze = m_freezeCheck->isChecked() ? FreezeMode::Backbone : FreezeMode::None;
  config.epochs = m_epochsSpin->value();
  config.batchSize = m_batchSizeSpin->value();
  const int inputSize = m_inputSizeSpin->value();
  config.inputSize = inputSize == kInputSizeOwn ? std::nullopt : std::optional<int>(inputSize);
  config.randomResizedCrop = m_randomCropCheck->isChecked();
  config.horizontalFlip = m_flipCheck->isChecked();
  config.optimizer = static_cast<OptimizerKind>(m_optimizerCombo->currentData().toInt());
}

void TrainingSettingsPanel::chooseWeights() {
  const QString file =
      QFileDialog::getOpenFileName(this, tr("Choose pre-trained weights"), m_weightsEdit->text(),
                                   tr("Weights (*.safetensors *.pth *.pt *.bin model.json);;All files (*)"));
  if (file.isEmpty()) return;
  m_weightsEdit->setText(QDir::toNativeSeparators(file));
  updateWeightsHint();
  emitEdited();
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
  if (!m_loading) emit configEdited();
}

}  // namespace attune::ui
