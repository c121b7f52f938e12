#pragma once
// TrainingConfig: every setting of a training run, as a plain struct with defaults. Each setting is
// described once, in core's setting table (SettingTable.h: key, type, range, default, plain-language
// help), which the project file's "config" object, `--set key=value`, validate() and the settings
// panel all follow.

#include "core/common/Result.h"

#include <nlohmann/json_fwd.hpp>

#include <QString>
#include <QStringList>

#include <map>
#include <optional>
#include <vector>

namespace attune {

enum class OptimizerKind { AdamW, Sgd, Adam };
enum class FreezeMode { None, Backbone };
// Constant; Step: times `gamma` every `stepEvery` epochs; WarmupCosine / WarmupLinear: linear warm-up
// then cosine / linear decay to 0; OneCycle: rise from rate/25 to the rate over `warmupFraction` (0.3
// if 0) then cosine down to rate/1e4; Plateau: times `gamma` when the validation loss has not improved
// for `plateauPatience` epochs.
enum class ScheduleKind { Constant, WarmupCosine, Step, WarmupLinear, OneCycle, Plateau };
// How an imbalanced training split is handled. Auto: class-weighted loss when the largest class has
// at least 3 times the images of the smallest, nothing otherwise.
enum class ClassBalance { Auto, Off, WeightedLoss, BalancedSampling };
// The validation figure that picks the best checkpoint and that early stopping watches.
enum class MonitorMetric { ValAccuracy, ValLoss };
// Auto: bfloat16 where the processor computes it natively (CUDA, or CPUs with AVX512-BF16/AMX).
enum class Precision { Float32, BFloat16, Auto };
// Auto: while the whole backbone is frozen and augmentation is off, its features are computed once.
enum class FeatureCacheMode { Auto, Off };
// Ready-made settings for people who don't want to choose (applyPreset).
enum class Preset { Custom, Quick, Balanced, Thorough };

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
  QString cutLayer;          // "tfjs" models: the Keras layer the new head follows; empty: Attune's choice
  double headDropout = 0.0;  // dropout on the features entering the new head (model.head_dropout)
  // Text models: texts are cut to this many tokens (special tokens included).
  int maxTokens = 128;
  // The word-vector model: how token vectors become one ("mean", "max", "mean_max") and what reads
  // them first ("none", or "conv": a 1-D convolution over neighbouring words).
  QString wordPooling = QStringLiteral("mean_max");
  QString wordEncoder = QStringLiteral("none");

  Preset preset = Preset::Custom;  // the preset these settings came from (a label; applyPreset sets them)

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
  bool nesterov = false;      // SGD only
  // Discriminative rates. The head learns at lrHead, the top backbone group at lrBackbone, and each
  // group below at layerDecay times the rate of the group above it (1: all at lrBackbone).
  double layerDecay = 1.0;
  // Explicit rates by layer group name ("stage 4": 1e-4), overriding the two rules above.
  std::map<QString, double> groupLrs;
  double clipGradNorm = 0.0;  // clip the gradients' total norm to this; 0: no clipping
  int accumulateSteps = 1;    // batches whose gradients add up to one optimiser step
  bool findLr = false;        // run the LR finder first and use its suggestion (optim.find_lr)

  // schedule.*
  ScheduleKind schedule = ScheduleKind::WarmupCosine;
  double warmupFraction = 0.05;  // share of all steps spent warming up linearly
  int stepEvery = 3;             // Step: epochs between rate cuts
  double gamma = 0.1;            // Step and Plateau: the factor of each cut
  int plateauPatience = 2;       // Plateau: epochs without improvement before a cut

  // freeze.*
  FreezeMode freeze = FreezeMode::None;  // Backbone: every group but the head starts frozen
  int freezeGroups = 0;                  // otherwise: the lowest this many layer groups start frozen
  // Gradual unfreezing, from the top: one more group every unfreezeEvery epochs (0: off), or one more at
  // the start of each epoch listed in unfreezeAt.
  int unfreezeEvery = 0;
  std::vector<int> unfreezeAt;

  // loss.*
  double labelSmoothing = 0.1;
  // L2-SP: pulls pre-trained weights towards their starting values with this strength (0: off),
  // against catastrophic forgetting; weight decay then applies to the head only.
  double l2sp = 0.0;
  ClassBalance classBalance = ClassBalance::Auto;

  // early_stop.*
  MonitorMetric monitor = MonitorMetric::ValAccuracy;
  int patience = 0;       // epochs without improvement before the run stops early; 0: never
  double minDelta = 0.0;  // the least change that counts as an improvement

  // kfold.*
  int folds = 1;  // k-fold cross-validation when 2 or more

  // checkpoint.*: also keep each epoch's model (epoch-N.safetensors), not only the best and the last,
  // so that any point of the validation curve can be evaluated or exported (uses disk space).
  bool keepEveryEpoch = false;

  // augment.*
  bool randomResizedCrop = true;
  bool horizontalFlip = true;

  // runtime.*
  std::optional<int> threads;  // intra-op threads; unset: all cores
  // threads decoding and augmenting images ahead of the trainer; unset: Attune chooses and adds more
  // while the model waits for images (core/training/LoaderPolicy.h)
  std::optional<int> loaderWorkers;
  int maxBadSteps = 3;  // consecutive non-finite losses before the run stops
  Precision precision = Precision::Float32;
  FeatureCacheMode featureCache = FeatureCacheMode::Auto;

  // Plain-language problems with the values, one sentence each ("The learning rate of the new layer
  // must be above 0 and below 10."): the setting table's ranges and choices, and a model is chosen.
  QStringList validate() const;

  nlohmann::json toJson() const;
  // Missing keys keep their defaults; a key of the wrong type or an unknown value is an error that
  // names the key's path ("config.optim.lr_head must be a number").
  static Result<TrainingConfig> fromJson(const nlohmann::json& json,
                                         const QString& path = QStringLiteral("config"));

  // Applies one `--set key=value` (dotted key as in the project file). "preset=quick" applies the
  // whole preset; "optim.group_lrs.<group name>=1e-4" sets one group's rate.
  Status set(const QString& key, const QString& value);

  // Whether image augmentation changes the training images (random crops or flips).
  bool augments() const { return randomResizedCrop || horizontalFlip; }
};

// Quick: frozen backbone, no augmentation, cached features, a high constant-then-cosine head rate.
// Balanced: gradual unfreezing from the top with discriminative rates. Thorough: everything trains,
// the LR finder picks the rate, early stopping on the validation loss. Custom leaves the config alone.
void applyPreset(TrainingConfig& config, Preset preset);
// One plain sentence for the GUI.
QString presetDescription(Preset preset);
QString toString(Preset preset);

// The dotted keys `--set` accepts, for usage messages.
QStringList configKeys();

QString toString(OptimizerKind kind);
QString toString(ScheduleKind kind);
QString toString(ClassBalance balance);

}  // namespace attune
