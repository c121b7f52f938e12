// The setting table's values by type: checking ranges and choices, JSON, and text for messages. The
// entries themselves are in SettingTable.cpp.

#include "core/common/JsonFields.h"
#include "core/project/SettingTable.h"
#include "core/project/detail/SettingJson.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace attune {
namespace {

using nlohmann::json;

QString number(double value) {
  return QString::number(value, 'g', 12);
}

json variantToJson(const QVariant& value) {
  switch (value.typeId()) {
    case QMetaType::Bool:
      return value.toBool();
    case QMetaType::Int:
    case QMetaType::LongLong:
      return value.toLongLong();
    case QMetaType::Double:
      return value.toDouble();
    case QMetaType::QString:
      return value.toString().toStdString();
    case QMetaType::QVariantList: {
      json out = json::array();
      for (const QVariant& item : value.toList()) out.push_back(variantToJson(item));
      return out;
    }
    case QMetaType::QVariantMap: {
      json out = json::object();
      const QVariantMap map = value.toMap();
      for (auto it = map.begin(); it != map.end(); ++it)
        out[it.key().toStdString()] = variantToJson(it.value());
      return out;
    }
    default:
      return nullptr;
  }
}

QStringList choiceWords(const SettingInfo& info) {
  QStringList words;
  for (const SettingChoice& choice : info.choices) words << choice.word;
  return words;
}

// The sentence for a value out of range, naming the setting by its subject.
QString outOfRange(const SettingInfo& info) {
  return QStringLiteral("%1 must be %2.").arg(info.subject, info.range.describe());
}

}  // namespace

bool SettingRange::contains(double value) const {
  if (std::isnan(value)) return false;
  const bool aboveMin = minExclusive ? value > min : value >= min;
  const bool belowMax = maxExclusive ? value < max : value <= max;
  return aboveMin && belowMax;
}

QString SettingRange::describe() const {
  if (!minExclusive && !maxExclusive)
    return QStringLiteral("between %1 and %2").arg(number(min), number(max));
  return QStringLiteral("%1 %2 and %3 %4")
      .arg(minExclusive ? QStringLiteral("above") : QStringLiteral("at least"), number(min),
           maxExclusive ? QStringLiteral("below") : QStringLiteral("at most"), number(max));
}

const SettingInfo* findSetting(const QString& key) {
  for (const SettingInfo& info : settingInfos())
    if (info.key == key) return &info;
  return nullptr;
}

QVariant settingValue(const TrainingConfig& config, const SettingInfo& info) {
  return info.get(config);
}

QVariant settingDefault(const SettingInfo& info) {
  return info.get(TrainingConfig{});
}

QStringList settingProblems(const SettingInfo& info, const QVariant& value) {
  QStringList problems;
  switch (info.type) {
    case SettingType::Integer:
    case SettingType::Number:
      if (!info.range.contains(value.toDouble())) problems << outOfRange(info);
      break;
    case SettingType::OptionalInteger:
      if (!value.isNull() && !info.range.contains(value.toDouble())) problems << outOfRange(info);
      break;
    case SettingType::EpochList:
      for (const QVariant& epoch : value.toList())
        if (!info.range.contains(epoch.toDouble()))
          problems << QStringLiteral("%1 must be %2 (got %3).")
                          .arg(info.subject, info.range.describe(), epoch.toString());
      break;
    case SettingType::GroupRates: {
      const QVariantMap rates = value.toMap();
      for (auto it = rates.begin(); it != rates.end(); ++it)
        if (!info.range.contains(it.value().toDouble()))
          problems << QStringLiteral("%1 must be %2.").arg(info.subject.arg(it.key()), info.range.describe());
      break;
    }
    case SettingType::Choice:
      if (!choiceWords(info).contains(value.toString()))
        problems << QStringLiteral("%1 must be one of: %2.")
                        .arg(info.subject, choiceWords(info).join(QStringLiteral(", ")));
      break;
    case SettingType::YesNo:
    case SettingType::Text:
      break;
  }
  return problems;
}

Status setSetting(TrainingConfig& config, const SettingInfo& info, const QVariant& value) {
  return detail::setSettingFromJson(config, info, variantToJson(value));
}

QString settingTypeName(const SettingInfo& info) {
  switch (info.type) {
    case SettingType::Integer:
      return QStringLiteral("a whole number");
    case SettingType::Number:
      return QStringLiteral("a number");
    case SettingType::YesNo:
      return QStringLiteral("true or false");
    case SettingType::Text:
      return QStringLiteral("text");
    case SettingType::Choice:
      return QStringLiteral("one of: ") + choiceWords(info).join(QStringLiteral(", "));
    case SettingType::EpochList:
      return QStringLiteral("a list of epochs ([3, 5])");
    case SettingType::OptionalInteger:
      return QStringLiteral("a whole number, or null for %1").arg(info.lowestMeans);
    case SettingType::GroupRates:
      return QStringLiteral(R"(an object of rates by layer group ({"stage 4": 1e-4}))");
  }
  return {};
}

QString formatSettingValue(const SettingInfo& info, const QVariant& value) {
  if (info.type == SettingType::OptionalInteger && value.isNull()) return QStringLiteral("null");
  if (info.type == SettingType::Text || info.type == SettingType::Choice) return value.toString();
  const json asJson = variantToJson(value);
  if (info.type == SettingType::EpochList) {
    QStringList epochs;
    for (const auto& epoch : asJson) epochs << QString::number(epoch.get<int>());
    return QLatin1Char('[') + epochs.join(QStringLiteral(", ")) + QLatin1Char(']');
  }
  if (asJson.is_number_float()) return number(asJson.get<double>());
  return QString::fromStdString(asJson.dump());
}

json settingValueToJson(const SettingInfo& info, const QVariant& value) {
  json out = variantToJson(value);
  // A whole-numbered double stays a number written with a decimal point ("1.0"): the JSON type is the
  // setting's, not the value's.
  if (info.type == SettingType::Number && !out.is_number_float()) out = value.toDouble();
  return out;
}

namespace detail {

json settingToJson(const SettingInfo& info, const TrainingConfig& config) {
  return settingValueToJson(info, info.get(config));
}

Result<QVariant> settingFromJson(const SettingInfo& info, const json& value, const QString& keyPath) {
  using namespace json_fields;
  switch (info.type) {
    case SettingType::Integer: {
      int number = 0;
      if (auto s = readValue(value, keyPath, number); !s) return s.error();
      return QVariant(number);
    }
    case SettingType::Number: {
      double number = 0.0;
      if (auto s = readValue(value, keyPath, number); !s) return s.error();
      return QVariant(number);
    }
    case SettingType::YesNo: {
      bool yes = false;
      if (auto s = readValue(value, keyPath, yes); !s) return s.error();
      return QVariant(yes);
    }
    case SettingType::Text: {
      QString text;
      if (auto s = readValue(value, keyPath, text); !s) return s.error();
      return QVariant(text);
    }
    case SettingType::Choice: {
      const QStringList words = choiceWords(info);
      if (value.is_string() && words.contains(QString::fromStdString(value.get<std::string>())))
        return QVariant(QString::fromStdString(value.get<std::string>()));
      return typeError(keyPath, settingTypeName(info));
    }
    case SettingType::OptionalInteger: {
      if (value.is_null()) return QVariant();
      int number = 0;
      if (auto s = readValue(value, keyPath, number); !s) return s.error();
      return QVariant(number);
    }
    case SettingType::EpochList: {
      if (!value.is_array()) return typeError(keyPath, "a list of whole numbers ([3, 5])");
      QVariantList epochs;
      for (size_t i = 0; i < value.size(); ++i) {
        int epoch = 0;
        if (auto s = readValue(value[i], keyPath + QStringLiteral("[%1]").arg(i), epoch); !s)
          return s.error();
        epochs << epoch;
      }
      return QVariant(epochs);
    }
    case SettingType::GroupRates: {
      if (!value.is_object()) return typeError(keyPath, settingTypeName(info));
      QVariantMap rates;
      for (const auto& [name, rate] : value.items()) {
        double number = 0.0;
        if (auto s = readValue(rate, joinPath(keyPath, name.c_str()), number); !s) return s.error();
        rates.insert(QString::fromStdString(name), number);
      }
      return QVariant(rates);
    }
  }
  return typeError(keyPath, "a known kind of value");
}

Status setSettingFromJson(TrainingConfig& config, const SettingInfo& info, const json& value) {
  auto read = settingFromJson(info, value, info.key);
  if (!read) return read.error();
  if (!settingProblems(info, read.value()).isEmpty()) {
    QString what = info.type == SettingType::Choice ? settingTypeName(info) : info.range.describe();
    if (info.type == SettingType::EpochList) what += QStringLiteral(" for each epoch");
    if (info.type == SettingType::GroupRates) what += QStringLiteral(" for each group");
    return Error(
        ErrorCode::BadValue,
        QStringLiteral("%1 must be %2 (got %3).").arg(info.key, what, formatSettingValue(info, read.value())),
        info.help);
  }
  info.put(config, read.value());
  return {};
}

}  // namespace detail
}  // namespace attune
