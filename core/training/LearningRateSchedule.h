#pragma once
// The factor each group's base learning rate is multiplied by at a step.

#include "core/project/TrainingConfig.h"

#include <cstdint>

namespace attune {

class LearningRateSchedule {
 public:
  // WarmupCosine: linear from 1/warmupSteps up to 1 over warmupSteps steps, then cosine decay to 0 at
  // totalSteps. Constant: 1 throughout.
  LearningRateSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps);
  static LearningRateSchedule fromConfig(const TrainingConfig& config, int64_t totalSteps);

  // step: 0-based index of the optimiser step about to be taken.
  double factor(int64_t step) const;
  int64_t warmupSteps() const { return m_warmupSteps; }

 private:
  ScheduleKind m_kind;
  int64_t m_totalSteps;
  int64_t m_warmupSteps;
};

}  // namespace attune
