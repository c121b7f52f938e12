#include "core/training/detail/ParameterGroups.h"

namespace attune::detail {
namespace {

std::vector<torch::Tensor> trainable(std::vector<torch::Tensor> parameters) {
  std::erase_if(parameters, [](const torch::Tensor& p) { return !p.requires_grad(); });
  return parameters;
}

}  // namespace

std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const TrainingConfig& config) {
  std::vector<ParameterGroup> groups;
  auto add = [&](std::vector<torch::Tensor> params, double lr, double wd, bool head) {
    if (!params.empty()) groups.push_back({std::move(params), lr, wd, head});
  };
  if (config.freeze != FreezeMode::Backbone && config.lrBackbone > 0.0) {
    add(trainable(model.backboneParameters(WeightDecay::Apply)), config.lrBackbone, config.weightDecay,
        false);
    add(trainable(model.backboneParameters(WeightDecay::Exempt)), config.lrBackbone, 0.0, false);
  }
  add(trainable(model.headParameters(WeightDecay::Apply)), config.lrHead, config.weightDecay, true);
  add(trainable(model.headParameters(WeightDecay::Exempt)), config.lrHead, 0.0, true);
  return groups;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<ParameterGroup>& groups,
                                                       const TrainingConfig& config) {
  std::vector<torch::optim::OptimizerParamGroup> torchGroups;
  for (const auto& group : groups) {
    if (config.optimizer == OptimizerKind::AdamW) {
      torchGroups.emplace_back(group.parameters,
                               std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(group.baseLr).weight_decay(group.weightDecay)));
    } else {
      torchGroups.emplace_back(
          group.parameters, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(group.baseLr)
                                                                           .momentum(config.momentum)
                                                                           .weight_decay(group.weightDecay)));
    }
  }
  if (config.optimizer == OptimizerKind::AdamW)
    return std::make_unique<torch::optim::AdamW>(std::move(torchGroups),
                                                 torch::optim::AdamWOptions(config.lrHead));
  return std::make_unique<torch::optim::SGD>(std::move(torchGroups), torch::optim::SGDOptions(config.lrHead));
}

}  // namespace attune::detail
