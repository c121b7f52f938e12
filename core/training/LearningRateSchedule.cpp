#include "core/training/LearningRateSchedule.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attune {
namespace {

// One-cycle's start and end, as fractions of the peak rate (PyTorch's OneCycleLR defaults: the
// rate starts at peak/25 and ends at that divided by 1e4).
constexpr double kOneCycleStart = 1.0 / 25.0;
constexpr double kOneCycleEnd = kOneCycleStart / 1e4;

double cosineBetween(double from, double to, double progress) {
  return to + (from - to) * 0.5 * (1.0 + std::cos(std::numbers::pi * std::clamp(progress, 0.0, 1.0)));
}

}  // namespace

LearningRateSchedule::LearningRateSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps)
    : LearningRateSchedule(Settings{kind, totalSteps, warmupSteps}) {}

LearningRateSchedule::LearningRateSchedule(const Settings& settings) : m_s(settings) {
  m_s.totalSteps = std::max<int64_t>(1, m_s.totalSteps);
  m_s.warmupSteps = std::clamp<int64_t>(m_s.warmupSteps, 0, std::max<int64_t>(0, m_s.totalSteps - 1));
  m_s.stepsPerEpoch = std::max<int64_t>(1, m_s.stepsPerEpoch);
  m_s.stepEvery = std::max(1, m_s.stepEvery);
  m_s.plateauPatience = std::max(1, m_s.plateauPatience);
}

LearningRateSchedule LearningRateSchedule::fromConfig(const TrainingConfig& config, int64_t stepsPerEpoch) {
  Settings s;
  s.kind = config.schedule;
  s.stepsPerEpoch = std::max<int64_t>(1, stepsPerEpoch);
  s.totalSteps = s.stepsPerEpoch * std::max(1, config.epochs);
  // One-cycle rises over 30% of the run unless a warm-up share was chosen.
  const double warmupShare =
      config.schedule == ScheduleKind::OneCycle && config.warmupFraction <= 0.0 ? 0.3 : config.warmupFraction;
  s.warmupSteps = static_cast<int64_t>(std::llround(warmupShare * double(s.totalSteps)));
  s.stepEvery = config.stepEvery;
  s.gamma = config.gamma;
  s.plateauPatience = config.plateauPatience;
  return LearningRateSchedule(s);
}

double LearningRateSchedule::factor(int64_t step) const {
  step = std::clamp<int64_t>(step, 0, m_s.totalSteps - 1);
  const int64_t warm = m_s.warmupSteps;
  switch (m_s.kind) {
    case ScheduleKind::Constant:
      return 1.0;
    case ScheduleKind::Step: {
      const int64_t epoch = step / m_s.stepsPerEpoch;
      return std::pow(m_s.gamma, double(epoch / m_s.stepEvery));
    }
    case ScheduleKind::Plateau:
      if (step < warm) return m_plateauFactor * double(step + 1) / double(warm);
      return m_plateauFactor;
    case ScheduleKind::OneCycle: {
      if (warm > 0 && step < warm) {
        const double progress = warm > 1 ? double(step) / double(warm - 1) : 1.0;
        return cosineBetween(kOneCycleStart, 1.0, progress);
      }
      const int64_t down = m_s.totalSteps - warm;
      const double progress = down > 1 ? double(step - warm) / double(down - 1) : 1.0;
      return cosineBetween(1.0, kOneCycleEnd, progress);
    }
    case ScheduleKind::WarmupCosine:
    case ScheduleKind::WarmupLinear: {
      if (step < warm) return double(step + 1) / double(warm);
      const int64_t decaySteps = m_s.totalSteps - warm;
      if (decaySteps <= 1) return 1.0;
      const double progress = double(step - warm) / double(decaySteps);
      if (m_s.kind == ScheduleKind::WarmupLinear) return 1.0 - progress;
      return 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    }
  }
  return 1.0;
}

bool LearningRateSchedule::epochEnded(double valLoss) {
  if (m_s.kind != ScheduleKind::Plateau || !std::isfinite(valLoss)) return false;
  if (!m_plateauHasBest || valLoss < m_plateauBest) {
    m_plateauBest = valLoss;
    m_plateauHasBest = true;
    m_plateauBadEpochs = 0;
    return false;
  }
  if (++m_plateauBadEpochs < m_s.plateauPatience) return false;
  m_plateauFactor *= m_s.gamma;
  m_plateauBadEpochs = 0;
  return true;
}

nlohmann::json LearningRateSchedule::state() const {
  return {{"plateau_factor", m_plateauFactor},
          {"plateau_best", m_plateauHasBest ? nlohmann::json(m_plateauBest) : nlohmann::json(nullptr)},
          {"plateau_bad_epochs", m_plateauBadEpochs}};
}

Status LearningRateSchedule::restore(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("plateau_factor") || !state["plateau_factor"].is_number() ||
      !state.contains("plateau_bad_epochs") || !state["plateau_bad_epochs"].is_number_integer())
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The saved learning-rate schedule state is incomplete."),
                 QStringLiteral("Start a new run instead of resuming this one."));
  m_plateauFactor = state["plateau_factor"].get<double>();
  m_plateauBadEpochs = state["plateau_bad_epochs"].get<int>();
  const auto& best = state["plateau_best"];
  m_plateauHasBest = best.is_number();
  m_plateauBest = m_plateauHasBest ? best.get<double>() : 0.0;
  return {};
}

}  // namespace attune
