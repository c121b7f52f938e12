#pragma once
// The one description of every training setting: its dotted key, type, plain-language label and
// help, allowed range, choices, and how it is read from and written to a TrainingConfig. The project
// file (TrainingConfig::toJson/fromJson), `--set` (TrainingConfig::set), validate()'s range checks,
// `attune-cli settings` and the settings panel all read this table, so adding a setting is one entry
// in SettingTable.cpp plus its use in the engine.

#include "core/common/Result.h"
#include "core/project/TrainingConfig.h"

#include <QString>
#include <QStringList>
#include <QVariant>

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <vector>

namespace attune {

// What a setting's value is, and the QVariant that carries it (settingValue, setSetting).
enum class SettingType {
  Integer,          // int
  Number,           // double
  YesNo,            // bool
  Text,             // QString
  Choice,           // QString: the word of one of the setting's choices
  EpochList,        // QVariantList of int: epoch numbers, each within the range
  OptionalInteger,  // int within the range, or a null QVariant: unset (see SettingInfo::lowestMeans)
  GroupRates,       // QVariantMap: layer group name -> double, each within the range
};

// The values a number may take. Bounds are inclusive unless marked exclusive; every range in the
// table is finite.
struct SettingRange {
  double min = 0.0;
  double max = 0.0;
  bool minExclusive = false;
  bool maxExclusive = false;

  bool contains(double value) const;  // false for NaN
  // "between 1 and 64", "above 0 and below 10", "at least 0 and below 1".
  QString describe() const;
};

struct SettingChoice {
  QString word;   // in the project file and `--set`
  QString label;  // in the GUI
};

// How a control steps a number: by `step`, or along 1-2-5 per decade (rates, strengths).
enum class NumberStepping { Fixed, OneTwoFive };

struct SettingInfo {
  QString key;  // dotted, as in the project file's "config" object: "optim.lr_head"
  SettingType type = SettingType::Integer;
  QString label;       // short, for a form: "Learning rate, new layer"
  QString help;        // what it does, in plain words: the control's tooltip and `attune-cli settings`
  QString subject;     // how validate()'s sentences name it: "The learning rate of the new layer"
  SettingRange range;  // Integer, Number, OptionalInteger, and each EpochList and GroupRates entry
  int decimals = 0;    // Number: decimals a control shows
  double step = 1.0;   // Integer, Number: one step of a control
  NumberStepping stepping = NumberStepping::Fixed;
  // Integer, Number: what the range's lowest value means ("off"); OptionalInteger: what unset means
  // ("all cores"). Empty: nothing special.
  QString lowestMeans;
  std::vector<SettingChoice> choices;  // Choice
  // Reads and writes the setting in a config, as the QVariant of its type. `put` receives values that
  // have the type's QVariant kind; setSetting checks them first.
  std::function<QVariant(const TrainingConfig&)> get;
  std::function<void(TrainingConfig&, const QVariant&)> put;
};

// Every setting, in the order of the project file.
const std::vector<SettingInfo>& settingInfos();
// The setting with this dotted key; nullptr when there is none.
const SettingInfo* findSetting(const QString& key);

QVariant settingValue(const TrainingConfig& config, const SettingInfo& info);
// The value of TrainingConfig{}.
QVariant settingDefault(const SettingInfo& info);
// Writes `value` (the type's QVariant; an int for a Number is fine) if it has the setting's type and
// lies within its range and choices; otherwise the error names the key and what it must be, and
// `config` is unchanged.
Status setSetting(TrainingConfig& config, const SettingInfo& info, const QVariant& value);
// validate()'s sentences for a value outside the setting's range or choices; none when it is fine.
QStringList settingProblems(const SettingInfo& info, const QVariant& value);

// What a value must be, for messages and the settings list: "a whole number", "one of: adamw, sgd".
QString settingTypeName(const SettingInfo& info);
// A value as `--set` takes it: 5, 0.001, true, cosine, [3, 5], {"stem": 0.0001}; null for an unset
// optional.
QString formatSettingValue(const SettingInfo& info, const QVariant& value);

// A value as the project file writes it.
nlohmann::json settingValueToJson(const SettingInfo& info, const QVariant& value);

}  // namespace attune
