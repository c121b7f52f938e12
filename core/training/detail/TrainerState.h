#pragma once
// Internal: where a run stands, saved as runs/<id>/state.json next to last.safetensors (the model)
// and state.safetensors (optimiser state and random generator), so `train --resume` continues the
// run exactly where it stopped: same epoch, same batch, same schedule, same random numbers.

#include "core/common/Result.h"
#include "core/data/ImageSample.h"
#include "core/data/TextSample.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace attune::detail {

struct TrainerProgress {
  int epoch = 1;            // the epoch in progress (1-based)
  int64_t batchesDone = 0;  // batches of `epoch` already trained (the sampler's position)
  int64_t step = 0;         // optimiser steps taken in the whole run
  // Running sums of `epoch` so far, for its mean training loss and accuracy.
  double epochLossSum = 0.0;
  int64_t epochCorrect = 0;
  int64_t epochSeen = 0;
  int badSteps = 0;    // consecutive skipped steps
  int microBatch = 0;  // images per forward pass after out-of-memory halvings (0: the batch size)
  int epochsCompleted = 0;
  int bestEpoch = 0;
  double bestValAccuracy = 0.0;
  double bestValLoss = 0.0;
  int epochsSinceBest = 0;  // early stopping's counter
  bool overfittingReported = false;
  std::vector<double> trainLosses;  // per completed epoch
  std::vector<double> valLosses;
  double lrHead = 0.0;  // the rates actually used (after the LR finder)
  double lrBackbone = 0.0;
  nlohmann::json schedule;  // LearningRateSchedule::state()
  QString dataFingerprint;  // dataFingerprint() of the run's split
  // How the run computes, as chosen when it started (ComputeProbe.h); a resumed run keeps it. Absent
  // from state files older than the choice: the run's precision setting decides, as it did then.
  std::optional<bool> bf16;
  bool channelsLast = false;

  nlohmann::json toJson() const;
  static Result<TrainerProgress> fromJson(const nlohmann::json& json);
};

// Overfitting: the validation loss rose for the last two epochs while the training loss fell in both.
bool looksLikeOverfitting(const std::vector<double>& trainLosses, const std::vector<double>& valLosses);

// SHA-256 (hex) over the training and validation file lists with their labels: a resumed run refuses
// to continue on other data.
QString dataFingerprint(const std::vector<ImageSample>& train, const std::vector<ImageSample>& val);
QString dataFingerprint(const std::vector<TextSample>& train, const std::vector<TextSample>& val);

}  // namespace attune::detail
