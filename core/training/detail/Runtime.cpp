#include "core/training/Runtime.h"

#include "core/training/detail/ModelSetup.h"

#include <torch/torch.h>

#include <QThread>

#include <mutex>

namespace attune {

QString torchVersion() {
  return QStringLiteral("%1.%2.%3")
      .arg(TORCH_VERSION_MAJOR)
      .arg(TORCH_VERSION_MINOR)
      .arg(TORCH_VERSION_PATCH);
}

QString computeDeviceName() {
  return detail::computeDevice().is_cuda() ? QStringLiteral("cuda") : QStringLiteral("cpu");
}

int configureThreads(std::optional<int> threads) {
  const int wanted = threads.value_or(std::max(1, QThread::idealThreadCount()));
  if (at::get_num_threads() != wanted) at::set_num_threads(wanted);
  // Denormal floats (weights driven towards zero, or by the LR finder's largest rates) cost CPUs up to
  // a hundred times a normal operation; flushing them to zero is what training frameworks do.
  at::globalContext().setFlushDenormal(true);
  useCpuMemoryCache();
  static std::once_flag interOp;
  std::call_once(interOp, [] {
    // Settable only before the pool's first use in the process; a library that used it earlier keeps
    // its count.
    try {
      at::set_num_interop_threads(1);
    } catch (const std::exception&) {
    }
  });
  return at::get_num_threads();
}

int interOpThreads() {
  return int(at::get_num_interop_threads());
}

}  // namespace attune
