#pragma once
// Internal (LibTorch): the gradients of one optimiser step, everything before optimizer.step():
//  - forward and backward passes over the step's batches (several with gradient accumulation), each
//    split into micro-batches once the device ran out of memory: the micro-batch halves until it fits,
//    and the gradients still add up to those of the whole batch;
//  - a loss that is not a finite number is not back-propagated, and gradients that are not finite
//    numbers are not applied: the caller skips the step;
//  - L2-SP: the pre-trained parameters are pulled towards their pre-trained values instead of zero;
//  - clipping of the gradients' global norm (or only measuring it, to find non-finite gradients).

#include "core/project/TrainingConfig.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/ModelSetup.h"
#include "core/training/detail/ParameterGroups.h"

#include <torch/torch.h>

#include <QString>

#include <cstdint>
#include <functional>
#include <vector>

namespace attune::detail {

// Fault injection for tests (TrainerControl's fields of the same names).
struct GradientFaults {
  int simulateOutOfMemoryAbove = 0;    // a forward pass over more examples fails as if out of memory
  int64_t nonFiniteGradientsFrom = 0;  // step attempts from .. (1-based) get NaN gradients; 0: off
  int nonFiniteGradientsCount = 0;
};

struct StepGradients {
  enum class Verdict { Ready, LossNotFinite, GradientsNotFinite };
  Verdict verdict = Verdict::Ready;
  int64_t examples = 0;     // in the step's batches
  double loss = 0.0;        // their mean loss
  torch::Tensor lossSum;    // the same on the device (float64): the epoch's sums add it without a wait
  torch::Tensor correct;    // correctly classified examples (int64, on the device)
  double forwardMs = 0.0;   // StepPhases: the forward passes with their losses
  double backwardMs = 0.0;  // and the backward passes, over the step's batches
  double checkMs = 0.0;     // the gradients' check or clipping
};

class GradientStep {
 public:
  // Float32 logits of a batch's inputs under the trainer's current forward pass (autocast, the
  // feature cache).
  using Logits = std::function<torch::Tensor(const torch::Tensor& inputs)>;
  using Warn = std::function<void(const QString& message)>;

  // `groups` are the model's layer groups: L2-SP keeps the pre-trained values of every group's
  // parameters but the head's, when config.l2sp > 0. `items` ("images" or "texts") is for messages.
  GradientStep(const TrainingConfig& config, const std::vector<BoundLayerGroup>& groups,
               const std::vector<ParameterGroup>& paramGroups, torch::optim::Optimizer& optimizer,
               const torch::Device& device, GradientFaults faults, QString items);

  // Computes the gradients of `window` (the step's non-empty batches). `microBatch` is the examples
  // per forward pass after earlier out-of-memory halvings (0: whole batches); it halves here when the
  // device runs out of memory, with a warning through `warn`. Other errors propagate.
  StepGradients compute(std::vector<TensorBatch>& window, const Logits& logitsOf,
                        const torch::nn::functional::CrossEntropyFuncOptions& lossOptions, int& microBatch,
                        const Warn& warn);

 private:
  void accumulate(std::vector<TensorBatch>& window, int64_t total, const Logits& logitsOf,
                  const torch::nn::functional::CrossEntropyFuncOptions& lossOptions, int microBatch,
                  StepGradients& out);
  void injectNonFiniteGradients();
  void applyL2Sp();
  double clipOrMeasure();

  const TrainingConfig& m_config;
  const std::vector<ParameterGroup>& m_paramGroups;
  torch::optim::Optimizer& m_optimizer;
  torch::Device m_device;
  GradientFaults m_faults;
  QString m_items;
  std::vector<torch::Tensor> m_l2spParams;
  std::vector<torch::Tensor> m_l2spReference;  // pre-trained values of m_l2spParams
  int64_t m_attempts = 0;  // steps tried in this process, taken or skipped (fault injection)
};

}  // namespace attune::detail
