#pragma once
// The learning-rate range test (Smith 2017; fastai's lr_find): train from the pre-trained weights for
// a short run while the rate grows exponentially from very small to very large, record the loss,
// and suggest the rate where the smoothed loss falls fastest. The run leaves no trace: nothing is
// saved and the project's model is untouched.

#include "core/common/Result.h"
#include "core/project/TrainingConfig.h"

#include <QString>

#include <atomic>
#include <functional>
#include <vector>

namespace attune {

struct TrainingJob;

struct LrFinderOptions {
  double startLr = 1e-7;       // the new layer's rate at the first step
  double endLr = 10.0;         // ... and at the last; other groups keep their ratio to it
  int steps = 100;             // at most; the data is cycled if it has fewer batches
  double smoothing = 0.98;     // exponential moving average of the loss (bias-corrected)
  double divergeFactor = 4.0;  // stop once the smoothed loss exceeds this times its minimum
};

struct LrFinderResult {
  std::vector<double> lrs;             // the new layer's rate at each step
  std::vector<double> losses;          // raw loss of each step
  std::vector<double> smoothedLosses;  // what the suggestion is read from
  double suggestedLr = 0.0;
  int suggestedIndex = -1;  // into lrs
  QString reason;           // plain words: why this rate
  bool diverged = false;    // the loss blew up before the last step (the usual end)
};

using LrFinderProgress = std::function<void(int step, int steps, double lr, double smoothedLoss)>;

// Runs the range test on the job's training images with the job's model, weights, freezing (as at
// epoch 1) and optimiser. `stop` ends it early (the curve so far is returned if it has enough points).
Result<LrFinderResult> findLearningRate(const TrainingJob& job, const LrFinderOptions& options,
                                        const std::atomic<bool>& stop, const LrFinderProgress& progress = {});

// The suggestion from a curve: the rate at the steepest fall of the smoothed loss (per decade of
// rate), searched before the minimum of the loss; empty curves or ones that never fall are an error
// that says what to try. Exposed for tests and for the GUI's redraw.
Result<LrFinderResult> suggestLearningRate(LrFinderResult curve);

// Sets the new layer's rate to `lr` and scales the backbone rate (and explicit group rates) by the
// same factor, so the ratios between groups stay as the user set them.
void applySuggestedRate(TrainingConfig& config, double lr);

}  // namespace attune
