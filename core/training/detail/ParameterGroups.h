#pragma once
// Internal (LibTorch): how a model's parameters are split into optimiser groups.
//  - one pair of groups per layer group, at that group's rate (discriminative rates);
//  - weight decay on weights only: biases, normalisation parameters, embeddings and layer scales
//    get none (ImageClassifierImpl::weightDecayOf); with L2-SP the pre-trained groups get none either
//    (L2-SP pulls them towards their pre-trained values instead of towards zero);
//  - frozen groups are in the optimiser too: their parameters have no gradient, so the optimiser
//    skips them and keeps no state for them until they are unfrozen, when they start with fresh
//    moments exactly as a newly trained parameter should.

#include "core/models/detail/ImageClassifier.h"
#include "core/project/TrainingConfig.h"
#include "core/training/detail/ModelSetup.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace attune::detail {

struct ParameterGroup {
  std::vector<torch::Tensor> parameters;
  double baseLr = 0.0;  // the rate the schedule scales
  double weightDecay = 0.0;
  int layerGroup = 0;  // index into the layer groups
  bool isHead = false;
};

std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const std::vector<BoundLayerGroup>& groups,
                                                const TrainingConfig& config);
// The same with the model's own layer groups (layerGroupsFor) planned from `config`.
std::vector<ParameterGroup> planParameterGroups(const ImageClassifierImpl& model,
                                                const TrainingConfig& config);

// AdamW, Adam (L2 added to the gradient, as torch.optim.Adam) or SGD with momentum (optionally
// Nesterov) over the groups, each with its own rate and decay.
std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<ParameterGroup>& groups,
                                                       const TrainingConfig& config);

}  // namespace attune::detail
