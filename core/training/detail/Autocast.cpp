#include "core/training/detail/Autocast.h"

#include <QFile>

// LibTorch 2.4 replaced the per-device autocast functions by ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define ATTUNE_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace attune::detail {
namespace {

bool isEnabled(bool cuda) {
#ifdef ATTUNE_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void setEnabled(bool cuda, bool on) {
#ifdef ATTUNE_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on);
#else
  if (cuda)
    at::autocast::set_enabled(on);
  else
    at::autocast::set_cpu_enabled(on);
#endif
}

at::ScalarType dtypeOf(bool cuda) {
#ifdef ATTUNE_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void setDtype(bool cuda, at::ScalarType type) {
#ifdef ATTUNE_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, type);
#else
  if (cuda)
    at::autocast::set_autocast_gpu_dtype(type);
  else
    at::autocast::set_autocast_cpu_dtype(type);
#endif
}

}  // namespace

bool cpuHasNativeBFloat16() {
  static const bool kNative = [] {
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    if (!cpuinfo.open(QIODevice::ReadOnly)) return false;
    const QByteArray text = cpuinfo.readAll();
    return text.contains(" avx512_bf16") || text.contains(" amx_bf16");
  }();
  return kNative;
}

AutocastGuard::AutocastGuard(bool enabled, const torch::Device& device)
    : m_enabled(enabled), m_cuda(device.is_cuda()) {
  if (!m_enabled) return;
  m_wasEnabled = isEnabled(m_cuda);
  m_previousType = dtypeOf(m_cuda);
  setEnabled(m_cuda, true);
  setDtype(m_cuda, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!m_enabled) return;
  // The bfloat16 copies of the weights made in this forward pass are stale after the optimiser step.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setEnabled(m_cuda, m_wasEnabled);
  setDtype(m_cuda, m_previousType);
}

}  // namespace attune::detail
