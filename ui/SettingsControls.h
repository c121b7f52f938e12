#pragma once
// The building blocks of the training settings panel's forms: combo boxes made with their object name
// (what tests find them by) and tooltip, forms whose labels explain the same as their controls, and
// the delegate that edits a layer group's rate. The controls of settings are made from core's setting
// table (SettingBinding.h).

#include "core/project/SettingTable.h"

#include <QString>
#include <QStyledItemDelegate>

#include <initializer_list>

class QComboBox;
class QFormLayout;
class QHBoxLayout;
class QLabel;
class QSpinBox;
class QWidget;

namespace attune::ui {

// A grey, wrapping line under a control that says what its value means.
QLabel* hintLabel(const QString& objectName, QWidget* parent);
QComboBox* makeCombo(const char* objectName, const QString& toolTip, QWidget* parent);
// A form whose rows do not wrap and whose fields grow.
QFormLayout* newForm(QWidget* page);
// Each row's label gets its control's tooltip.
void copyToolTipsToLabels(QFormLayout* form);
// " epoch" after 1, " epochs" otherwise.
void useEpochSuffix(QSpinBox* spin);
// The widgets side by side, then a stretch.
QHBoxLayout* row(std::initializer_list<QWidget*> widgets);

// Edits a group's rate with the same plain-decimal, 1-2-5 stepping spin box as the panel's rates, in
// the range of the group rates' setting.
class RateDelegate : public QStyledItemDelegate {
 public:
  RateDelegate(SettingInfo groupRates, QObject* parent);
  QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                        const QModelIndex& index) const override;
  void setEditorData(QWidget* editor, const QModelIndex& index) const override;
  void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;

 private:
  SettingInfo m_groupRates;
};

}  // namespace attune::ui
