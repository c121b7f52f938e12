#pragma once
// Layer groups and what each does during a run: its learning rate (discriminative rates) and when it
// trains (freezing, gradual unfreezing). Plain data, shared by the engine, the GUI's group table and
// rate preview, and `attune-cli lr-find`. The groups themselves come from layerGroupsFor
// (core/models/LayerGroups.h).

#include "core/models/LayerGroups.h"
#include "core/project/TrainingConfig.h"
#include "core/weights/ModelCatalog.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace attune {

struct LayerGroupPlan {
  QString name;          // "stem", "stage 1", ..., "head"
  QStringList prefixes;  // parameter-name prefixes; empty for groups assigned by order (TF.js)
  bool isHead = false;
  double baseLr = 0.0;  // the rate the schedule scales
  // The epoch (1-based) from which the group trains: 1 when it trains from the start, 0 when it stays
  // frozen for the whole run.
  int trainsFromEpoch = 1;
};

// The fields of `config` that decide its model's layer groups: the groups of a run's model are
// layerGroupsFor(modelChoiceOf(config)), for the engine, the settings window and the CLI alike.
ModelChoice modelChoiceOf(const TrainingConfig& config);

// How many of the `backboneGroups` lowest groups are frozen during `epoch` (1-based): freeze.backbone
// or freeze.groups at the start, then one fewer every freeze.unfreeze_every epochs or at each epoch of
// freeze.unfreeze_at. Unfreezing goes from the top (the group next to the head) down.
int frozenGroupCount(const TrainingConfig& config, int backboneGroups, int epoch);

// Rates and unfreezing epochs for each group: the head at lrHead; the backbone groups at lrBackbone
// times layerDecay^(distance below the top backbone group); an explicit optim.group_lrs entry wins.
std::vector<LayerGroupPlan> planLayerGroups(const TrainingConfig& config,
                                            const std::vector<LayerGroupSpec>& groups);

// Group names in optim.group_lrs that `groups` (the model's) do not have (for a warning).
QStringList unknownGroupNames(const TrainingConfig& config, const std::vector<LayerGroupSpec>& groups);

// Each group's rate at every `stride`-th step of the run as configured (0 while frozen), for the
// preview chart. The plateau schedule is drawn as if the loss kept improving.
struct RatePreview {
  std::vector<double> steps;               // x values (optimiser steps)
  std::vector<std::vector<double>> rates;  // per group, same length as steps
};
RatePreview previewRates(const TrainingConfig& config, const std::vector<LayerGroupPlan>& plan,
                         int64_t stepsPerEpoch, int points = 200);

}  // namespace attune
