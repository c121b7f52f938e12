#pragma once
// Typed snapshots the training loop publishes (DESIGN.md "The training thread").

#include <QString>

#include <cstdint>
#include <vector>

namespace attune {

struct StepMetrics {
  int fold = 0;            // k-fold cross-validation: the fold (1-based); 0 for a plain run
  int epoch = 0;           // 1-based
  int64_t step = 0;        // 1-based, over the whole run
  int64_t stepsTotal = 0;  // steps of the whole run
  double trainLoss = 0.0;  // mean loss of this step's batch
  double lrHead = 0.0;
  double lrBackbone = 0.0;
  double elapsedMs = 0.0;  // since the run started
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
