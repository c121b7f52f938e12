#include "core/project/TrainingConfig.h"

#include "core/common/JsonFields.h"
#include "core/project/SettingTable.h"
#include "core/project/detail/SettingJson.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace attune {
namespace {

using nlohmann::json;

std::vector<std::string> splitKey(const QString& key) {
  std::vector<std::string> parts;
  for (const QString& part : key.split(QLatin1Char('.'))) parts.push_back(part.toStdString());
  return parts;
}

// Parses a `--set` value as JSON where it is JSON (numbers, true/false, quoted text), else as text.
json parseCommandLineValue(const QString& text) {
  const std::string raw = text.toStdString();
  json value = json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return raw;
  return value;
}

}  // namespace

QStringList TrainingConfig::validate() const {
  QStringList problems;
  if (architecture.trimmed().isEmpty()) problems << QStringLiteral("Choose a model architecture.");
  for (const SettingInfo& info : settingInfos()) problems << settingProblems(info, info.get(*this));
  return problems;
}

json TrainingConfig::toJson() const {
  json out = json::object();
  for (const SettingInfo& info : settingInfos()) {
    json* node = &out;
    const auto parts = splitKey(info.key);
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = detail::settingToJson(info, *this);
  }
  return out;
}

Result<TrainingConfig> TrainingConfig::fromJson(const json& object, const QString& path) {
  if (!object.is_object()) return json_fields::typeError(path, QStringLiteral("an object ({...})"));
  TrainingConfig config;
  for (const SettingInfo& info : settingInfos()) {
    const json* node = &object;
    QString keyPath = path;
    const auto parts = splitKey(info.key);
    bool present = true;
    for (size_t i = 0; i < parts.size(); ++i) {
      keyPath = json_fields::joinPath(keyPath, parts[i].c_str());
      auto it = node->find(parts[i]);
      if (it == node->end() || it->is_null()) {
        present = false;
        break;
      }
      if (i + 1 < parts.size() && !it->is_object())
        return json_fields::typeError(keyPath, QStringLiteral("an object ({...})"));
      node = &*it;
    }
    if (!present) continue;
    auto value = detail::settingFromJson(info, *node, keyPath);
    if (!value) return value.error();
    info.put(config, value.value());
  }
  return config;
}

Status TrainingConfig::set(const QString& key, const QString& value) {
  static const QString kGroupRate = QStringLiteral("optim.group_lrs.");
  if (key.startsWith(kGroupRate) && key.size() > kGroupRate.size()) {
    const SettingInfo& rates = *findSetting(QStringLiteral("optim.group_lrs"));
    json asJson = detail::settingToJson(rates, *this);
    asJson[key.mid(kGroupRate.size()).toStdString()] = parseCommandLineValue(value);
    return detail::setSettingFromJson(*this, rates, asJson);
  }
  const SettingInfo* info = findSetting(key);
  if (!info)
    return Error(ErrorCode::BadValue, QStringLiteral("Unknown setting '%1'.").arg(key),
                 QStringLiteral("Known settings: %1 (attune-cli settings describes them).")
                     .arg(configKeys().join(QStringLiteral(", "))));
  json parsed = parseCommandLineValue(value);
  // Text settings take the text as typed, even when it would parse as JSON ("model.weights=1").
  if ((info->type == SettingType::Text || info->type == SettingType::Choice) && !parsed.is_string())
    parsed = value.toStdString();
  if (key == QLatin1String("preset")) {
    // Choosing a preset applies its settings, not only its label.
    TrainingConfig chosen = *this;
    if (auto s = detail::setSettingFromJson(chosen, *info, parsed); !s) return s;
    applyPreset(*this, chosen.preset);
    return {};
  }
  return detail::setSettingFromJson(*this, *info, parsed);
}

QStringList configKeys() {
  QStringList keys;
  for (const SettingInfo& info : settingInfos()) keys << info.key;
  return keys;
}

QString toString(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::AdamW:
      return QStringLiteral("AdamW");
    case OptimizerKind::Adam:
      return QStringLiteral("Adam");
    case OptimizerKind::Sgd:
      return QStringLiteral("SGD with momentum");
  }
  return {};
}

QString toString(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant:
      return QStringLiteral("constant");
    case ScheduleKind::WarmupCosine:
      return QStringLiteral("warm-up then cosine decay");
    case ScheduleKind::Step:
      return QStringLiteral("step decay");
    case ScheduleKind::WarmupLinear:
      return QStringLiteral("warm-up then linear decay");
    case ScheduleKind::OneCycle:
      return QStringLiteral("one-cycle");
    case ScheduleKind::Plateau:
      return QStringLiteral("cut on plateau");
  }
  return {};
}

QString toString(ClassBalance balance) {
  switch (balance) {
    case ClassBalance::Auto:
      return QStringLiteral("automatic");
    case ClassBalance::Off:
      return QStringLiteral("off");
    case ClassBalance::WeightedLoss:
      return QStringLiteral("class-weighted loss");
    case ClassBalance::BalancedSampling:
      return QStringLiteral("balanced sampling");
  }
  return {};
}

QString toString(Preset preset) {
  switch (preset) {
    case Preset::Custom:
      return QStringLiteral("Custom");
    case Preset::Quick:
      return QStringLiteral("Quick");
    case Preset::Balanced:
      return QStringLiteral("Balanced");
    case Preset::Thorough:
      return QStringLiteral("Thorough");
  }
  return {};
}

QString presetDescription(Preset preset) {
  switch (preset) {
    case Preset::Custom:
      return QStringLiteral("Your own choice of every setting below.");
    case Preset::Quick:
      return QStringLiteral(
          "Trains only the new last layer on features computed once: a first model in seconds, "
          "good when your images look like everyday photos.");
    case Preset::Balanced:
      return QStringLiteral(
          "Starts with the new layer, then gradually lets the pre-trained layers adapt, the lower "
          "ones more slowly: a good default for most data.");
    case Preset::Thorough:
      return QStringLiteral(
          "Adapts every layer with a learning rate found for your data and stops when validation "
          "stops improving: the best results, and the longest wait.");
  }
  return {};
}

void applyPreset(TrainingConfig& c, Preset preset) {
  c.preset = preset;
  switch (preset) {
    case Preset::Custom:
      return;
    case Preset::Quick:
      c.freeze = FreezeMode::Backbone;
      c.freezeGroups = 0;
      c.unfreezeEvery = 0;
      c.unfreezeAt.clear();
      c.randomResizedCrop = false;
      c.horizontalFlip = false;
      c.featureCache = FeatureCacheMode::Auto;
      c.optimizer = OptimizerKind::AdamW;
      c.lrHead = 3e-3;
      c.schedule = ScheduleKind::WarmupCosine;
      c.findLr = false;
      c.patience = 0;
      c.epochs = 10;
      return;
    case Preset::Balanced:
      c.freeze = FreezeMode::Backbone;
      c.freezeGroups = 0;
      c.unfreezeEvery = 1;
      c.unfreezeAt.clear();
      c.randomResizedCrop = true;
      c.horizontalFlip = true;
      c.optimizer = OptimizerKind::AdamW;
      c.lrHead = 1e-3;
      c.lrBackbone = 1e-4;
      c.layerDecay = 0.5;
      c.schedule = ScheduleKind::WarmupCosine;
      c.findLr = false;
      c.patience = 0;
      c.epochs = 8;
      return;
    case Preset::Thorough:
      c.freeze = FreezeMode::None;
      c.freezeGroups = 0;
      c.unfreezeEvery = 0;
      c.unfreezeAt.clear();
      c.randomResizedCrop = true;
      c.horizontalFlip = true;
      c.optimizer = OptimizerKind::AdamW;
      c.findLr = true;
      c.lrBackbone = c.lrHead / 10.0;
      c.layerDecay = 0.7;
      c.schedule = ScheduleKind::OneCycle;
      c.monitor = MonitorMetric::ValLoss;
      c.patience = 3;
      c.epochs = 20;
      return;
  }
}

}  // namespace attune
