#pragma once
// Typed snapshots the training loop publishes (DESIGN.md "The training thread").

#include <QString>

#include <cstdint>
#include <vector>

namespace attune {

// Where one training step's time went, in milliseconds on the training thread: waiting for the
// loader's batch, making the batch's tensors and moving them to the device, the forward pass with the
// loss, the backward pass, and the update (the gradients' check or clipping and the optimiser's
// step). The rest of the step (its share of StepMetrics::elapsedMs) is bookkeeping: metrics, the
// learning rate, pauses. On CUDA these are host times: a kernel's own time shows where the host next
// waits for it (the loss read of the forward pass).
struct StepPhases {
  double dataWaitMs = 0.0;
  double toTensorMs = 0.0;
  double forwardMs = 0.0;
  double backwardMs = 0.0;
  double updateMs = 0.0;
  double totalMs() const { return dataWaitMs + toTensorMs + forwardMs + backwardMs + updateMs; }
};

struct StepMetrics {
  int fold = 0;            // k-fold cross-validation: the fold (1-based); 0 for a plain run
  int epoch = 0;           // 1-based
  int64_t step = 0;        // 1-based, over the whole run
  int64_t stepsTotal = 0;  // steps of the whole run
  double trainLoss = 0.0;  // mean loss of this step's batch
  double lrHead = 0.0;
  double lrBackbone = 0.0;
  double elapsedMs = 0.0;  // since the run started
  StepPhases phases;
};

struct EpochMetrics {
  int fold = 0;   // as StepMetrics::fold
  int epoch = 0;  // 1-based
  int epochsTotal = 0;
  double trainLoss = 0.0;
  double trainAccuracy = 0.0;  // on the training batches as augmented, in [0, 1]
  double valLoss = 0.0;
  double valAccuracy = 0.0;  // in [0, 1]
  bool isBest = false;       // best by the monitored metric so far (its weights were saved)
  // Validation loss has risen for two epochs while the training loss fell (see the run's warning).
  bool overfitting = false;
  int trainingGroups = 0;  // layer groups that trained in this epoch (gradual unfreezing)
  double elapsedMs = 0.0;
};

enum class RunEventKind { Started, Info, Warning, Finished, Stopped, Failed };

struct RunEvent {
  RunEventKind kind = RunEventKind::Info;
  QString message;  // plain words for the user
};

enum class RunOutcome { Finished, Stopped, Failed };

// What a run ended with; the `done` event of `attune-cli train --json`.
struct RunSummary {
  RunOutcome outcome = RunOutcome::Failed;
  QString runId;
  QString runDir;          // absolute
  QString bestCheckpoint;  // absolute path of best.safetensors; empty if no epoch completed
  QString lastCheckpoint;  // absolute path of last.safetensors
  int bestEpoch = 0;
  double bestValAccuracy = 0.0;
  double bestValLoss = 0.0;
  int epochsCompleted = 0;
  bool stoppedEarly = false;  // early stopping ended the run (outcome Finished)
  // k-fold cross-validation: each fold's best validation accuracy (empty for a plain run).
  std::vector<double> foldValAccuracies;
  QString message;  // why it stopped or failed
};

QString toString(RunEventKind kind);
QString toString(RunOutcome outcome);

}  // namespace attune
