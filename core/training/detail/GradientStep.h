#pragma once
// Internal (LibTorch): the gradients of one optimiser step, everything before optimizer.step():
//  - forward and backward passes over the step's batches (several with gradient accumulation), each
//    split into micro-batches once the device ran out of memory: the micro-batch halves until it fits,
//    and the gradients still add up to those of the whole batch;
//  - the finiteness of the loss and of the gradients, as flags on the device. With checks on the host
//    (the CPU, where reading a value costs nothing) they are read with the loss, once per step, and the
//    caller skips a step that is not finite. With checks on the device (a GPU: reading would make the
//    host wait for the device every step) nothing is read: the gradients of a step that is not finite
//    are set to zero on the device, and the caller reads the flags and losses of many steps at once;
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
  // Unknown: checks on the device (the flags below say it, and `loss` is not read).
  enum class Verdict { Ready, LossNotFinite, GradientsNotFinite, Unknown };
  Verdict verdict = Verdict::Ready;
  int64_t examples = 0;           // in the step's batches
  double loss = 0.0;              // their mean loss (checks on the host)
  torch::Tensor lossSum;          // the same on the device (float64): the epoch's sums add it without a wait
  torch::Tensor lossFinite;       // bool, on the device
  torch::Tensor gradientsFinite;  // bool, on the device
  torch::Tensor correct;          // correctly classified examples (int64, on the device)
  double forwardMs = 0.0;         // StepPhases: the forward passes with their losses
  double backwardMs = 0.0;        // and the backward passes, over the step's batches
  double checkMs = 0.0;           // the gradients' check or clipping
};

class GradientStep {
 public:
  // Float32 logits of a batch's inputs under the trainer's current forward pass (autocast, the
  // feature cache).
  using Logits = std::function<torch::Tensor(const torch::Tensor& inputs)>;
  using Warn = std::function<void(const QString& message)>;

  // `groups` are the model's layer groups: L2-SP keeps the pre-trained values of every group's
  // parameters but the head's, when config.l2sp > 0. `items` ("images" or "texts") is for messages.
  // `checksOnDevice`: see above (Trainer chooses: on for a GPU, or ATTUNE_STEP_CHECKS=device).
  GradientStep(const TrainingConfig& config, const std::vector<BoundLayerGroup>& groups,
               const std::vector<ParameterGroup>& paramGroups, torch::optim::Optimizer& optimizer,
               const torch::Device& device, GradientFaults faults, QString items, bool checksOnDevice);

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
  torch::Tensor clipOrMeasure();
  void zeroIfNotFinite(const StepGradients& step);

  const TrainingConfig& m_config;
  const std::vector<ParameterGroup>& m_paramGroups;
  torch::optim::Optimizer& m_optimizer;
  torch::Device m_device;
  GradientFaults m_faults;
  QString m_items;
  bool m_checksOnDevice = false;
  std::vector<torch::Tensor> m_l2spParams;
  std::vector<torch::Tensor> m_l2spReference;  // pre-trained values of m_l2spParams
  int64_t m_attempts = 0;  // steps tried in this process, taken or skipped (fault injection)
};

// Whether a run on `device` checks its steps on the device: on a GPU, not on the CPU; the environment
// variable ATTUNE_STEP_CHECKS=device or =host chooses either on any device (tests, benchmarks).
bool stepChecksOnDevice(const torch::Device& device);

// Values the training loop has copied from the device to the host, counted in this process (each
// makes the host wait for the device on a GPU): the tests check how often the loop reads.
int64_t stepResultReads();
void countStepResultRead();

}  // namespace attune::detail
