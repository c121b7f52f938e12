#pragma once
// How many threads decode and augment images ahead of the trainer when runtime.loader_workers is left
// to Attune (unset): few at the start, so that they do not take the cores the model computes on, and
// more while the model waits for its images. Plain C++, no LibTorch.

#include "core/project/TrainingConfig.h"

#include <optional>

namespace attune {

// The share of a run's training time spent waiting for images above which Attune adds workers.
inline constexpr double kMostDataWaitShare = 0.05;

// The workers an automatic run starts with on a computer with `cores` cores: half the cores, from 1
// to 4. Images are prepared between the model's steps, on the cores the model computes on: on 2 cores
// one worker kept ResNet-18 and MobileNetV2 at 96 px waiting under 2% of a step (Fashion-MNIST),
// and a second one made the steps no faster.
int startingLoaderWorkers(int cores);

// The most workers an automatic run adds up to: every core, and at least 2 (decoding also waits for
// the disk).
int mostLoaderWorkers(int cores);

// After a stretch of training in which the model waited `waitShare` (0..1) of the time for images with
// `current` workers: the workers to use from now on, or nullopt to keep them (the share is at most
// kMostDataWaitShare, or the most are already at work).
std::optional<int> moreLoaderWorkers(int current, double waitShare, int cores);

// The workers a run of `config` starts with on this computer: runtime.loader_workers when set, else
// startingLoaderWorkers of its core count.
int loaderWorkersFor(const TrainingConfig& config);

}  // namespace attune
