#include "core/training/LayerGroupPlan.h"

#include "core/training/LearningRateSchedule.h"

#include <algorithm>
#include <cmath>

namespace attune {

ModelChoice modelChoiceOf(const TrainingConfig& config) {
  return {config.architecture, config.weightsPath, config.wordEncoder};
}

int frozenGroupCount(const TrainingConfig& config, int backboneGroups, int epoch) {
  const int initial = config.freeze == FreezeMode::Backbone
                          ? backboneGroups
                          : std::clamp(config.freezeGroups, 0, backboneGroups);
  int unfrozen = 0;
  if (config.unfreezeEvery > 0) {
    unfrozen = std::max(0, epoch - 1) / config.unfreezeEvery;
  } else {
    for (int at : config.unfreezeAt)
      if (at <= epoch) ++unfrozen;
  }
  return std::max(0, initial - unfrozen);
}

std::vector<LayerGroupPlan> planLayerGroups(const TrainingConfig& config,
                                            const std::vector<LayerGroupSpec>& groups) {
  std::vector<LayerGroupPlan> plan;
  const int count = int(groups.size());
  const int backbone = std::max(0, count - 1);
  for (int i = 0; i < count; ++i) {
    LayerGroupPlan g;
    g.name = groups[size_t(i)].name;
    g.prefixes = groups[size_t(i)].prefixes;
    g.isHead = i == count - 1;
    if (g.isHead) {
      g.baseLr = config.lrHead;
    } else {
      const int below = backbone - 1 - i;  // 0 for the top backbone group
      g.baseLr = config.lrBackbone * std::pow(config.layerDecay, double(below));
    }
    if (auto it = config.groupLrs.find(g.name); it != config.groupLrs.end()) g.baseLr = it->second;
    g.trainsFromEpoch = 0;
    if (g.isHead) {
      g.trainsFromEpoch = 1;
    } else {
      for (int epoch = 1; epoch <= std::max(1, config.epochs); ++epoch) {
        if (i >= frozenGroupCount(config, backbone, epoch)) {
          g.trainsFromEpoch = epoch;
          break;
        }
      }
    }
    plan.push_back(g);
  }
  return plan;
}

QStringList unknownGroupNames(const TrainingConfig& config, const std::vector<LayerGroupSpec>& groups) {
  QStringList unknown;
  for (const auto& [name, rate] : config.groupLrs) {
    const bool known =
        std::any_of(groups.begin(), groups.end(), [&](const LayerGroupSpec& g) { return g.name == name; });
    if (!known) unknown << name;
  }
  return unknown;
}

RatePreview previewRates(const TrainingConfig& config, const std::vector<LayerGroupPlan>& plan,
                         int64_t stepsPerEpoch, int points) {
  RatePreview preview;
  stepsPerEpoch = std::max<int64_t>(1, stepsPerEpoch);
  const auto schedule = LearningRateSchedule::fromConfig(config, stepsPerEpoch);
  const int64_t total = stepsPerEpoch * std::max(1, config.epochs);
  points = int(std::clamp<int64_t>(points, 2, std::max<int64_t>(2, total)));
  preview.rates.resize(plan.size());
  for (int p = 0; p < points; ++p) {
    const int64_t step =
        total <= 1 ? 0 : int64_t(std::llround(double(p) * double(total - 1) / double(points - 1)));
    const int epoch = int(step / stepsPerEpoch) + 1;
    preview.steps.push_back(double(step));
    const double factor = schedule.factor(step);
    for (size_t g = 0; g < plan.size(); ++g) {
      const bool trains = plan[g].trainsFromEpoch > 0 && epoch >= plan[g].trainsFromEpoch;
      preview.rates[g].push_back(trains ? plan[g].baseLr * factor : 0.0);
    }
  }
  return preview;
}

}  // namespace attune
