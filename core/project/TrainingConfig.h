#pragma once
// TrainingConfig: every setting of a training run, as a plain struct with defaults. The project file's
// "config" object and `attune-cli train --set key=value` use the same dotted keys (configKeys()).

#include "core/common/Result.h"

#include <nlohmann/json_fwd.hpp>

#include <QString>
#include <QStringList>

#include <optional>

namespace attune {

enum class OptimizerKind { AdamW, Sgd };
enum class FreezeMode { None, Backbone };
enum class ScheduleKind { Constant, WarmupCosine };

// "catalog:<id>" names weights by their model catalog id instead of by a file; the file is found in
// the caches (or downloaded) when a run starts.
inline constexpr char kCatalogScheme[] = "catalog:";
inline bool isCatalogReference(const QString& weights) {
  return weights.startsWith(QLatin1String(kCatalogScheme));
}

struct TrainingConfig {
  // model.*
  QString architecture = QStringLiteral("resnet18");
  // Pre-trained weights: a file (.safetensors, .pth/.pt/.bin, a TF.js folder), a model catalog
  // reference "catalog:<id>" (isCatalogReference), or empty for random initialisation.
  QString weightsPath;
  std::optional<int> inputSize;  // square input side in pixels; unset: the architecture's own
  QString cutLayer;  // "tfjs" models: the Keras layer the new head follows; empty: Attune's choice

  // top level
  int epochs = 5;
  int batchSize = 32;
  int seed = 42;

  // optim.*
  OptimizerKind optimizer = OptimizerKind::AdamW;
  double lrHead = 1e-3;
  double lrBackbone = 1e-4;
  double momentum = 0.9;
  double weightDecay = 1e-2;  // not applied to biases and normalisation layers

  // schedule.*
  ScheduleKind schedule = ScheduleKind::WarmupCosine;
  double warmupFraction = 0.05;  // share of all steps spent warming up linearly

  // freeze.*
  FreezeMode freeze = FreezeMode::None;

  // loss.*
  double labelSmoothing = 0.1;

  // augment.*
  bool randomResizedCrop = true;
  bool horizontalFlip = true;

  // runtime.*
  std::optional<int> threads;  // intra-op threads; unset: all cores
  int loaderWorkers = 2;       // threads decoding and augmenting images ahead of the trainer
  int maxBadSteps = 3;         // consecutive non-finite losses before the run stops

  // Plain-language problems with the values ("The learning rate of the new layer must be above 0.").
  QStringList validate() const;

  nlohmann::json toJson() const;
  // Missing keys keep their defaults; a key of the wrong type or an unknown value is an error that
  // names the key's path ("config.optim.lr_head must be a number").
  static Result<TrainingConfig> fromJson(const nlohmann::json& json,
                                         const QString& path = QStringLiteral("config"));

  // Applies one `--set key=value` (dotted key as in the project file).
  Status set(const QString& key, const QString& value);
};

// The dotted keys `--set` accepts, for usage messages.
QStringList configKeys();

QString toString(OptimizerKind kind);
QString toString(ScheduleKind kind);

}  // namespace attune
