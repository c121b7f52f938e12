#include "core/training/detail/ParameterGroups.h"

namespace attune::detail {

std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const std::vector<BoundLayerGroup>& groups,
                                                const TrainingConfig& config) {
  std::vector<ParameterGroup> result;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& group = groups[g];
    const bool pretrained = !group.plan.isHead;
    const double decay = pretrained && config.l2sp > 0.0 ? 0.0 : config.weightDecay;
    ParameterGroup decayed{{}, group.plan.baseLr, decay, int(g), group.plan.isHead};
    ParameterGroup exempt{{}, group.plan.baseLr, 0.0, int(g), group.plan.isHead};
    for (size_t i = 0; i < group.parameters.size(); ++i) {
      const bool decays =
          ImageClassifierImpl::weightDecayOf(group.names[i], group.parameters[i]) == WeightDecay::Apply;
      (decays ? decayed : exempt).parameters.push_back(group.parameters[i]);
    }
    if (!decayed.parameters.empty()) result.push_back(std::move(decayed));
    if (!exempt.parameters.empty()) result.push_back(std::move(exempt));
  }
  (void)model;
  return result;
}

std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const TrainingConfig& config) {
  auto groups = bindLayerGroups(model, planLayerGroups(config, layerGroupsFor(modelChoiceOf(config))));
  return planParameterGroups(model, groups, config);
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<ParameterGroup>& groups,
                                                       const TrainingConfig& config) {
  std::vector<torch::optim::OptimizerParamGroup> torchGroups;
  for (const auto& group : groups) {
    switch (config.optimizer) {
      case OptimizerKind::AdamW:
        torchGroups.emplace_back(
            group.parameters, std::make_unique<torch::optim::AdamWOptions>(
                                  torch::optim::AdamWOptions(group.baseLr).weight_decay(group.weightDecay)));
        break;
      case OptimizerKind::Adam:
        torchGroups.emplace_back(
            group.parameters, std::make_unique<torch::optim::AdamOptions>(
                                  torch::optim::AdamOptions(group.baseLr).weight_decay(group.weightDecay)));
        break;
      case OptimizerKind::Sgd:
        torchGroups.emplace_back(group.parameters, std::make_unique<torch::optim::SGDOptions>(
                                                       torch::optim::SGDOptions(group.baseLr)
                                                           .momentum(config.momentum)
                                                           .nesterov(config.nesterov && config.momentum > 0.0)
                                                           .weight_decay(group.weightDecay)));
        break;
    }
  }
  switch (config.optimizer) {
    case OptimizerKind::AdamW:
      return std::make_unique<torch::optim::AdamW>(std::move(torchGroups),
                                                   torch::optim::AdamWOptions(config.lrHead));
    case OptimizerKind::Adam:
      return std::make_unique<torch::optim::Adam>(std::move(torchGroups),
                                                  torch::optim::AdamOptions(config.lrHead));
    case OptimizerKind::Sgd:
      break;
  }
  return std::make_unique<torch::optim::SGD>(std::move(torchGroups), torch::optim::SGDOptions(config.lrHead));
}

}  // namespace attune::detail
