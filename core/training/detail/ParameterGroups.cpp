#include "core/training/detail/ParameterGroups.h"

namespace attune::detail {
namespace {

void splitByDecay(const std::vector<torch::Tensor>& parameters, std::vector<torch::Tensor>& decay,
                  std::vector<torch::Tensor>& noDecay) {
  for (const auto& p : parameters) {
    if (!p.requires_grad()) continue;
    (p.dim() <= 1 ? noDecay : decay).push_back(p);
  }
}

}  // namespace

std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const TrainingConfig& config) {
  std::vector<ParameterGroup> groups;
  auto add = [&](std::vector<torch::Tensor> params, double lr, double wd, bool head) {
    if (!params.empty()) groups.push_back({std::move(params), lr, wd, head});
  };
  if (config.freeze != FreezeMode::Backbone && config.lrBackbone > 0.0) {
    std::vector<torch::Tensor> decay, noDecay;
    splitByDecay(model.backboneParameters(), decay, noDecay);
    add(std::move(decay), config.lrBackbone, config.weightDecay, false);
    add(std::move(noDecay), config.lrBackbone, 0.0, false);
  }
  std::vector<torch::Tensor> decay, noDecay;
  splitByDecay(model.headParameters(), decay, noDecay);
  add(std::move(decay), config.lrHead, config.weightDecay, true);
  add(std::move(noDecay), config.lrHead, 0.0, true);
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
