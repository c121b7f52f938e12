#include "core/training/LrFinder.h"

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

// Points at either end of the curve are too noisy to read a slope from.
constexpr int kMinimumPoints = 10;

QString rateText(double lr) {
  return QString::number(lr, 'e', 1);
}

}  // namespace

Result<LrFinderResult> suggestLearningRate(LrFinderResult curve) {
  const auto& lrs = curve.lrs;
  const auto& smoothed = curve.smoothedLosses;
  const int n = int(std::min(lrs.size(), smoothed.size()));
  if (n < kMinimumPoints)
    return Error(
        ErrorCode::NotEnoughData,
        QStringLiteral("The learning-rate test stopped after %1 steps, too few to read a rate from.").arg(n),
        QStringLiteral("Let it run longer, or add more training images."));
  // Search up to the lowest smoothed loss: past it the loss only blows up.
  int minimum = 0;
  for (int i = 1; i < n; ++i)
    if (smoothed[size_t(i)] < smoothed[size_t(minimum)]) minimum = i;
  // Steepest fall per decade of rate, over a window of two points each side. The first tenth of the
  // curve is left out, as fastai does: there the moving average is still settling and the rates are
  // too small to have changed the model, so any slope there is noise.
  const int skip = std::max(2, n / 10);
  int steepest = -1;
  double steepestSlope = 0.0;
  for (int i = skip; i < minimum; ++i) {
    const int lo = std::max(0, i - 2), hi = std::min(n - 1, i + 2);
    const double decades = std::log10(lrs[size_t(hi)]) - std::log10(lrs[size_t(lo)]);
    if (decades <= 0.0) continue;
    const double slope = (smoothed[size_t(hi)] - smoothed[size_t(lo)]) / decades;
    if (steepest < 0 || slope < steepestSlope) {
      steepest = i;
      steepestSlope = slope;
    }
  }
  if (steepest < 0 || steepestSlope >= 0.0) {
    // No fall before the minimum: fall back to a tenth of the rate at the minimum, fastai's old rule.
    if (minimum == 0)
      return Error(ErrorCode::BadValue, QStringLiteral("The loss never fell during the learning-rate test."),
                   QStringLiteral("Check the labels, or unfreeze more layers; then try again."));
    curve.suggestedIndex = minimum;
    curve.suggestedLr = lrs[size_t(minimum)] / 10.0;
    curve.reason = QStringLiteral("The loss was lowest at %1; a tenth of that is a safe rate.")
                       .arg(rateText(lrs[size_t(minimum)]));
    return curve;
  }
  curve.suggestedIndex = steepest;
  curve.suggestedLr = lrs[size_t(steepest)];
  curve.reason = QStringLiteral(
                     "The loss fell fastest at %1 (it was lowest at %2, where training starts to become "
                     "unstable).")
                     .arg(rateText(curve.suggestedLr), rateText(lrs[size_t(minimum)]));
  return curve;
}

void applySuggestedRate(TrainingConfig& config, double lr) {
  if (!(lr > 0.0) || !(config.lrHead > 0.0)) return;
  const double factor = lr / config.lrHead;
  config.lrHead = lr;
  config.lrBackbone *= factor;
  for (auto& [name, groupRate] : config.groupLrs) groupRate *= factor;
}

}  // namespace attune
