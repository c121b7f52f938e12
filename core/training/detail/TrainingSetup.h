#pragma once
// Internal (LibTorch): what a training run and the learning-rate finder's range test set up the same
// way: the device, the model (seeded, on the device), its layer groups bound to its parameters, the
// optimiser's parameter groups and the optimiser, and whether the forward pass computes in bfloat16.
// k-fold's held-out predictions and the Predictor take the device from here too (computeDevice) and
// their model from loadTrainedModel (ModelSetup.h).

#include "core/common/Result.h"
#include "core/project/TrainingConfig.h"
#include "core/training/RunMetrics.h"
#include "core/training/TrainingJob.h"
#include "core/training/detail/ModelSetup.h"
#include "core/training/detail/ParameterGroups.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace attune::detail {

// bfloat16 autocast under `precision` on `device`: always for BFloat16; for Auto on a GPU. For Auto on
// a CPU the run measures both (ComputeProbe.h); until then, and where nothing is measured, float32.
bool computesInBFloat16(Precision precision, const torch::Device& device);

// Whether the model of an earlier run (TrainingJob::startFrom) replaces the pre-trained weights. The
// learning-rate finder's range test has always started from the pre-trained weights.
enum class StartPointUse { Load, Ignore };

struct TrainingSetup {
  torch::Device device = torch::kCPU;
  PreparedModel prepared;  // prepared.model is on `device`
  std::vector<BoundLayerGroup> groups;
  std::vector<ParameterGroup> paramGroups;
  std::unique_ptr<torch::optim::Optimizer> optimizer;  // over paramGroups, in their order
  bool bf16 = false;
  bool channelsLast = false;  // the convolutions' weights and inputs in NHWC (ComputeProbe.h)
  // For the run's log, in order: what was loaded, what the user should know, layer-group names of the
  // configuration that the model does not have.
  std::vector<RunEvent> messages;
};

// Seeds LibTorch with config.seed, builds the model for the job's classes with its pre-trained weights
// (then the earlier run's model, when the job continues one and `startPoint` is Load), moves it to the
// device and builds its groups and the optimiser. No group is frozen yet. Errors: those of
// prepareModel and of reading the earlier run's model.
Result<TrainingSetup> setUpTraining(const TrainingJob& job, const TrainingConfig& config,
                                    StartPointUse startPoint = StartPointUse::Load);

}  // namespace attune::detail
