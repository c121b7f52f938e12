#include "core/training/MetricsBuffer.h"

namespace attune {

void MetricsBuffer::push(const StepMetrics& metrics) {
  std::lock_guard lock(m_mutex);
  m_pending.steps.push_back(metrics);
}

void MetricsBuffer::push(const EpochMetrics& metrics) {
  std::lock_guard lock(m_mutex);
  m_pending.epochs.push_back(metrics);
}

void MetricsBuffer::push(const RunEvent& event) {
  std::lock_guard lock(m_mutex);
  m_pending.events.push_back(event);
}

MetricsDrain MetricsBuffer::drain() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_pending, MetricsDrain{});
}

}  // namespace attune
