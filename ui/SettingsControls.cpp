#include "ui/SettingsControls.h"

#include "ui/LearningRateSpinBox.h"
#include "ui/SettingBinding.h"
#include "ui/TrainingSettingsPanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

namespace attune::ui {

QLabel* hintLabel(const QString& objectName, QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setObjectName(objectName);
  label->setWordWrap(true);
  label->setForegroundRole(QPalette::PlaceholderText);
  return label;
}

QComboBox* makeCombo(const char* objectName, const QString& toolTip, QWidget* parent) {
  auto* combo = new QComboBox(parent);
  combo->setObjectName(QLatin1String(objectName));
  combo->setToolTip(toolTip);
  return combo;
}

RateDelegate::RateDelegate(SettingInfo groupRates, QObject* parent)
    : QStyledItemDelegate(parent), m_groupRates(std::move(groupRates)) {}

QWidget* RateDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const {
  auto* spin = new LearningRateSpinBox(parent);
  configureSettingControl({&m_groupRates, spin});
  spin->setFrame(false);
  return spin;
}

void RateDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const {
  static_cast<LearningRateSpinBox*>(editor)->setValue(index.data(Qt::EditRole).toDouble());
}

void RateDelegate::setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const {
  auto* spin = static_cast<LearningRateSpinBox*>(editor);
  spin->interpretText();
  model->setData(index, spin->value(), Qt::EditRole);
}

QFormLayout* newForm(QWidget* page) {
  auto* form = new QFormLayout(page);
  form->setRowWrapPolicy(QFormLayout::DontWrapRows);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  return form;
}

void copyToolTipsToLabels(QFormLayout* form) {
  for (int row = 0; row < form->rowCount(); ++row) {
    QLayoutItem* label = form->itemAt(row, QFormLayout::LabelRole);
    QLayoutItem* field = form->itemAt(row, QFormLayout::FieldRole);
    if (!label || !label->widget() || !field) continue;
    QWidget* widget = field->widget();
    if (!widget && field->layout() && field->layout()->count() > 0)
      widget = field->layout()->itemAt(0)->widget();
    if (widget) label->widget()->setToolTip(widget->toolTip());
  }
}

void useEpochSuffix(QSpinBox* spin) {
  const auto update = [spin](int value) {
    spin->setSuffix(value == 1 ? TrainingSettingsPanel::tr(" epoch") : TrainingSettingsPanel::tr(" epochs"));
  };
  update(spin->value());
  QObject::connect(spin, &QSpinBox::valueChanged, spin, update);
}

QHBoxLayout* row(std::initializer_list<QWidget*> widgets) {
  auto* layout = new QHBoxLayout;
  for (QWidget* w : widgets) layout->addWidget(w);
  layout->addStretch(1);
  return layout;
}

}  // namespace attune::ui
