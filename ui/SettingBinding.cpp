#include "ui/SettingBinding.h"

#include "ui/LearningRateSpinBox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QSpinBox>

#include <algorithm>
#include <climits>
#include <cmath>

namespace attune::ui {
namespace {

// Dynamic properties of a bound control: the exact value showSetting gave it, and what reading the
// control gave right after (each wrapped in a one-item list, so that a null value is still there).
constexpr char kExactValue[] = "attuneExactValue";
constexpr char kShownValue[] = "attuneShownValue";

int clampToInt(double value) {
  return int(
      std::clamp(value, double(std::numeric_limits<int>::min()), double(std::numeric_limits<int>::max())));
}

// The control's decimals for a scaled number: a percentage needs two fewer than the share.
int shownDecimals(const SettingBinding& binding) {
  return std::max(0, binding.info->decimals - int(std::lround(std::log10(binding.scale))));
}

QVariant readControl(const SettingBinding& binding) {
  const SettingInfo& info = *binding.info;
  if (auto* spin = qobject_cast<const QDoubleSpinBox*>(binding.control)) return spin->value() / binding.scale;
  if (auto* spin = qobject_cast<const QSpinBox*>(binding.control)) {
    if (info.type == SettingType::OptionalInteger && spin->value() == spin->minimum()) return QVariant();
    return spin->value();
  }
  if (auto* check = qobject_cast<const QCheckBox*>(binding.control)) return check->isChecked();
  if (auto* combo = qobject_cast<const QComboBox*>(binding.control)) return combo->currentData().toString();
  if (auto* edit = qobject_cast<const QLineEdit*>(binding.control)) {
    if (info.type == SettingType::EpochList) return parseEpochList(edit->text());
    return edit->text();
  }
  return {};
}

}  // namespace

QString formatEpochList(const QVariantList& epochs) {
  QStringList parts;
  for (const QVariant& epoch : epochs) parts << QString::number(epoch.toInt());
  return parts.join(QStringLiteral(", "));
}

QVariantList parseEpochList(const QString& text) {
  QVariantList epochs;
  for (const QString& part : text.split(QRegularExpression(QStringLiteral("[ ,]+")), Qt::SkipEmptyParts)) {
    bool ok = false;
    const int epoch = part.toInt(&ok);
    if (ok && epoch > 0) epochs << epoch;
  }
  return epochs;
}

QWidget* makeSettingControl(const SettingInfo& info, const QString& objectName, double scale,
                            QWidget* parent) {
  QWidget* control = nullptr;
  switch (info.type) {
    case SettingType::Integer:
    case SettingType::OptionalInteger:
      control = new QSpinBox(parent);
      break;
    case SettingType::Number:
      control = info.stepping == NumberStepping::OneTwoFive ? new LearningRateSpinBox(parent)
                                                            : new QDoubleSpinBox(parent);
      break;
    case SettingType::YesNo:
      control = new QCheckBox(parent);
      break;
    case SettingType::Choice:
      control = new QComboBox(parent);
      break;
    case SettingType::Text:
    case SettingType::EpochList:
      control = new QLineEdit(parent);
      break;
    case SettingType::GroupRates:
      return nullptr;
  }
  control->setObjectName(objectName);
  configureSettingControl({&info, control, scale});
  return control;
}

void configureSettingControl(const SettingBinding& binding) {
  const SettingInfo& info = *binding.info;
  const SettingRange& range = info.range;
  binding.control->setToolTip(info.help);
  if (auto* spin = qobject_cast<QDoubleSpinBox*>(binding.control)) {
    const int decimals = shownDecimals(binding);
    const double resolution = std::pow(10.0, -decimals);
    spin->setDecimals(decimals);
    spin->setRange(range.min * binding.scale + (range.minExclusive ? resolution : 0.0),
                   range.max * binding.scale - (range.maxExclusive ? resolution : 0.0));
    spin->setSingleStep(info.step * binding.scale);
    if (!info.lowestMeans.isEmpty()) spin->setSpecialValueText(info.lowestMeans);
  } else if (auto* spin = qobject_cast<QSpinBox*>(binding.control)) {
    const int lowest = clampToInt(std::ceil(range.minExclusive ? range.min + 1 : range.min));
    const int highest = clampToInt(std::floor(range.maxExclusive ? range.max - 1 : range.max));
    // An optional integer's "unset" is the value just below its range.
    spin->setRange(info.type == SettingType::OptionalInteger ? lowest - 1 : lowest, highest);
    spin->setSingleStep(std::max(1, int(info.step)));
    if (!info.lowestMeans.isEmpty()) spin->setSpecialValueText(info.lowestMeans);
  } else if (auto* check = qobject_cast<QCheckBox*>(binding.control)) {
    if (check->text().isEmpty()) check->setText(info.label);
  } else if (auto* combo = qobject_cast<QComboBox*>(binding.control)) {
    if (info.type == SettingType::Choice) {
      const QSignalBlocker blocker(combo);
      combo->clear();
      for (const SettingChoice& choice : info.choices) combo->addItem(choice.label, choice.word);
    }
  } else if (auto* edit = qobject_cast<QLineEdit*>(binding.control)) {
    if (info.type == SettingType::EpochList) {
      edit->setPlaceholderText(QStringLiteral("e.g. 3, 5, 8"));
      edit->setValidator(
          new QRegularExpressionValidator(QRegularExpression(QStringLiteral("^[0-9 ,]*$")), edit));
    }
  }
}

void showSetting(const SettingBinding& binding, const QVariant& value) {
  const SettingInfo& info = *binding.info;
  if (auto* spin = qobject_cast<QDoubleSpinBox*>(binding.control)) {
    spin->setValue(value.toDouble() * binding.scale);
  } else if (auto* spin = qobject_cast<QSpinBox*>(binding.control)) {
    spin->setValue(value.isNull() ? spin->minimum() : value.toInt());
  } else if (auto* check = qobject_cast<QCheckBox*>(binding.control)) {
    check->setChecked(value.toBool());
  } else if (auto* combo = qobject_cast<QComboBox*>(binding.control)) {
    combo->setCurrentIndex(std::max(0, combo->findData(value.toString())));
  } else if (auto* edit = qobject_cast<QLineEdit*>(binding.control)) {
    edit->setText(info.type == SettingType::EpochList ? formatEpochList(value.toList()) : value.toString());
  }
  binding.control->setProperty(kExactValue, QVariantList{value});
  binding.control->setProperty(kShownValue, QVariantList{readControl(binding)});
}

QVariant readSetting(const SettingBinding& binding) {
  const QVariant read = readControl(binding);
  const QVariantList shown = binding.control->property(kShownValue).toList();
  if (!shown.isEmpty() && shown.first() == read)
    return binding.control->property(kExactValue).toList().value(0);
  return read;
}

void connectSettingEdited(const SettingBinding& binding, QObject* context,
                          const std::function<void()>& edited) {
  if (auto* spin = qobject_cast<QDoubleSpinBox*>(binding.control)) {
    QObject::connect(spin, &QDoubleSpinBox::valueChanged, context, edited);
  } else if (auto* spin = qobject_cast<QSpinBox*>(binding.control)) {
    QObject::connect(spin, &QSpinBox::valueChanged, context, edited);
  } else if (auto* check = qobject_cast<QCheckBox*>(binding.control)) {
    QObject::connect(check, &QCheckBox::toggled, context, edited);
  } else if (auto* combo = qobject_cast<QComboBox*>(binding.control)) {
    QObject::connect(combo, &QComboBox::currentIndexChanged, context, edited);
  } else if (auto* edit = qobject_cast<QLineEdit*>(binding.control)) {
    const bool epochs = binding.info->type == SettingType::EpochList;
    QObject::connect(edit, &QLineEdit::editingFinished, context, [edit, epochs, edited] {
      // editingFinished also comes when the field merely loses focus.
      if (!edit->isModified()) return;
      if (epochs) edit->setText(formatEpochList(parseEpochList(edit->text())));
      edit->setModified(false);
      edited();
    });
  }
}

}  // namespace attune::ui
