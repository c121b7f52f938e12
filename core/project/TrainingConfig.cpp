#include "core/project/TrainingConfig.h"

#include "core/common/JsonFields.h"

#include <nlohmann/json.hpp>

#include <QThread>

#include <cmath>
#include <functional>
#include <vector>

namespace attune {
namespace {

using nlohmann::json;

// One setting: its dotted key and how it reads and writes. The table below is the single list of
// keys for the project file, `--set`, and usage messages.
struct ConfigField {
  const char* key;
  std::function<json(const TrainingConfig&)> toJson;
  // Reads a JSON value (never null) into the config; keyPath is for messages.
  std::function<Status(const json&, TrainingConfig&, const QString&)> fromJson;
};

template <typename T>
ConfigField field(const char* key, T TrainingConfig::*member) {
  return {key,
          [member](const TrainingConfig& c) -> json {
            if constexpr (std::is_same_v<T, QString>)
              return (c.*member).toStdString();
            else if constexpr (std::is_same_v<T, std::optional<int>>)
              return (c.*member) ? json(*(c.*member)) : json(nullptr);
            else
              return c.*member;
          },
          [member](const json& value, TrainingConfig& c, const QString& keyPath) -> Status {
            return json_fields::readValue(value, keyPath, c.*member);
          }};
}

// An enum stored as one of a few words.
template <typename E>
ConfigField choice(const char* key, E TrainingConfig::*member, std::vector<std::pair<E, const char*>> names) {
  return {key,
          [member, names](const TrainingConfig& c) -> json {
            for (const auto& [value, name] : names)
              if (value == c.*member) return name;
            return nullptr;
          },
          [member, names](const json& value, TrainingConfig& c, const QString& keyPath) -> Status {
            QStringList allowed;
            for (const auto& [option, name] : names) allowed << QString::fromUtf8(name);
            if (value.is_string()) {
              for (const auto& [option, name] : names) {
                if (value.get<std::string>() == name) {
                  c.*member = option;
                  return {};
                }
              }
            }
            return json_fields::typeError(keyPath,
                                          QStringLiteral("one of: ") + allowed.join(QStringLiteral(", ")));
          }};
}

const std::vector<ConfigField>& fields() {
  static const std::vector<ConfigField> kFields = [] {
    std::vector<ConfigField> f;
    f.push_back(field("model.architecture", &TrainingConfig::architecture));
    f.push_back(field("model.weights", &TrainingConfig::weightsPath));
    f.push_back(field("model.input_size", &TrainingConfig::inputSize));
    f.push_back(field("model.cut_layer", &TrainingConfig::cutLayer));
    f.push_back(field("epochs", &TrainingConfig::epochs));
    f.push_back(field("batch_size", &TrainingConfig::batchSize));
    f.push_back(field("seed", &TrainingConfig::seed));
    f.push_back(choice("optim.kind", &TrainingConfig::optimizer,
                       {{OptimizerKind::AdamW, "adamw"}, {OptimizerKind::Sgd, "sgd"}}));
    f.push_back(field("optim.lr_head", &TrainingConfig::lrHead));
    f.push_back(field("optim.lr_backbone", &TrainingConfig::lrBackbone));
    f.push_back(field("optim.momentum", &TrainingConfig::momentum));
    f.push_back(field("optim.weight_decay", &TrainingConfig::weightDecay));
    f.push_back(choice("schedule.kind", &TrainingConfig::schedule,
                       {{ScheduleKind::WarmupCosine, "cosine"}, {ScheduleKind::Constant, "constant"}}));
    f.push_back(field("schedule.warmup_fraction", &TrainingConfig::warmupFraction));
    f.push_back({"freeze.backbone",
                 [](const TrainingConfig& c) -> json { return c.freeze == FreezeMode::Backbone; },
                 [](const json& value, TrainingConfig& c, const QString& keyPath) -> Status {
                   if (!value.is_boolean())
                     return json_fields::typeError(keyPath, QStringLiteral("true or false"));
                   c.freeze = value.get<bool>() ? FreezeMode::Backbone : FreezeMode::None;
                   return {};
                 }});
    f.push_back(field("loss.label_smoothing", &TrainingConfig::labelSmoothing));
    f.push_back(field("augment.random_resized_crop", &TrainingConfig::randomResizedCrop));
    f.push_back(field("augment.horizontal_flip", &TrainingConfig::horizontalFlip));
    f.push_back(field("runtime.threads", &TrainingConfig::threads));
    f.push_back(field("runtime.loader_workers", &TrainingConfig::loaderWorkers));
    f.push_back(field("runtime.max_bad_steps", &TrainingConfig::maxBadSteps));
    return f;
  }();
  return kFields;
}

std::vector<std::string> splitKey(const char* key) {
  std::vector<std::string> parts;
  std::string part;
  for (const char* p = key; *p; ++p) {
    if (*p == '.') {
      parts.push_back(part);
      part.clear();
    } else {
      part += *p;
    }
  }
  parts.push_back(part);
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
  if (epochs < 1) problems << QStringLiteral("Train for at least 1 epoch.");
  if (epochs > 10000) problems << QStringLiteral("Train for at most 10000 epochs.");
  if (batchSize < 1) problems << QStringLiteral("The batch size must be at least 1.");
  if (batchSize > 4096) problems << QStringLiteral("The batch size must be at most 4096.");
  if (!(lrHead > 0.0 && lrHead < 10.0))
    problems << QStringLiteral("The learning rate of the new layer must be above 0 and below 10.");
  if (!(lrBackbone >= 0.0 && lrBackbone < 10.0))
    problems << QStringLiteral(
        "The learning rate of the pre-trained layers must be at least 0 and below 10.");
  if (!(momentum >= 0.0 && momentum < 1.0))
    problems << QStringLiteral("Momentum must be at least 0 and below 1.");
  if (!(weightDecay >= 0.0 && weightDecay < 1.0))
    problems << QStringLiteral("Weight decay must be at least 0 and below 1.");
  if (!(warmupFraction >= 0.0 && warmupFraction <= 0.5))
    problems << QStringLiteral("The warm-up share must be between 0 and 0.5 of the run.");
  if (!(labelSmoothing >= 0.0 && labelSmoothing < 1.0))
    problems << QStringLiteral("Label smoothing must be at least 0 and below 1.");
  if (inputSize && (*inputSize < 16 || *inputSize > 1024))
    problems << QStringLiteral("The input size must be between 16 and 1024 pixels.");
  if (threads && (*threads < 1 || *threads > 1024))
    problems << QStringLiteral("Use between 1 and 1024 threads for training.");
  if (loaderWorkers < 1 || loaderWorkers > 64)
    problems << QStringLiteral("Use between 1 and 64 threads to prepare images.");
  if (maxBadSteps < 1) problems << QStringLiteral("A run must allow at least 1 failed step before it stops.");
  return problems;
}

json TrainingConfig::toJson() const {
  json out = json::object();
  for (const auto& f : fields()) {
    json* node = &out;
    const auto parts = splitKey(f.key);
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = f.toJson(*this);
  }
  return out;
}

Result<TrainingConfig> TrainingConfig::fromJson(const json& object, const QString& path) {
  if (!object.is_object()) return json_fields::typeError(path, QStringLiteral("an object ({...})"));
  TrainingConfig config;
  for (const auto& f : fields()) {
    const json* node = &object;
    QString keyPath = path;
    const auto parts = splitKey(f.key);
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
    if (auto status = f.fromJson(*node, config, keyPath); !status) return status.error();
  }
  return config;
}

Status TrainingConfig::set(const QString& key, const QString& value) {
  for (const auto& f : fields()) {
    if (key == QLatin1String(f.key)) {
      json parsed = parseCommandLineValue(value);
      // Text settings take the text as typed, even when it would parse as JSON ("model.weights=1").
      if (f.toJson(*this).is_string() && !parsed.is_string()) parsed = value.toStdString();
      return f.fromJson(parsed, *this, key);
    }
  }
  return Error(ErrorCode::BadValue, QStringLiteral("Unknown setting '%1'.").arg(key),
               QStringLiteral("Known settings: %1").arg(configKeys().join(QStringLiteral(", "))));
}

QStringList configKeys() {
  QStringList keys;
  for (const auto& f : fields()) keys << QString::fromUtf8(f.key);
  return keys;
}

QString toString(OptimizerKind kind) {
  return kind == OptimizerKind::AdamW ? QStringLiteral("AdamW") : QStringLiteral("SGD with momentum");
}

QString toString(ScheduleKind kind) {
  return kind == ScheduleKind::WarmupCosine ? QStringLiteral("warm-up then cosine decay")
                                            : QStringLiteral("constant");
}

}  // namespace attune
