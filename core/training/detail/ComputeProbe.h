#pragma once
// Internal (LibTorch): how a run computes on this CPU, measured at its start instead of guessed.
//  - Precision: with config.precision Auto on a CPU that computes bfloat16 natively, float32 and
//    bfloat16 autocast are both timed; bfloat16 is used only when it is faster for this model (on a CPU
//    without native bfloat16 it is emulated, and float32 is kept without a test).
//  - Memory format: for convolutional image models, the default layout (NCHW) and channels-last
//    (NHWC) are both timed; channels-last is used only when it is faster.
// A probe is a few passes over one batch of the run's own examples (forward and backward, or forward
// alone when the run starts on the feature cache); the model's weights, statistics, gradients and the
// random generator are as before afterwards. The choice is kept per machine (CPU model, threads,
// LibTorch version) and model (architecture, input size, batch, what is timed) in the cache folder, so
// that two runs of the same project on one computer compute the same way and give the same numbers.
// ATTUNE_COMPUTE_PROBE=off: no probe (float32 for Auto, the default layout).

#include "core/models/detail/ImageClassifier.h"

#include <torch/torch.h>

#include <QString>

#include <cstdint>

namespace attune::detail {

struct ComputeChoice {
  bool bf16 = false;
  bool channelsLast = false;
  // For the run's log: what was measured and what was chosen; empty when nothing was measured.
  QString message;
};

struct ComputeProbeRequest {
  bool tryBFloat16 = false;
  bool tryChannelsLast = false;
  bool withBackward = true;  // false: the run's heavy part is forward passes without gradients
  QString key;               // the model's part of the cache key (architecture, input size, ...)
};

// The candidates a run may choose from on `device` (only the CPU is probed).
ComputeProbeRequest computeProbeRequest(const ImageClassifierImpl& model, bool autoPrecision, bool images,
                                        const torch::Device& device);

// Times each candidate on `inputs`/`labels` (the cache folder's earlier answer when there is one) and
// returns the fastest; the model is left in the chosen memory format.
ComputeChoice chooseComputeFormat(ImageClassifierImpl& model, const torch::Tensor& inputs,
                                  const torch::Tensor& labels, const ComputeProbeRequest& request);

// Puts the model's 4-dimensional parameters and buffers in channels-last (or back to the default
// layout). Values are unchanged; convolutions then run on NHWC data.
void setChannelsLast(ImageClassifierImpl& model, bool channelsLast);

// The file of kept choices (JSON: key -> {"bf16", "channels_last"}).
QString computeChoicesFile();
// Forgets the choices this process made or read (tests: the file alone decides again).
void forgetComputeChoices();

}  // namespace attune::detail
