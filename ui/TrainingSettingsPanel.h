#pragma once
// The settings form of a training run, in tabs: Basics (preset, model, weights, rates, epochs, batch
// and input size), Layers (layer groups with their rates and unfreezing epochs, a rate preview),
// Optimiser & schedule, Regularisation, Validation and Advanced. It edits a TrainingConfig (the
// project's "config").
//
// Every control is bound to a setting of core's table (core/project/SettingTable.h), which gives its
// range, tooltip and choices and reads and writes its value; a setting of the table that no control
// here is placed for gets one made from its type in the Advanced tab.

#include "core/models/Architecture.h"
#include "core/project/Project.h"
#include "core/project/TrainingConfig.h"
#include "core/training/LayerGroupPlan.h"
#include "ui/SettingBinding.h"

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
  // With another setting table than settingInfos() (tests): it must hold every setting the panel
  // places by hand; the others get controls in the Advanced tab.
  explicit TrainingSettingsPanel(std::vector<SettingInfo> settings, QWidget* parent = nullptr);

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

  // The control bound to a setting's key (for optim.group_lrs the layer group table); nullptr when
  // there is none.
  QWidget* controlFor(const QString& key) const;
  // The Advanced tab's page, where settings without a hand-placed control appear.
  QWidget* advancedTab() const { return m_advancedPage; }

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
  // TrainingSettingsPanelControls.cpp: the widgets and the tabs.
  void buildControls();
  void buildBasicsControls();
  void buildLayerControls();
  // A control made from the table for `key`, bound to it; `scale` as in SettingBinding.
  QWidget* bindSetting(const char* key, const char* objectName, double scale = 1.0);
  // A control the panel shows and reads itself; its tooltip comes from the table.
  void bindCustom(const char* key, QWidget* control);
  const SettingBinding* bindingOf(const QString& key) const;
  QVariant shownValue(const char* key) const;
  // "Epochs:", the setting's label as a form row's.
  QString rowLabel(const char* key) const;
  // Adds the row of `key`'s control to `form`: with its label, or none for a check box.
  void addSettingRow(QFormLayout* form, const char* key) const;
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

  std::vector<SettingInfo> m_settings;          // the table; never changes after construction
  std::vector<SettingBinding> m_bindings;       // one per setting shown, pointing into m_settings
  std::vector<const SettingInfo*> m_automatic;  // settings whose controls were made for the Advanced tab

  InputKind m_input = InputKind::Image;
  bool m_loading = false;                // setConfig is filling the controls: not a user edit
  TrainingConfig m_config;               // as last set
  std::map<QString, double> m_groupLrs;  // optim.group_lrs as edited in the group table
  int m_trainingImageCount = 0;

  QComboBox* m_presetCombo = nullptr;
  QLabel* m_presetDescription = nullptr;
  QTabWidget* m_tabs = nullptr;
  QWidget* m_advancedPage = nullptr;

  // Basics: the parts with their own behaviour (the other controls are found through m_bindings).
  QComboBox* m_architectureCombo = nullptr;
  QLabel* m_architectureDescription = nullptr;
  QLineEdit* m_weightsEdit = nullptr;
  QPushButton* m_weightsBrowseButton = nullptr;
  QPushButton* m_weightsClearButton = nullptr;
  QPushButton* m_weightsCatalogButton = nullptr;
  CatalogWeightsStatus* m_catalogWeights = nullptr;
  QLabel* m_weightsHint = nullptr;
  QPushButton* m_findLrButton = nullptr;
  QSpinBox* m_inputSizeSpin = nullptr;

  // Layers
  LayerGroupTableModel* m_groupModel = nullptr;
  QTableView* m_groupTable = nullptr;
  QPushButton* m_resetRatesButton = nullptr;
  QLabel* m_groupHint = nullptr;
  RatePreviewPlot* m_ratePreview = nullptr;
};

}  // namespace attune::ui
