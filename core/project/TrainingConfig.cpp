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

Status readList(const json& value, const QString& keyPath, std::vector<int>& out) {
  if (!value.is_array()) return json_fields::typeError(keyPath, "a list of whole numbers ([3, 5])");
  std::vector<int> list;
  for (size_t i = 0; i < value.size(); ++i) {
    int number = 0;
    if (auto s = json_fields::readValue(value[i], keyPath + QStringLiteral("[%1]").arg(i), number); !s)
      return s;
    list.push_back(number);
  }
  out = std::move(list);
  return {};
}

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
            if constexpr (std::is_same_v<T, std::vector<int>>)
              return readList(value, keyPath, c.*member);
            else
              return json_fields::readValue(value, keyPath, c.*member);
          }};
}

ConfigField groupRatesField() {
  return {
      "optim.group_lrs",
      [](const TrainingConfig& c) -> json {
        json out = json::object();
        for (const auto& [name, rate] : c.groupLrs) out[name.toStdString()] = rate;
        return out;
      },
      [](const json& value, TrainingConfig& c, const QString& keyPath) -> Status {
        if (!value.is_object())
          return json_fields::typeError(keyPath, R"(an object of rates by layer group ({"stage 4": 1e-4}))");
        std::map<QString, double> rates;
        for (const auto& [name, rate] : value.items()) {
          double number = 0.0;
          if (auto s = json_fields::readValue(rate, json_fields::joinPath(keyPath, name.c_str()), number); !s)
            return s;
          rates[QString::fromStdString(name)] = number;
        }
        c.groupLrs = std::move(rates);
        return {};
      }};
}

const std::vector<std::pair<Preset, const char*>>& presetNames() {
  static const std::vector<std::pair<Preset, const char*>> kNames = {{Preset::Custom, "custom"},
                                                                     {Preset::Quick, "quick"},
                                                                     {Preset::Balanced, "balanced"},
                                                                     {Preset::Thorough, "thorough"}};
  return kNames;
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
    f.push_back(field("model.head_dropout", &TrainingConfig::headDropout));
    f.push_back(field("model.max_tokens", &TrainingConfig::maxTokens));
    f.push_back(field("model.word_pooling", &TrainingConfig::wordPooling));
    f.push_back(field("model.word_encoder", &TrainingConfig::wordEncoder));
    f.push_back(choice("preset", &TrainingConfig::preset, presetNames()));
    f.push_back(field("epochs", &TrainingConfig::epochs));
    f.push_back(field("batch_size", &TrainingConfig::batchSize));
    f.push_back(field("seed", &TrainingConfig::seed));
    f.push_back(choice(
        "optim.kind", &TrainingConfig::optimizer,
        {{OptimizerKind::AdamW, "adamw"}, {OptimizerKind::Adam, "adam"}, {OptimizerKind::Sgd, "sgd"}}));
    f.push_back(field("optim.lr_head", &TrainingConfig::lrHead));
    f.push_back(field("optim.lr_backbone", &TrainingConfig::lrBackbone));
    f.push_back(field("optim.momentum", &TrainingConfig::momentum));
    f.push_back(field("optim.weight_decay", &TrainingConfig::weightDecay));
    f.push_back(field("optim.nesterov", &TrainingConfig::nesterov));
    f.push_back(field("optim.layer_decay", &TrainingConfig::layerDecay));
    f.push_back(groupRatesField());
    f.push_back(field("optim.clip_grad_norm", &TrainingConfig::clipGradNorm));
    f.push_back(field("optim.accumulate", &TrainingConfig::accumulateSteps));
    f.push_back(field("optim.find_lr", &TrainingConfig::findLr));
    f.push_back(choice("schedule.kind", &TrainingConfig::schedule,
                       {{ScheduleKind::WarmupCosine, "cosine"},
                        {ScheduleKind::Constant, "constant"},
                        {ScheduleKind::Step, "step"},
                        {ScheduleKind::WarmupLinear, "linear"},
                        {ScheduleKind::OneCycle, "onecycle"},
                        {ScheduleKind::Plateau, "plateau"}}));
    f.push_back(field("schedule.warmup_fraction", &TrainingConfig::warmupFraction));
    f.push_back(field("schedule.step_every", &TrainingConfig::stepEvery));
    f.push_back(field("schedule.gamma", &TrainingConfig::gamma));
    f.push_back(field("schedule.plateau_patience", &TrainingConfig::plateauPatience));
    f.push_back({"freeze.backbone",
                 [](const TrainingConfig& c) -> json { return c.freeze == FreezeMode::Backbone; },
                 [](const json& value, TrainingConfig& c, const QString& keyPath) -> Status {
                   if (!value.is_boolean())
                     return json_fields::typeError(keyPath, QStringLiteral("true or false"));
                   c.freeze = value.get<bool>() ? FreezeMode::Backbone : FreezeMode::None;
                   return {};
                 }});
    f.push_back(field("freeze.groups", &TrainingConfig::freezeGroups));
    f.push_back(field("freeze.unfreeze_every", &TrainingConfig::unfreezeEvery));
    f.push_back(field("freeze.unfreeze_at", &TrainingConfig::unfreezeAt));
    f.push_back(field("loss.label_smoothing", &TrainingConfig::labelSmoothing));
    f.push_back(field("loss.l2sp", &TrainingConfig::l2sp));
    f.push_back(choice("loss.class_balance", &TrainingConfig::classBalance,
                       {{ClassBalance::Auto, "auto"},
                        {ClassBalance::Off, "off"},
                        {ClassBalance::WeightedLoss, "weighted_loss"},
                        {ClassBalance::BalancedSampling, "balanced_sampling"}}));
    f.push_back(choice("early_stop.metric", &TrainingConfig::monitor,
                       {{MonitorMetric::ValAccuracy, "val_accuracy"}, {MonitorMetric::ValLoss, "val_loss"}}));
    f.push_back(field("early_stop.patience", &TrainingConfig::patience));
    f.push_back(field("early_stop.min_delta", &TrainingConfig::minDelta));
    f.push_back(field("kfold.folds", &TrainingConfig::folds));
    f.push_back(field("checkpoint.every_epoch", &TrainingConfig::keepEveryEpoch));
    f.push_back(field("augment.random_resized_crop", &TrainingConfig::randomResizedCrop));
    f.push_back(field("augment.horizontal_flip", &TrainingConfig::horizontalFlip));
    f.push_back(field("runtime.threads", &TrainingConfig::threads));
    f.push_back(field("runtime.loader_workers", &TrainingConfig::loaderWorkers));
    f.push_back(field("runtime.max_bad_steps", &TrainingConfig::maxBadSteps));
    f.push_back(choice(
        "runtime.precision", &TrainingConfig::precision,
        {{Precision::Float32, "float32"}, {Precision::BFloat16, "bfloat16"}, {Precision::Auto, "auto"}}));
    f.push_back(choice("runtime.feature_cache", &TrainingConfig::featureCache,
                       {{FeatureCacheMode::Auto, "auto"}, {FeatureCacheMode::Off, "off"}}));
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
  if (maxTokens < 4 || maxTokens > 8192)
    problems << QStringLiteral("Texts must be cut to between 4 and 8192 tokens.");
  if (!QStringList{QStringLiteral("mean"), QStringLiteral("max"), QStringLiteral("mean_max")}.contains(
          wordPooling))
    problems << QStringLiteral("The word pooling must be mean, max or mean_max.");
  if (!QStringList{QStringLiteral("none"), QStringLiteral("conv")}.contains(wordEncoder))
    problems << QStringLiteral("The word encoder must be none or conv.");
  if (!(headDropout >= 0.0 && headDropout < 1.0))
    problems << QStringLiteral("The dropout before the new layer must be at least 0 and below 1.");
  if (!(layerDecay > 0.0 && layerDecay <= 1.0))
    problems << QStringLiteral("The layer-wise rate factor must be above 0 and at most 1.");
  for (const auto& [name, rate] : groupLrs)
    if (!(rate >= 0.0 && rate < 10.0))
      problems << QStringLiteral("The learning rate of layer group '%1' must be at least 0 and below 10.")
                      .arg(name);
  if (!(clipGradNorm >= 0.0 && std::isfinite(clipGradNorm)))
    problems << QStringLiteral("The gradient clipping norm must be 0 (off) or above.");
  if (accumulateSteps < 1 || accumulateSteps > 1024)
    problems << QStringLiteral("Accumulate the gradients of between 1 and 1024 batches per step.");
  if (stepEvery < 1)
    problems << QStringLiteral("The step schedule must cut the rate every 1 or more epochs.");
  if (!(gamma > 0.0 && gamma < 1.0))
    problems << QStringLiteral("The schedule's cut factor must be above 0 and below 1.");
  if (plateauPatience < 1)
    problems << QStringLiteral("The plateau schedule must wait at least 1 epoch before a cut.");
  if (freezeGroups < 0) problems << QStringLiteral("The number of frozen layer groups cannot be negative.");
  if (unfreezeEvery < 0) problems << QStringLiteral("Unfreeze every 1 or more epochs, or 0 for never.");
  for (int epoch : unfreezeAt)
    if (epoch < 1) problems << QStringLiteral("Unfreezing epochs start at 1 (got %1).").arg(epoch);
  if (!(l2sp >= 0.0 && l2sp < 100.0))
    problems << QStringLiteral("The L2-SP strength must be at least 0 and below 100.");
  if (patience < 0) problems << QStringLiteral("Early stopping's patience must be 0 (off) or more epochs.");
  if (!(minDelta >= 0.0 && std::isfinite(minDelta)))
    problems << QStringLiteral("Early stopping's least improvement must be 0 or above.");
  if (folds < 1 || folds > 20)
    problems << QStringLiteral("Use between 2 and 20 folds, or 1 for no cross-validation.");
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
  if (key == QLatin1String("preset")) {
    for (const auto& [preset, name] : presetNames()) {
      if (value == QLatin1String(name)) {
        applyPreset(*this, preset);
        return {};
      }
    }
  }
  static const QString kGroupRate = QStringLiteral("optim.group_lrs.");
  if (key.startsWith(kGroupRate) && key.size() > kGroupRate.size()) {
    double rate = 0.0;
    if (auto s = json_fields::readValue(parseCommandLineValue(value), key, rate); !s) return s;
    groupLrs[key.mid(kGroupRate.size())] = rate;
    return {};
  }
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
