#pragma once
// Internal (LibTorch): how a model's parameters are split into optimiser groups.
//  - pre-trained layers (backbone) at lrBackbone, the new head at lrHead;
//  - weight decay on weights only: biases, normalisation parameters, embeddings and layer scales
//    get none (ImageClassifierImpl::weightDecayOf);
//  - a frozen backbone, or lrBackbone == 0, contributes no group at all.

#include "core/models/detail/ImageClassifier.h"
#include "core/project/TrainingConfig.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace attune::detail {

struct ParameterGroup {
  std::vector<torch::Tensor> parameters;
  double baseLr = 0.0;  // the rate the schedule scales
  double weightDecay = 0.0;
  bool isHead = false;
};

std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const TrainingConfig& config);

// AdamW or SGD with momentum over the groups, each with its own rate and decay.
std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<ParameterGroup>& groups,
                                                       const TrainingConfig& config);

}  // namespace attune::detail
