// TrainingSettingsPanel, part 2: the controls with their plain-language tooltips, and the tabs that
// hold them. The behaviour (showing and reading a config, reacting to edits) is in
// TrainingSettingsPanel.cpp.

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
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <limits>

namespace attune::ui {
namespace {

constexpr int kInputSizeStep_px = 32;
constexpr int kMaxInputSize_px = 1024;
constexpr int kMaxEpochs = 10000;
constexpr int kMaxBatchSize = 4096;
constexpr int kMaxGroups = 64;
constexpr int kMaxAccumulate = 1024;
constexpr int kMaxThreads = 1024;
constexpr int kMaxWorkers = 64;
constexpr int kMaxFolds = 20;
constexpr int kMaxPatience = 1000;
constexpr int kTableRows = 7;  // rows shown without scrolling: resnet's six groups and a little room

}  // namespace

void TrainingSettingsPanel::buildControls() {
  m_presetCombo = makeCombo(
      "presetCombo",
      tr("Ready-made settings. Quick trains only the new last layer and is done in minutes; Balanced "
         "also adapts the pre-trained layers step by step; Thorough trains everything for longer. "
         "Changing any setting afterwards makes it Custom."),
      this);
  for (Preset preset : {Preset::Custom, Preset::Quick, Preset::Balanced, Preset::Thorough})
    m_presetCombo->addItem(toString(preset), int(preset));
  m_presetDescription = hintLabel(QStringLiteral("presetDescription"), this);
  buildBasicsControls();
  buildLayerControls();
  buildOptimiserControls();
  buildRegularisationControls();
  buildValidationControls();
  buildAdvancedControls();
}

void TrainingSettingsPanel::buildBasicsControls() {
  m_architectureCombo = makeCombo("architectureCombo", tr("The network that learns your classes."), this);
  fillArchitectures(InputKind::Image);
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
  m_findLrButton = new QPushButton(tr("Find…"), this);
  m_findLrButton->setObjectName(QStringLiteral("findLrButton"));
  m_findLrButton->setToolTip(
      tr("Try rates from tiny to huge on your images for a minute and suggest the one where the "
         "model learns fastest. Nothing is saved; you choose whether to use the suggestion."));
  m_lrBackboneSpin = new LearningRateSpinBox(this);
  m_lrBackboneSpin->setObjectName(QStringLiteral("lrBackboneSpin"));
  m_lrBackboneSpin->setMinimum(0.0);
  m_lrBackboneSpin->setToolTip(
      tr("How big a step the pre-trained layers take. Keep it about 10 times smaller "
         "than the new layer's, so they keep what they already know. 0 leaves them "
         "as they are."));
  m_freezeCheck = makeCheck(
      "freezeCheck", tr("Freeze the pre-trained layers"),
      tr("Train only the new last layer (at first, if gradual unfreezing is on in the Layers tab). "
         "Faster and safer with few images, but the model cannot adapt its features to your pictures."),
      this);

  m_epochsSpin = makeSpin("epochsSpin", 1, kMaxEpochs,
                          tr("How many times training goes through all your training images."), this);
  m_batchSizeSpin = makeSpin("batchSizeSpin", 1, kMaxBatchSize,
                             tr("How many images the model looks at before each learning step. Larger "
                                "batches need more memory; smaller ones give noisier steps."),
                             this);
  m_inputSizeSpin = makeSpin("inputSizeSpin", 0, kMaxInputSize_px,
                             tr("The side, in pixels, every image is resized to. Smaller is faster; the "
                                "model's own size usually gives the best accuracy."),
                             this);
  m_inputSizeSpin->setSingleStep(kInputSizeStep_px);
  m_inputSizeSpin->setSuffix(tr(" px"));
}

void TrainingSettingsPanel::buildLayerControls() {
  m_groupModel = new LayerGroupTableModel(this);
  m_groupTable = new QTableView(this);
  m_groupTable->setObjectName(QStringLiteral("layerGroupTable"));
  m_groupTable->setModel(m_groupModel);
  m_groupTable->setItemDelegateForColumn(LayerGroupTableModel::RateColumn, new RateDelegate(m_groupTable));
  m_groupTable->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                                QAbstractItemView::SelectedClicked);
  m_groupTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_groupTable->verticalHeader()->hide();
  m_groupTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_groupTable->setMinimumHeight(m_groupTable->horizontalHeader()->sizeHint().height() +
                                 kTableRows * m_groupTable->verticalHeader()->defaultSectionSize() + 4);
  m_groupTable->setToolTip(
      tr("The model's layers in groups, from the input (top) to the new last layer (bottom): how fast "
         "each group learns and from which epoch. Greyed groups start frozen. Double-click a rate to "
         "change it."));
  m_resetRatesButton = new QPushButton(tr("Reset rates"), this);
  m_resetRatesButton->setObjectName(QStringLiteral("resetRatesButton"));
  m_resetRatesButton->setToolTip(
      tr("Forget the rates typed into the table: every group goes back to the rate worked out from the "
         "two learning rates and the layer decay."));
  m_groupHint = hintLabel(QStringLiteral("layerGroupHint"), this);

  m_freezeGroupsSpin = makeSpin(
      "freezeGroupsSpin", 0, kMaxGroups,
      tr("How many groups of pre-trained layers start frozen (not learning), counted from the input. "
         "Freezing keeps what the model learned on millions of photos; unfreeze when you have more "
         "data. 0: all learn."),
      this);
  m_freezeGroupsSpin->setSpecialValueText(tr("none"));
  m_unfreezeEverySpin = makeSpin(
      "unfreezeEverySpin", 0, kMaxEpochs,
      tr("Gradual unfreezing: every this many epochs one more frozen group starts learning, from the "
         "top down. It lets the new layer settle before the pre-trained layers change. 0: off."),
      this);
  m_unfreezeEverySpin->setSpecialValueText(tr("off"));
  useEpochSuffix(m_unfreezeEverySpin);
  m_unfreezeAtEdit = new QLineEdit(this);
  m_unfreezeAtEdit->setObjectName(QStringLiteral("unfreezeAtEdit"));
  m_unfreezeAtEdit->setPlaceholderText(tr("e.g. 3, 5, 8"));
  m_unfreezeAtEdit->setValidator(
      new QRegularExpressionValidator(QRegularExpression(QStringLiteral("^[0-9 ,]*$")), m_unfreezeAtEdit));
  m_unfreezeAtEdit->setToolTip(
      tr("Instead of a fixed rhythm: the epochs at which one more frozen group starts learning, "
         "separated by commas. Leave empty to use the setting above."));
  m_layerDecaySpin = makeDoubleSpin(
      "layerDecaySpin", 0.01, 1.0, 2, 0.05,
      tr("Each group of pre-trained layers learns this many times as fast as the group above it, so the "
         "layers near the input (general shapes and colours) change least. 1: all learn at the "
         "pre-trained layers' rate; 0.5-0.8 is common."),
      this);
  m_ratePreview = new RatePreviewPlot(this);
}

void TrainingSettingsPanel::buildOptimiserControls() {
  m_optimizerCombo = makeCombo(
      "optimizerCombo",
      tr("The method that turns errors into weight changes. AdamW works well without tuning; Adam is "
         "the same with weight decay mixed into the steps; SGD can do slightly better with "
         "well-chosen learning rates."),
      this);
  for (OptimizerKind kind : {OptimizerKind::AdamW, OptimizerKind::Adam, OptimizerKind::Sgd})
    m_optimizerCombo->addItem(toString(kind), int(kind));
  m_momentumSpin = makeDoubleSpin(
      "momentumSpin", 0.0, 0.999, 3, 0.05,
      tr("SGD only: how much of the previous step carries into the next, which smooths out noisy "
         "steps. 0.9 suits almost every case."),
      this);
  m_nesterovCheck = makeCheck(
      "nesterovCheck", tr("Nesterov momentum"),
      tr("SGD only: a variant of momentum that looks one step ahead; often slightly faster."), this);
  m_scheduleCombo = makeCombo(
      "scheduleCombo",
      tr("How the learning rate changes during the run. Warm-up then cosine works well in most cases: "
         "it starts gently, then slows down towards the end so the model settles."),
      this);
  for (ScheduleKind kind : {ScheduleKind::WarmupCosine, ScheduleKind::WarmupLinear, ScheduleKind::OneCycle,
                            ScheduleKind::Step, ScheduleKind::Plateau, ScheduleKind::Constant})
    m_scheduleCombo->addItem(toString(kind), int(kind));
  m_warmupSpin = makeDoubleSpin(
      "warmupSpin", 0.0, 100.0, 1, 1.0,
      tr("The share of the run during which the rate rises slowly from near 0, so the new layer does "
         "not upset the pre-trained ones at the start."),
      this);
  m_warmupSpin->setSuffix(tr(" %"));
  m_stepEverySpin = makeSpin("stepEverySpin", 1, kMaxEpochs,
                             tr("Step decay: the rate is cut every this many epochs."), this);
  useEpochSuffix(m_stepEverySpin);
  m_gammaSpin = makeDoubleSpin(
      "gammaSpin", 0.01, 1.0, 2, 0.05,
      tr("Step decay and cut on plateau: each cut multiplies the rate by this (0.1: ten times smaller)."),
      this);
  m_plateauPatienceSpin = makeSpin(
      "plateauPatienceSpin", 1, kMaxPatience,
      tr("Cut on plateau: the rate is cut after this many epochs in which the validation loss did not "
         "improve."),
      this);
  useEpochSuffix(m_plateauPatienceSpin);
  m_findLrCheck = makeCheck(
      "findLrCheck", tr("Find the learning rate before training"),
      tr("Before training starts, try rates from tiny to huge for a minute and use the one where the "
         "model learns fastest for the new layer; the other groups keep their ratios to it."),
      this);
}

void TrainingSettingsPanel::buildRegularisationControls() {
  m_weightDecaySpin = new LearningRateSpinBox(this);
  m_weightDecaySpin->setObjectName(QStringLiteral("weightDecaySpin"));
  m_weightDecaySpin->setRange(0.0, 1.0);
  m_weightDecaySpin->setToolTip(
      tr("Gently pulls the weights towards 0 at every step, which keeps the model simple and helps "
         "against learning the training images by heart. 0.01 is a good start; 0 turns it off."));
  m_headDropoutSpin = makeDoubleSpin(
      "headDropoutSpin", 0.0, 0.9, 2, 0.05,
      tr("Hides this share of the features from the new last layer at random while training, so it "
         "cannot rely on a few of them. Try 0.2-0.5 when the model learns the training images by heart "
         "(training accuracy far above validation accuracy)."),
      this);
  m_labelSmoothingSpin = makeDoubleSpin(
      "labelSmoothingSpin", 0.0, 0.5, 2, 0.05,
      tr("Teaches the model not to be 100% sure: it helps when some images are labelled wrongly or "
         "classes look alike. 0.1 is usual; 0 turns it off."),
      this);
  m_l2spSpin = new LearningRateSpinBox(this);
  m_l2spSpin->setObjectName(QStringLiteral("l2spSpin"));
  m_l2spSpin->setRange(0.0, 10.0);
  m_l2spSpin->setToolTip(
      tr("L2-SP: pulls the pre-trained layers back towards what they knew before, so fine-tuning on a "
         "few images does not make them forget. Try 0.01-0.1 with small datasets; 0 turns it off."));
  m_clipSpin = makeDoubleSpin(
      "clipSpin", 0.0, 1000.0, 2, 0.5,
      tr("Limits how large a single learning step can be. Turn it on (1 is usual) when the loss "
         "suddenly jumps up or becomes 'not a number'. 0: off."),
      this);
  m_clipSpin->setSpecialValueText(tr("off"));
  m_accumulateSpin =
      makeSpin("accumulateSpin", 1, kMaxAccumulate,
               tr("Adds up this many batches before each learning step: behaves like a batch this many times "
                  "larger without needing more memory. 1: off."),
               this);
  m_classBalanceCombo = makeCombo(
      "classBalanceCombo",
      tr("What to do when some classes have many more images than others. Automatic weighs the rare "
         "classes more when the largest class has 3 times the images of the smallest."),
      this);
  for (ClassBalance balance :
       {ClassBalance::Auto, ClassBalance::Off, ClassBalance::WeightedLoss, ClassBalance::BalancedSampling})
    m_classBalanceCombo->addItem(toString(balance), int(balance));
}

void TrainingSettingsPanel::buildValidationControls() {
  m_monitorCombo =
      makeCombo("monitorCombo",
                tr("Which validation figure picks the best epoch and decides early stopping. Accuracy counts "
                   "right answers; the loss also notices when the model becomes less sure."),
                this);
  m_monitorCombo->addItem(tr("validation accuracy"), int(MonitorMetric::ValAccuracy));
  m_monitorCombo->addItem(tr("validation loss"), int(MonitorMetric::ValLoss));
  m_patienceSpin =
      makeSpin("patienceSpin", 0, kMaxPatience,
               tr("Early stopping: end the run when the figure above has not improved for this many epochs, "
                  "and keep the best model. Saves time when you set many epochs. 0: never stop early."),
               this);
  m_patienceSpin->setSpecialValueText(tr("off"));
  m_minDeltaSpin = makeDoubleSpin(
      "minDeltaSpin", 0.0, 1.0, 4, 0.001,
      tr("Early stopping: the smallest change that counts as an improvement (0.01 = one point of "
         "accuracy)."),
      this);
  m_foldsSpin = makeSpin(
      "foldsSpin", 1, kMaxFolds,
      tr("k-fold cross-validation: train this many models, each validated on a different part of your "
         "images, for a more trustworthy accuracy with small datasets. Takes this many times longer. "
         "1: off."),
      this);
  m_foldsSpin->setSpecialValueText(tr("off"));
}

void TrainingSettingsPanel::buildAdvancedControls() {
  m_precisionCombo = makeCombo(
      "precisionCombo",
      tr("The number format of the computation. bfloat16 is faster and uses less memory on processors "
         "that support it, at a tiny cost in accuracy; automatic uses it only there."),
      this);
  m_precisionCombo->addItem(tr("float32 (exact)"), int(Precision::Float32));
  m_precisionCombo->addItem(tr("bfloat16 (faster)"), int(Precision::BFloat16));
  m_precisionCombo->addItem(tr("automatic"), int(Precision::Auto));
  m_featureCacheCombo = makeCombo(
      "featureCacheCombo",
      tr("While the pre-trained layers are frozen and augmentation is off, compute what they see in "
         "each image once and reuse it: much faster. Turn off only to save memory."),
      this);
  m_featureCacheCombo->addItem(tr("automatic"), int(FeatureCacheMode::Auto));
  m_featureCacheCombo->addItem(tr("off"), int(FeatureCacheMode::Off));
  m_randomCropCheck =
      makeCheck("randomCropCheck", tr("Random crop"),
                tr("Show the model a randomly cut and zoomed part of each image, different every "
                   "time, so it learns the object rather than the exact picture."),
                this);
  m_flipCheck = makeCheck("flipCheck", tr("Horizontal flip"),
                          tr("Mirror images left-right at random. Turn off when left and right matter "
                             "(text, arrows)."),
                          this);
  m_keepEpochsCheck =
      makeCheck("keepEpochsCheck", tr("Keep every epoch's model"),
                tr("Save the model after every epoch, not only the best and the last, so that any point "
                   "of the validation curve can be evaluated later. Uses disk space: one model per epoch."),
                this);
  m_threadsSpin = makeSpin("threadsSpin", 0, kMaxThreads,
                           tr("How many processor cores the computation uses. Lower it to keep the "
                              "computer responsive for other work."),
                           this);
  m_threadsSpin->setSpecialValueText(tr("all cores"));
  m_workersSpin = makeSpin("loaderWorkersSpin", 0, kMaxWorkers,
                           tr("How many helpers read and prepare images while the model trains. 2 is "
                              "usually enough; more helps with large images on slow disks."),
                           this);
  m_seedSpin = makeSpin("seedSpin", 0, std::numeric_limits<int>::max(),
                        tr("The starting point of every random choice (shuffling, crops). The same "
                           "number gives the same run again; change it to see how much results vary."),
                        this);
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
  presetForm->addRow(tr("Preset:"), m_presetCombo);
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
  lrHeadRow->addWidget(m_lrHeadSpin, 1);
  lrHeadRow->addWidget(m_findLrButton);
  auto* form = newForm(page);
  form->addRow(tr("Model:"), m_architectureCombo);
  form->addRow(QString(), m_architectureDescription);
  form->addRow(tr("Pre-trained weights:"), m_weightsEdit);
  form->addRow(QString(), weightsButtons);
  form->addRow(QString(), m_weightsHint);
  form->addRow(QString(), m_catalogWeights);
  form->addRow(tr("Learning rate, new layer:"), lrHeadRow);
  form->addRow(tr("Learning rate, pre-trained layers:"), m_lrBackboneSpin);
  form->addRow(QString(), m_freezeCheck);
  form->addRow(tr("Epochs:"), m_epochsSpin);
  form->addRow(tr("Batch size:"), m_batchSizeSpin);
  form->addRow(tr("Input size:"), m_inputSizeSpin);
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
  form->addRow(tr("Layer decay:"), m_layerDecaySpin);
  form->addRow(tr("Frozen at the start:"), m_freezeGroupsSpin);
  form->addRow(tr("Unfreeze one group every:"), m_unfreezeEverySpin);
  form->addRow(tr("… or at epochs:"), m_unfreezeAtEdit);
  copyToolTipsToLabels(form);
  layout->addLayout(form);
  layout->addWidget(m_ratePreview, 1);
  return page;
}

QWidget* TrainingSettingsPanel::optimiserPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  form->addRow(tr("Optimizer:"), m_optimizerCombo);
  form->addRow(tr("Momentum:"), m_momentumSpin);
  form->addRow(QString(), m_nesterovCheck);
  form->addRow(tr("Schedule:"), m_scheduleCombo);
  form->addRow(tr("Warm-up:"), m_warmupSpin);
  form->addRow(tr("Cut the rate every:"), m_stepEverySpin);
  form->addRow(tr("Cut factor:"), m_gammaSpin);
  form->addRow(tr("Cut after no improvement for:"), m_plateauPatienceSpin);
  form->addRow(QString(), m_findLrCheck);
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::regularisationPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  form->addRow(tr("Weight decay:"), m_weightDecaySpin);
  form->addRow(tr("Dropout before the new layer:"), m_headDropoutSpin);
  form->addRow(tr("Label smoothing:"), m_labelSmoothingSpin);
  form->addRow(tr("Keep close to pre-trained (L2-SP):"), m_l2spSpin);
  form->addRow(tr("Gradient clipping:"), m_clipSpin);
  form->addRow(tr("Batches per step:"), m_accumulateSpin);
  form->addRow(tr("Class balance:"), m_classBalanceCombo);
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::validationPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  form->addRow(tr("Best epoch by:"), m_monitorCombo);
  form->addRow(tr("Stop early after:"), m_patienceSpin);
  form->addRow(tr("Smallest improvement:"), m_minDeltaSpin);
  form->addRow(tr("Cross-validation folds:"), m_foldsSpin);
  form->addRow(tr("Checkpoints:"), m_keepEpochsCheck);
  copyToolTipsToLabels(form);
  return page;
}

QWidget* TrainingSettingsPanel::advancedPage() {
  auto* page = new QWidget(this);
  auto* form = newForm(page);
  form->addRow(tr("Precision:"), m_precisionCombo);
  form->addRow(tr("Feature cache:"), m_featureCacheCombo);
  form->addRow(tr("Augmentation:"), row({m_randomCropCheck, m_flipCheck}));
  form->addRow(tr("Processor threads:"), m_threadsSpin);
  form->addRow(tr("Image loaders:"), m_workersSpin);
  form->addRow(tr("Random seed:"), m_seedSpin);
  copyToolTipsToLabels(form);
  return page;
}

}  // namespace attune::ui
