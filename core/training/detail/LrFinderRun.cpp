// The range test itself (LrFinder.h): a few training steps at growing rates on the run's model.
#include "core/common/EngineBoundary.h"
#include "core/training/LrFinder.h"
#include "core/training/Runtime.h"
#include "core/training/TrainingJob.h"
#include "core/training/detail/Autocast.h"
#include "core/training/detail/EngineFault.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/TrainingSetup.h"

#include <torch/torch.h>

#include <cmath>

namespace attune {
namespace {

// The next training batch with examples, from a new epoch when one ends; nothing after three tries
// (every image of the data failed to load).
std::optional<detail::TensorBatch> nextTrainingBatch(const detail::RunData& data,
                                                     std::unique_ptr<detail::EpochBatches>& batches,
                                                     int& epoch) {
  using namespace attune::detail;
  std::optional<TensorBatch> batch;
  for (int attempts = 0; attempts < 3 && !(batch && batch->count > 0); ++attempts) {
    if (!batches) batches = data.batches(Split::Train, {}, TransformMode::Training, ++epoch, 0);
    batch = batches->next();
    if (!batch) batches.reset();
  }
  return batch;
}

Result<LrFinderResult> runRangeTest(const TrainingJob& job, const LrFinderOptions& options,
                                    const std::atomic<bool>& stop, const LrFinderProgress& progress) {
  using namespace attune::detail;
  namespace F = torch::nn::functional;
  if (!(options.startLr > 0.0 && options.endLr > options.startLr) || options.steps < 2)
    return Error(ErrorCode::BadValue, QStringLiteral("The learning-rate test needs a range of rates."));
  if (job.trainSamples.empty() && job.trainTexts.empty())
    return Error(ErrorCode::NotEnoughData, QStringLiteral("There is no training data to test rates on."));
  const TrainingConfig& config = job.config;
  configureThreads(config.threads);
  auto setup = setUpTraining(job, config, StartPointUse::Ignore);
  if (!setup) return setup.error();
  injectEngineFault(EngineFaultSite::LrFind);
  const torch::Device device = setup->device;
  const bool bf16 = setup->bf16;
  auto& model = setup->prepared.model;
  const auto& paramGroups = setup->paramGroups;
  auto& optimizer = setup->optimizer;
  freezeGroups(*model, setup->groups,
               frozenGroupCount(config, std::max(0, int(setup->groups.size()) - 1), 1));
  model->train(true);

  const auto data = runDataFor(job, config, setup->prepared, device, {});
  const auto lossOptions = F::CrossEntropyFuncOptions().label_smoothing(config.labelSmoothing);

  LrFinderResult curve;
  double average = 0.0;
  double best = 0.0;
  int epoch = 0;
  std::unique_ptr<EpochBatches> batches;
  for (int i = 0; i < options.steps && !stop.load(); ++i) {
    const std::optional<TensorBatch> batch = nextTrainingBatch(*data, batches, epoch);
    if (!batch || batch->count == 0) break;
    const double lr =
        options.startLr * std::pow(options.endLr / options.startLr, double(i) / double(options.steps - 1));
    auto& torchGroups = optimizer->param_groups();
    for (size_t g = 0; g < torchGroups.size(); ++g)
      torchGroups[g].options().set_lr(paramGroups[g].baseLr * lr / config.lrHead);
    optimizer->zero_grad();
    torch::Tensor logits;
    {
      AutocastGuard autocast(bf16, device);
      logits = model->forward(batch->inputs);
    }
    auto loss = F::cross_entropy(logits.to(torch::kFloat32), batch->labels, lossOptions);
    const double value = loss.item<double>();
    if (!std::isfinite(value)) {
      curve.diverged = true;
      break;
    }
    loss.backward();
    optimizer->step();
    average = options.smoothing * average + (1.0 - options.smoothing) * value;
    const double smoothed = average / (1.0 - std::pow(options.smoothing, double(i + 1)));
    curve.lrs.push_back(lr);
    curve.losses.push_back(value);
    curve.smoothedLosses.push_back(smoothed);
    if (progress) progress(i + 1, options.steps, lr, smoothed);
    if (i == 0 || smoothed < best) best = smoothed;
    if (i > 0 && smoothed > options.divergeFactor * best) {
      curve.diverged = true;
      break;
    }
  }
  return suggestLearningRate(std::move(curve));
}

}  // namespace

Result<LrFinderResult> findLearningRate(const TrainingJob& job, const LrFinderOptions& options,
                                        const std::atomic<bool>& stop, const LrFinderProgress& progress) {
  return guardEngine(QStringLiteral("The learning-rate test"),
                     [&] { return runRangeTest(job, options, stop, progress); });
}

}  // namespace attune
