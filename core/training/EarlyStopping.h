#pragma once
// Which epoch's model is the best so far, and when a run stops early: plain comparisons of the
// validation results, without LibTorch, so they are tested on their own (tests/training/
// test_early_stopping). The trainer saves best.safetensors when record() says so and ends the run
// when patienceRunOut() (unless it was the last epoch anyway).

#include "core/project/TrainingConfig.h"

namespace attune {

// The best epoch so far and the epochs since. Kept in the run's state.json, so a resumed run goes on
// counting where it stopped.
struct BestEpoch {
  int epoch = 0;  // 0: no epoch recorded yet
  double valAccuracy = 0.0;
  double valLoss = 0.0;
  int epochsSinceBest = 0;
};

class EarlyStopping {
 public:
  // `minDelta`: the least change of the monitored metric that counts as an improvement. `patience`:
  // epochs without improvement before the run stops; 0: never.
  EarlyStopping(MonitorMetric monitor, double minDelta, int patience, BestEpoch best = {});

  // Records an epoch's validation results and says whether its model is the new best:
  //  - the first epoch recorded always is;
  //  - by loss (lower is better): a loss lower than the best by more than minDelta;
  //  - by accuracy (higher is better): an accuracy higher than the best by more than minDelta, or,
  //    without a minDelta, the same accuracy with a lower loss (ties go to the more confident model);
  //  - an epoch whose monitored value is not a finite number never is (the trainer fails a run on a
  //    non-finite validation loss before it gets here; SavedRun::bestEpoch, the reports' rule, skips
  //    such epochs too).
  // Otherwise the epoch counts towards the patience.
  bool record(int epoch, double valLoss, double valAccuracy);

  // True once `patience` epochs in a row brought no improvement.
  bool patienceRunOut() const;

  const BestEpoch& best() const { return m_best; }
  MonitorMetric monitor() const { return m_monitor; }

 private:
  bool improves(double valLoss, double valAccuracy) const;

  MonitorMetric m_monitor;
  double m_minDelta;
  int m_patience;
  BestEpoch m_best;
};

}  // namespace attune
