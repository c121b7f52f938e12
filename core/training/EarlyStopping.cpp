#include "core/training/EarlyStopping.h"

#include <cmath>

namespace attune {

EarlyStopping::EarlyStopping(MonitorMetric monitor, double minDelta, int patience, BestEpoch best)
    : m_monitor(monitor), m_minDelta(minDelta), m_patience(patience), m_best(best) {}

bool EarlyStopping::improves(double valLoss, double valAccuracy) const {
  const bool byLoss = m_monitor == MonitorMetric::ValLoss;
  if (!std::isfinite(byLoss ? valLoss : valAccuracy)) return false;
  if (m_best.epoch == 0) return true;
  if (byLoss) return valLoss < m_best.valLoss - m_minDelta;
  return valAccuracy > m_best.valAccuracy + m_minDelta ||
         (m_minDelta == 0.0 && valAccuracy == m_best.valAccuracy && valLoss < m_best.valLoss);
}

bool EarlyStopping::record(int epoch, double valLoss, double valAccuracy) {
  if (!improves(valLoss, valAccuracy)) {
    ++m_best.epochsSinceBest;
    return false;
  }
  m_best = BestEpoch{epoch, valAccuracy, valLoss, 0};
  return true;
}

bool EarlyStopping::patienceRunOut() const {
  return m_patience > 0 && m_best.epochsSinceBest >= m_patience;
}

}  // namespace attune
