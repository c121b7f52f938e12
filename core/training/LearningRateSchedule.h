#pragma once
// The factor each group's base learning rate is multiplied by at a step. All schedules apply to every
// parameter group alike, so the ratios between the groups' rates (discriminative rates) hold
// throughout the run.

#include "core/common/Result.h"
#include "core/project/TrainingConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>

namespace attune {

class LearningRateSchedule {
 public:
  struct Settings {
    ScheduleKind kind = ScheduleKind::Constant;
    int64_t totalSteps = 1;
    int64_t warmupSteps = 0;    // cosine, linear, plateau: linear warm-up; one-cycle: the rising phase
    int64_t stepsPerEpoch = 1;  // step schedule
    int stepEvery = 3;          // step schedule: epochs between cuts
    double gamma = 0.1;         // step and plateau: factor of each cut
    int plateauPatience = 2;    // plateau: epochs without improvement before a cut
  };

  // WarmupCosine: linear from 1/warmupSteps up to 1 over warmupSteps steps, then cosine decay to 0 at
  // totalSteps. Constant: 1 throughout.
  LearningRateSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps);
  explicit LearningRateSchedule(const Settings& settings);
  static LearningRateSchedule fromConfig(const TrainingConfig& config, int64_t stepsPerEpoch);

  // step: 0-based index of the optimiser step about to be taken.
  double factor(int64_t step) const;
  int64_t warmupSteps() const { return m_s.warmupSteps; }
  ScheduleKind kind() const { return m_s.kind; }

  // Plateau: call once per epoch with its validation loss; returns true when the rate was just cut.
  // Other schedules ignore it.
  bool epochEnded(double valLoss);

  // What a resumed run needs to continue exactly (the plateau's state; the others are pure functions
  // of the step).
  nlohmann::json state() const;
  Status restore(const nlohmann::json& state);

 private:
  Settings m_s;
  double m_plateauFactor = 1.0;
  double m_plateauBest = 0.0;
  bool m_plateauHasBest = false;
  int m_plateauBadEpochs = 0;
};

}  // namespace attune
