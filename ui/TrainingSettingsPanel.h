#pragma once
// The settings form of a training run: model, pre-trained weights, learning rates, freezing, epochs,
// batch and input size, augmentation, optimizer. It edits a TrainingConfig (the project's "config")
// and leaves the settings it does not show untouched.

#include "core/project/TrainingConfig.h"

#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace attune::ui {

class CatalogWeightsStatus;
class LearningRateSpinBox;

class TrainingSettingsPanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit TrainingSettingsPanel(QWidget* parent = nullptr);

  // Shows `config`; does not emit configEdited.
  void setConfig(const TrainingConfig& config);
  // Writes the controls' values into `config`.
  void applyTo(TrainingConfig& config) const;

 signals:
  // The user changed a setting.
  void configEdited();

 private:
  void buildControls();
  void layOut();
  void connectEdits();
  void chooseWeights();
  void updateArchitectureHints();
  void updateWeightsHint();
  void followArchitectureWithCatalogWeights();
  void emitEdited();

  bool m_loading = false;  // setConfig is filling the controls: not a user edit
  QComboBox* m_architectureCombo = nullptr;
  QLabel* m_architectureDescription = nullptr;
  QLineEdit* m_weightsEdit = nullptr;
  QPushButton* m_weightsBrowseButton = nullptr;
  QPushButton* m_weightsClearButton = nullptr;
  QPushButton* m_weightsCatalogButton = nullptr;
  CatalogWeightsStatus* m_catalogWeights = nullptr;
  QLabel* m_weightsHint = nullptr;
  LearningRateSpinBox* m_lrHeadSpin = nullptr;
  LearningRateSpinBox* m_lrBackboneSpin = nullptr;
  QCheckBox* m_freezeCheck = nullptr;
  QSpinBox* m_epochsSpin = nullptr;
  QSpinBox* m_batchSizeSpin = nullptr;
  QSpinBox* m_inputSizeSpin = nullptr;
  QCheckBox* m_randomCropCheck = nullptr;
  QCheckBox* m_flipCheck = nullptr;
  QComboBox* m_optimizerCombo = nullptr;
};

}  // namespace attune::ui
