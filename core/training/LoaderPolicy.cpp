#include "core/training/LoaderPolicy.h"

#include <QThread>

#include <algorithm>

namespace attune {

int startingLoaderWorkers(int cores) {
  return std::clamp(cores / 2, 1, 4);
}

int mostLoaderWorkers(int cores) {
  return std::max(2, cores);
}

std::optional<int> moreLoaderWorkers(int current, double waitShare, int cores) {
  const int most = mostLoaderWorkers(cores);
  if (!(waitShare > kMostDataWaitShare) || current >= most) return std::nullopt;
  return std::min(most, std::max(current + 1, current * 2));
}

int loaderWorkersFor(const TrainingConfig& config) {
  return config.loaderWorkers.value_or(startingLoaderWorkers(std::max(1, QThread::idealThreadCount())));
}

}  // namespace attune
