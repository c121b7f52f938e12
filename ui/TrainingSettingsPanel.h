#pragma once
// The settings form of a training run, in tabs: Basics (preset, model, weights, rates, epochs, batch
// and input size), Layers (layer groups with their rates and unfreezing epochs, a rate preview),
// Optimiser & schedule, Regularisation, Validation and Advanced. It edits a TrainingConfig (the
// project's "config") and leaves the settings it does not show untouched.

#include "core/models/Architecture.h"
#include "core/project/Project.h"
#include "core/project/TrainingConfig.h"
#include "core/training/LayerGroupPlan.h"

#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTabWidget;

namespace attune::ui {

class CatalogWeightsStatus;
class LayerGroupTableModel;
class LearningRateSpinBox;
class RatePreviewPlot;

class TrainingSettingsPanel : public QGroupBox {
  Q_OBJECT

 public:
  // Used for the rate preview until setTrainingImageCount says better.
  static constexpr int kUnknownStepsPerEpoch = 20;

  explicit TrainingSettingsPanel(QWidget* parent = nullptr);

  // The project's task: the model list shows the models that read its kind of data, and the
  // image-only settings (input size, augmentation) are disabled for texts. Call before setConfig.
  void setTask(TaskKind task);
  // Shows `config`; does not emit configEdited.
  void setConfig(const TrainingConfig& config);
  // Writes the controls' values into `config`. A value the user did not change is written exactly as
  // setConfig received it, even where a control shows it rounded.
  void applyTo(TrainingConfig& config) const;
  // The config shown: the last setConfig with the controls' values applied.
  TrainingConfig currentConfig() const;

  // The number of images training will see per epoch (the training split), for the rate preview's
  // steps per epoch; 0: unknown.
  void setTrainingImageCount(int count);
  // Optimiser steps per epoch used by the rate preview.
  int previewStepsPerEpoch() const;

  LayerGroupTableModel* layerGroupModel() const { return m_groupModel; }
  RatePreviewPlot* ratePreview() const { return m_ratePreview; }

 public slots:
  // Sets the new layer's rate to `lr` as the LR finder suggested (applySuggestedRate: the other
  // groups keep their ratios to it) and emits configEdited.
  void applyFoundRate(double lr);

 signals:
  // The user changed a setting.
  void configEdited();
  // The "Find…" button next to the new layer's rate: the owner runs the LR finder on the project's
  // data and answers with applyFoundRate.
  void findLearningRateRequested();

 private:
  // TrainingSettingsPanelControls.cpp: the widgets, their tooltips and the tabs.
  void buildControls();
  void buildBasicsControls();
  void buildLayerControls();
  void buildOptimiserControls();
  void buildRegularisationControls();
  void buildValidationControls();
  void buildAdvancedControls();
  void layOut();
  QWidget* basicsPage();
  QWidget* layersPage();
  QWidget* optimiserPage();
  QWidget* regularisationPage();
  QWidget* validationPage();
  QWidget* advancedPage();

  void fillArchitectures(InputKind input);
  void connectEdits();
  void chooseWeights();
  void choosePreset();
  void updateArchitectureHints();
  void updateWeightsHint();
  void updateEnabledControls();
  void updateLayerGroups();
  void followArchitectureWithCatalogWeights();
  void onGroupRateEdited(const QString& group, double lr);
  // A user edit: the settings no longer are the preset's.
  void userEdited();
  void emitEdited();

  InputKind m_input = InputKind::Image;
  bool m_loading = false;                // setConfig is filling the controls: not a user edit
  TrainingConfig m_config;               // as last set; keeps the settings no control shows
  std::map<QString, double> m_groupLrs;  // optim.group_lrs as edited in the group table
  int m_trainingImageCount = 0;

  QComboBox* m_presetCombo = nullptr;
  QLabel* m_presetDescription = nullptr;
  QTabWidget* m_tabs = nullptr;

  // Basics
  QComboBox* m_architectureCombo = nullptr;
  QLabel* m_architectureDescription = nullptr;
  QLineEdit* m_weightsEdit = nullptr;
  QPushButton* m_weightsBrowseButton = nullptr;
  QPushButton* m_weightsClearButton = nullptr;
  QPushButton* m_weightsCatalogButton = nullptr;
  CatalogWeightsStatus* m_catalogWeights = nullptr;
  QLabel* m_weightsHint = nullptr;
  LearningRateSpinBox* m_lrHeadSpin = nullptr;
  QPushButton* m_findLrButton = nullptr;
  LearningRateSpinBox* m_lrBackboneSpin = nullptr;
  QCheckBox* m_freezeCheck = nullptr;
  QSpinBox* m_epochsSpin = nullptr;
  QSpinBox* m_batchSizeSpin = nullptr;
  QSpinBox* m_inputSizeSpin = nullptr;

  // Layers
  LayerGroupTableModel* m_groupModel = nullptr;
  QTableView* m_groupTable = nullptr;
  QPushButton* m_resetRatesButton = nullptr;
  QLabel* m_groupHint = nullptr;
  QSpinBox* m_freezeGroupsSpin = nullptr;
  QSpinBox* m_unfreezeEverySpin = nullptr;
  QLineEdit* m_unfreezeAtEdit = nullptr;
  QDoubleSpinBox* m_layerDecaySpin = nullptr;
  RatePreviewPlot* m_ratePreview = nullptr;

  // Optimiser & schedule
  QComboBox* m_optimizerCombo = nullptr;
  QDoubleSpinBox* m_momentumSpin = nullptr;
  QCheckBox* m_nesterovCheck = nullptr;
  QComboBox* m_scheduleCombo = nullptr;
  QDoubleSpinBox* m_warmupSpin = nullptr;
  QSpinBox* m_stepEverySpin = nullptr;
  QDoubleSpinBox* m_gammaSpin = nullptr;
  QSpinBox* m_plateauPatienceSpin = nullptr;
  QCheckBox* m_findLrCheck = nullptr;

  // Regularisation
  QDoubleSpinBox* m_weightDecaySpin = nullptr;
  QDoubleSpinBox* m_headDropoutSpin = nullptr;
  QDoubleSpinBox* m_labelSmoothingSpin = nullptr;
  QDoubleSpinBox* m_l2spSpin = nullptr;
  QDoubleSpinBox* m_clipSpin = nullptr;
  QSpinBox* m_accumulateSpin = nullptr;
  QComboBox* m_classBalanceCombo = nullptr;

  // Validation
  QComboBox* m_monitorCombo = nullptr;
  QSpinBox* m_patienceSpin = nullptr;
  QDoubleSpinBox* m_minDeltaSpin = nullptr;
  QSpinBox* m_foldsSpin = nullptr;

  // Advanced
  QComboBox* m_precisionCombo = nullptr;
  QComboBox* m_featureCacheCombo = nullptr;
  QCheckBox* m_randomCropCheck = nullptr;
  QCheckBox* m_flipCheck = nullptr;
  QCheckBox* m_keepEpochsCheck = nullptr;
  QSpinBox* m_threadsSpin = nullptr;
  QSpinBox* m_workersSpin = nullptr;
  QSpinBox* m_seedSpin = nullptr;
};

}  // namespace attune::ui
