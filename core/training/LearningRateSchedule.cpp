#include "core/training/LearningRateSchedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attune {

LearningRateSchedule::LearningRateSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps)
    : m_kind(kind),
      m_totalSteps(std::max<int64_t>(1, totalSteps)),
      m_warmupSteps(std::clamp<int64_t>(warmupSteps, 0, std::max<int64_t>(0, totalSteps - 1))) {}

LearningRateSchedule LearningRateSchedule::fromConfig(const TrainingConfig& config, int64_t totalSteps) {
  const auto warmup = static_cast<int64_t>(std::llround(config.warmupFraction * double(totalSteps)));
  return LearningRateSchedule(config.schedule, totalSteps, warmup);
}

double LearningRateSchedule::factor(int64_t step) const {
  if (m_kind == ScheduleKind::Constant) return 1.0;
  step = std::clamp<int64_t>(step, 0, m_totalSteps - 1);
  if (step < m_warmupSteps) return double(step + 1) / double(m_warmupSteps);
  const int64_t decaySteps = m_totalSteps - m_warmupSteps;
  if (decaySteps <= 1) return 1.0;
  const double progress = double(step - m_warmupSteps) / double(decaySteps);
  return 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace attune
