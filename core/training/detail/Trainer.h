#pragma once
// Internal: the training loop behind TrainingSession. Runs in the calling thread.

#include "core/training/MetricsBuffer.h"
#include "core/training/RunMetrics.h"
#include "core/training/RunWriter.h"
#include "core/training/TrainingJob.h"

#include <atomic>
#include <cstdint>

namespace attune::detail {

struct TrainerControl {
  const std::atomic<bool>& stopRequested;
  const std::atomic<bool>& paused;
  MetricsBuffer& metrics;
  // Stop (with a resumable checkpoint) once this many optimiser steps are done; 0: never. For tests
  // of resume and for schedulers that give a run a time slice.
  int64_t stopAfterStep = 0;
  // Fault injection: a forward pass over more than this many images fails as if out of memory; 0: off.
  int simulateOutOfMemoryAbove = 0;
  // Fault injection: the gradients of the step attempts nonFiniteGradientsFrom .. +count-1 (1-based,
  // counting skipped attempts) are made NaN after back-propagation while the loss stays finite; 0: off.
  int64_t nonFiniteGradientsFrom = 0;
  int nonFiniteGradientsCount = 0;
};

// Trains the job's model, writing checkpoints and metrics through `writer`. May throw LibTorch's
// exceptions; TrainingSession turns those into a failed summary.
RunSummary runTraining(const TrainingJob& job, RunWriter& writer, const TrainerControl& control);

// k-fold cross-validation (config.folds >= 2): the job's training and validation images together are
// split into stratified folds; each fold trains a fresh model from the same pre-trained weights in
// <run>/fold-<i>/ and predicts its held-out images with its best checkpoint. Writes
// cross_validation.json (each fold's best metrics, mean and standard deviation) and oof.csv (the
// out-of-fold class probabilities of every image, for finding likely label mistakes later).
RunSummary runCrossValidation(const TrainingJob& job, RunWriter& writer, const TrainerControl& control);

}  // namespace attune::detail
