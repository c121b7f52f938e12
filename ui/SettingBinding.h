#pragma once
// The settings panel's controls bound to core's setting table (core/project/SettingTable.h): a
// control's range, tooltip, choices and lowest-value text come from its setting, and its value is
// shown and read through the table. A value shown and then left alone reads back exactly as it was
// given, even where the control shows it rounded (or clamped), so that merely opening and saving a
// project changes nothing.

#include "core/project/SettingTable.h"

#include <QString>
#include <QVariant>

#include <functional>

class QObject;
class QWidget;

namespace attune::ui {

struct SettingBinding {
  const SettingInfo* info = nullptr;
  QWidget* control = nullptr;
  // The control shows the value times this (a share as a percentage: 100).
  double scale = 1.0;
  // The panel shows and reads this setting itself (the preset, the model, the weights, the layer
  // group table); its tooltip still comes from the table.
  bool custom = false;
};

// A control made from the setting's type: a spin box (for 1-2-5 numbers the learning-rate spin box),
// a check box, a combo box of the choices, a line edit (text, or epochs as "3, 5"); nullptr for the
// group rates, which need the layer group table. Configured with configureSettingControl.
QWidget* makeSettingControl(const SettingInfo& info, const QString& objectName, double scale,
                            QWidget* parent);
// The control's range, decimals, step, lowest-value text, tooltip (the setting's help), check box
// text (its label) and choices, from the setting. An exclusive bound becomes the nearest value the
// control can show inside it; an optional integer's "unset" is the value just below its range.
void configureSettingControl(const SettingBinding& binding);
void showSetting(const SettingBinding& binding, const QVariant& value);
QVariant readSetting(const SettingBinding& binding);
// Calls `edited` when the user changes the control's value (for a line edit: when editing finishes
// with a change; an epoch list is then tidied to "3, 5").
void connectSettingEdited(const SettingBinding& binding, QObject* context,
                          const std::function<void()>& edited);

// "3, 5" from [3, 5] and back; parsing drops anything that is not an epoch (1 or more).
QString formatEpochList(const QVariantList& epochs);
QVariantList parseEpochList(const QString& text);

}  // namespace attune::ui
