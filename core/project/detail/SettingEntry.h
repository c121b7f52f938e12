#pragma once
// Inside attune_project: the builder the setting table (SettingTable.cpp) writes its entries with. A
// TrainingConfig member's type gives the setting's type and how it is read and written.

#include "core/project/SettingTable.h"

#include <optional>
#include <tuple>
#include <type_traits>

namespace attune::setting_entry {

// Builds one entry: the member's type gives the setting's type and its get/put.
class Entry {
 public:
  explicit Entry(SettingInfo info) : m_info(std::move(info)) {}

  Entry& label(const char* text) { return set(m_info.label, text); }
  Entry& subject(const char* text) { return set(m_info.subject, text); }
  Entry& help(const char* text) { return set(m_info.help, text); }
  Entry& lowestMeans(const char* text) { return set(m_info.lowestMeans, text); }
  Entry& range(double min, double max) {
    m_info.range.min = min;
    m_info.range.max = max;
    return *this;
  }
  Entry& aboveMin() {
    m_info.range.minExclusive = true;
    return *this;
  }
  Entry& belowMax() {
    m_info.range.maxExclusive = true;
    return *this;
  }
  Entry& decimals(int decimals, double step) {
    m_info.decimals = decimals;
    m_info.step = step;
    return *this;
  }
  Entry& step(double step) {
    m_info.step = step;
    return *this;
  }
  // Rates and strengths: plain decimals down to 1e-8, stepped along 1-2-5.
  Entry& oneTwoFive() {
    m_info.stepping = NumberStepping::OneTwoFive;
    m_info.decimals = 8;
    return *this;
  }
  operator SettingInfo() const { return m_info; }

 private:
  Entry& set(QString& field, const char* text) {
    field = QString::fromUtf8(text);
    return *this;
  }
  SettingInfo m_info;
};

template <typename T>
Entry member(const char* key, T TrainingConfig::*field) {
  SettingInfo info;
  info.key = QString::fromUtf8(key);
  if constexpr (std::is_same_v<T, int>) {
    info.type = SettingType::Integer;
    info.get = [field](const TrainingConfig& c) { return QVariant(c.*field); };
    info.put = [field](TrainingConfig& c, const QVariant& v) { c.*field = v.toInt(); };
  } else if constexpr (std::is_same_v<T, double>) {
    info.type = SettingType::Number;
    info.get = [field](const TrainingConfig& c) { return QVariant(c.*field); };
    info.put = [field](TrainingConfig& c, const QVariant& v) { c.*field = v.toDouble(); };
  } else if constexpr (std::is_same_v<T, bool>) {
    info.type = SettingType::YesNo;
    info.get = [field](const TrainingConfig& c) { return QVariant(c.*field); };
    info.put = [field](TrainingConfig& c, const QVariant& v) { c.*field = v.toBool(); };
  } else if constexpr (std::is_same_v<T, QString>) {
    info.type = SettingType::Text;
    info.get = [field](const TrainingConfig& c) { return QVariant(c.*field); };
    info.put = [field](TrainingConfig& c, const QVariant& v) { c.*field = v.toString(); };
  } else if constexpr (std::is_same_v<T, std::optional<int>>) {
    info.type = SettingType::OptionalInteger;
    info.get = [field](const TrainingConfig& c) { return c.*field ? QVariant(*(c.*field)) : QVariant(); };
    info.put = [field](TrainingConfig& c, const QVariant& v) {
      c.*field = v.isNull() ? std::nullopt : std::optional<int>(v.toInt());
    };
  } else {
    static_assert(std::is_same_v<T, std::vector<int>>);
    info.type = SettingType::EpochList;
    info.get = [field](const TrainingConfig& c) {
      QVariantList epochs;
      for (int epoch : c.*field) epochs << epoch;
      return QVariant(epochs);
    };
    info.put = [field](TrainingConfig& c, const QVariant& v) {
      std::vector<int> epochs;
      for (const QVariant& epoch : v.toList()) epochs.push_back(epoch.toInt());
      c.*field = std::move(epochs);
    };
  }
  return Entry(std::move(info));
}

// An enum stored as one of a few words; the labels are what the GUI shows.
template <typename E>
Entry choice(const char* key, E TrainingConfig::*field,
             std::vector<std::tuple<E, const char*, QString>> options) {
  SettingInfo info;
  info.key = QString::fromUtf8(key);
  info.type = SettingType::Choice;
  for (const auto& [value, word, label] : options) info.choices.push_back({QString::fromUtf8(word), label});
  info.get = [field, options](const TrainingConfig& c) {
    for (const auto& [value, word, label] : options)
      if (value == c.*field) return QVariant(QString::fromUtf8(word));
    return QVariant(QString());
  };
  info.put = [field, options](TrainingConfig& c, const QVariant& v) {
    for (const auto& [value, word, label] : options)
      if (v.toString() == QLatin1String(word)) c.*field = value;
  };
  return Entry(std::move(info));
}

// Text that must be one of a few words.
inline Entry textChoice(const char* key, QString TrainingConfig::*field, std::vector<SettingChoice> choices) {
  Entry entry = member(key, field);
  SettingInfo info = entry;
  info.type = SettingType::Choice;
  info.choices = std::move(choices);
  return Entry(std::move(info));
}

inline Entry freezeBackbone() {
  SettingInfo info;
  info.key = QStringLiteral("freeze.backbone");
  info.type = SettingType::YesNo;
  info.get = [](const TrainingConfig& c) { return QVariant(c.freeze == FreezeMode::Backbone); };
  info.put = [](TrainingConfig& c, const QVariant& v) {
    c.freeze = v.toBool() ? FreezeMode::Backbone : FreezeMode::None;
  };
  return Entry(std::move(info));
}

inline Entry groupRates() {
  SettingInfo info;
  info.key = QStringLiteral("optim.group_lrs");
  info.type = SettingType::GroupRates;
  info.get = [](const TrainingConfig& c) {
    QVariantMap rates;
    for (const auto& [name, rate] : c.groupLrs) rates.insert(name, rate);
    return QVariant(rates);
  };
  info.put = [](TrainingConfig& c, const QVariant& v) {
    std::map<QString, double> rates;
    const QVariantMap map = v.toMap();
    for (auto it = map.begin(); it != map.end(); ++it) rates[it.key()] = it.value().toDouble();
    c.groupLrs = std::move(rates);
  };
  return Entry(std::move(info));
}

template <typename E>
std::tuple<E, const char*, QString> option(E value, const char* word) {
  return {value, word, toString(value)};
}

}  // namespace attune::setting_entry
