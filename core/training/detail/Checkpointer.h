#pragma once
// Internal (LibTorch): a run's files for picking up its model and its training again.
//  - Weights (best.safetensors, last.safetensors, epoch-N.safetensors): the model's tensors with what
//    the Predictor and the exports need to rebuild it (architecture, classes, input size, task).
//  - Resume state: resume-<step>.state.safetensors (optimiser state, random generator),
//    resume-<step>.weights.safetensors (a hard link to that step's last.safetensors) and state.json
//    (where the run stands, TrainerProgress, naming the step), written in that order at the end of
//    every epoch and when a run stops; older sets are removed after state.json is on the disk, so a
//    save killed at any moment leaves the previous set whole. All carry the optimiser step they are
//    from, so a resumed run refuses files of different moments.

#include "core/common/Result.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/training/LearningRateSchedule.h"
#include "core/training/RunWriter.h"
#include "core/training/TrainingJob.h"
#include "core/training/detail/TrainerState.h"

#include <torch/torch.h>

#include <QString>

#include <cstdint>

namespace attune::detail {

inline const QString kLastWeights = QStringLiteral("last.safetensors");
inline const QString kBestWeights = QStringLiteral("best.safetensors");

class Checkpointer {
 public:
  // `config` is the run's (after the learning-rate finder); `inputSize` the model's (0 for texts).
  Checkpointer(const TrainingJob& job, const TrainingConfig& config, RunWriter& writer, int inputSize);

  // Writes the model's weights as `name` in the run folder, from `epoch` and optimiser step `step`.
  Status saveWeights(const QString& name, const ImageClassifierImpl& model, int epoch, int64_t step,
                     double valAccuracy) const;
  // Writes the optimiser's and random generator's state and `progress` with the schedule's state.
  Status saveResumeState(torch::optim::Optimizer& optimizer, const LearningRateSchedule& schedule,
                         const TrainerProgress& progress) const;
  // Reads the state of a stopped run back into the model, the optimiser, the random generator and
  // the schedule, drops the metrics rows written after it, and returns where the run stood. Errors:
  // no saved state, other data than the run's (`dataFingerprint`), files of different moments.
  Result<TrainerProgress> resume(ImageClassifierImpl& model, torch::optim::Optimizer& optimizer,
                                 LearningRateSchedule& schedule, const QString& dataFingerprint) const;

 private:
  const TrainingJob& m_job;
  const TrainingConfig& m_config;
  RunWriter& m_writer;
  int m_inputSize;
};

}  // namespace attune::detail
