// An epoch's passes of the training loop (TrainerRun.h): which layer groups train, the feature cache,
// the training steps and validation.
#include "core/training/detail/TrainerRun.h"

#include "core/training/LayerGroupPlan.h"
#include "core/training/LoaderPolicy.h"
#include "core/training/RunWriter.h"
#include "core/training/Runtime.h"
#include "core/training/detail/Autocast.h"
#include "core/training/detail/Validation.h"

#include <QElapsedTimer>
#include <QThread>

#include <cmath>

namespace attune::detail {

void Trainer::applyFreezing(int epoch) {
  const auto& groups = m_setup.groups;
  const int backbone = std::max(0, int(groups.size()) - 1);
  const int frozenCount = frozenGroupCount(m_config, backbone, epoch);
  const auto mask = frozenMask(groups, frozenCount);
  if (mask == m_frozen) return;
  const bool first = m_frozen.empty();
  QStringList unfrozen;
  for (size_t g = 0; g < mask.size() && !first; ++g)
    if (m_frozen[g] && !mask[g]) unfrozen << groups[g].plan.name;
  freezeGroups(model(), groups, frozenCount);
  m_frozen = mask;
  if (!first && !unfrozen.isEmpty())
    event(RunEventKind::Info,
          QStringLiteral("Epoch %1: %2 %3 training now (gradual unfreezing).")
              .arg(epoch)
              .arg(unfrozen.join(QStringLiteral(", ")),
                   unfrozen.size() == 1 ? QStringLiteral("starts") : QStringLiteral("start")));
  if (m_cache.active() && !featureCacheWanted(m_config, m_job.task, groups, m_frozen)) {
    m_cache.clear();
    event(RunEventKind::Info, QStringLiteral("Pre-trained layers train from now on, so their features are "
                                             "computed afresh for every image again."));
  }
}

Status Trainer::buildFeatureCache() {
  QElapsedTimer timer;
  timer.start();
  if (auto s = m_cache.build(model(), *m_data, m_setup.bf16, m_setup.device, m_control.stopRequested); !s)
    return s;
  event(RunEventKind::Info,
        QStringLiteral("The pre-trained layers are frozen and %1 are not augmented, so their features "
                       "were computed once (%2 %1 in %3 s); the new layer now trains on them, which makes "
                       "each epoch take a fraction of the time.")
            .arg(m_items)
            .arg(m_cache.size())
            .arg(double(timer.elapsed()) / 1000.0, 0, 'f', 1));
  return {};
}

std::unique_ptr<EpochBatches> Trainer::trainBatches(int epoch) {
  const int firstBatch = int(m_progress.batchesDone);
  std::vector<int64_t> rows;
  if (m_loss.balancedSampling)
    rows =
        balancedDraw(m_data->labels(Split::Train), int(m_job.classes.size()), uint64_t(m_config.seed), epoch);
  if (m_cache.active())
    return m_cache.trainBatches(rows, m_config.batchSize, uint64_t(m_config.seed), epoch, firstBatch);
  return m_data->batches(Split::Train, rows, TransformMode::Training, epoch, firstBatch);
}

Trainer::EpochEnd Trainer::trainEpoch(int epoch, EpochMetrics& metrics) {
  model().train(true);
  const auto device = m_setup.device;
  m_epochLossSum =
      torch::full({}, m_progress.epochLossSum, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  m_epochCorrect =
      torch::full({}, m_progress.epochCorrect, torch::TensorOptions().dtype(torch::kInt64).device(device));
  std::unique_ptr<EpochBatches> batches = trainBatches(epoch);
  const bool wholeEpoch = m_progress.batchesDone == 0;  // not resumed part-way through
  m_epochPhases = {};
  const auto started = std::chrono::steady_clock::now();
  WorkerProbe probe;
  bool more = true;
  while (more) {
    waitWhilePaused();
    if (stopRequested()) {
      if (readUnreadSteps() == StepEnd::TooManyBadSteps) return EpochEnd::Failed;
      readEpochSums();  // the resume state saved next holds them
      return EpochEnd::Stopped;
    }
    std::vector<TensorBatch> window;
    int consumed = 0;
    while (int(window.size()) < m_config.accumulateSteps) {
      const auto asked = std::chrono::steady_clock::now();
      auto batch = batches->next();
      const double nextMs = msSince(asked);
      if (batch) {
        m_phases.toTensorMs += batch->toTensorMs;
        m_phases.dataWaitMs += std::max(0.0, nextMs - batch->toTensorMs);
      }
      if (!batch) {
        more = false;
        break;
      }
      ++consumed;
      // A last batch of one image (the training set's size leaves a remainder of one) cannot pass a
      // BatchNorm layer that trains ("Expected more than 1 value per channel"): it is left out.
      const bool loneImage = m_batchNeedsTwo && batch->count == 1 && batches->batchCount() > 1;
      if (batch->count > 0 && !loneImage) window.push_back(std::move(*batch));
    }
    if (!window.empty() && trainStep(window) == StepEnd::TooManyBadSteps) return EpochEnd::Failed;
    m_progress.batchesDone += consumed;
    if (more && !m_workersSettled && !m_cache.active()) maybeAddLoaderWorkers(epoch, probe, batches);
  }
  if (readUnreadSteps() == StepEnd::TooManyBadSteps) return EpochEnd::Failed;
  readEpochSums();
  if (wholeEpoch && !m_profileReported) reportProfile(msSince(started));
  const int64_t seen = m_progress.epochSeen;
  metrics.trainLoss = seen > 0 ? m_progress.epochLossSum / double(seen) : 0.0;
  metrics.trainAccuracy = seen > 0 ? double(m_progress.epochCorrect) / double(seen) : 0.0;
  return EpochEnd::Done;
}

// Automatic image workers: over a stretch of steps after the loader's first batches, the share of the
// time the model waited for images; above kMostDataWaitShare, more workers prepare the rest of the
// epoch (a loader started at the next batch gives the same batches whatever its worker count).
void Trainer::maybeAddLoaderWorkers(int epoch, WorkerProbe& probe, std::unique_ptr<EpochBatches>& batches) {
  constexpr int kWarmUpSteps = 2;  // the loader's first batches are always waited for
  constexpr int kMeasuredSteps = 8;
  const double waitedMs = m_epochPhases.dataWaitMs + m_epochPhases.toTensorMs;
  ++probe.steps;
  if (probe.steps == kWarmUpSteps) {
    probe.waitAtStart = waitedMs;
    probe.started = std::chrono::steady_clock::now();
  }
  if (probe.steps < kWarmUpSteps + kMeasuredSteps) return;
  const double elapsedMs = msSince(probe.started);
  const double share = elapsedMs > 0.0 ? (waitedMs - probe.waitAtStart) / elapsedMs : 0.0;
  const auto more = moreLoaderWorkers(m_loaderWorkers, share, std::max(1, QThread::idealThreadCount()));
  if (!more) {
    m_workersSettled = true;
    return;
  }
  event(RunEventKind::Info,
        QStringLiteral("The model waited for its images %1% of the time: %2 image workers "
                       "prepare them from now on (there were %3).")
            .arg(qRound(100.0 * share))
            .arg(*more)
            .arg(m_loaderWorkers));
  m_loaderWorkers = *more;
  m_data->setLoaderWorkers(m_loaderWorkers);
  batches = trainBatches(epoch);  // from the next batch on
  probe = {};
}

// The epoch's loss and accuracy sums stay on the device while it trains (reading them each step would
// make the host wait for the device every step on CUDA); read when the epoch ends or stops.
void Trainer::readEpochSums() {
  const auto host = torch::stack({m_epochLossSum, m_epochCorrect.to(torch::kFloat64)}).to(torch::kCPU);
  countStepResultRead();
  m_progress.epochLossSum = host[0].item<double>();
  m_progress.epochCorrect = int64_t(std::llround(host[1].item<double>()));
}

Trainer::StepEnd Trainer::trainStep(std::vector<TensorBatch>& window) {
  const StepGradients step = m_gradients->compute(
      window, [this](const torch::Tensor& inputs) { return logitsOf(inputs); }, m_loss.options,
      m_progress.microBatch, [this](const QString& message) { event(RunEventKind::Warning, message); });
  if (step.verdict == StepGradients::Verdict::LossNotFinite)
    return skipStep(QStringLiteral("the loss is not a finite number"));
  if (step.verdict == StepGradients::Verdict::GradientsNotFinite)
    return skipStep(QStringLiteral("the gradients are not finite numbers"));
  if (!m_checksOnDevice) m_progress.badSteps = 0;
  m_phases.forwardMs += step.forwardMs;
  m_phases.backwardMs += step.backwardMs;

  const double factor = m_schedule->factor(m_progress.step);
  auto& groups = m_setup.optimizer->param_groups();
  for (size_t i = 0; i < groups.size(); ++i)
    groups[i].options().set_lr(m_setup.paramGroups[i].baseLr * factor);
  const auto update = std::chrono::steady_clock::now();
  m_setup.optimizer->step();
  m_phases.updateMs += step.checkMs + msSince(update);
  ++m_progress.step;
  m_progress.epochSeen += step.examples;

  if (!m_checksOnDevice) {
    m_epochLossSum += step.lossSum * double(step.examples);
    m_epochCorrect += step.correct;
    StepMetrics metrics = stepMetrics(factor);
    metrics.trainLoss = step.loss;
    publishStep(metrics);
    return StepEnd::Taken;
  }
  // Checks on the device: a step that was not finite learned nothing (zero gradients) and adds nothing
  // to the epoch's sums; which steps those were is known when the flags are read.
  const auto usable = torch::logical_and(step.lossFinite, step.gradientsFinite);
  m_epochLossSum +=
      torch::where(usable, step.lossSum * double(step.examples), torch::zeros_like(step.lossSum));
  m_epochCorrect += torch::where(usable, step.correct, torch::zeros_like(step.correct));
  if (m_unread.empty()) m_lastRead = std::chrono::steady_clock::now();
  m_unread.push_back(
      UnreadStep{stepMetrics(factor), step.examples, step.lossSum, step.lossFinite, step.gradientsFinite});
  constexpr size_t kMostUnreadSteps = 64;
  constexpr double kReadEveryMs = 500.0;  // the live loss plot stays live
  if (m_unread.size() >= kMostUnreadSteps || msSince(m_lastRead) >= kReadEveryMs) return readUnreadSteps();
  return StepEnd::Taken;
}

// Checks on the device: one copy to the host of every unread step's loss and flags; the steps' metrics
// are published in order, and a step that was not finite is reported as a warning and counts towards
// config.maxBadSteps in a row, as a skipped step does with checks on the host.
Trainer::StepEnd Trainer::readUnreadSteps() {
  if (m_unread.empty()) return StepEnd::Taken;
  std::vector<torch::Tensor> values;
  values.reserve(3 * m_unread.size());
  for (const auto& u : m_unread) {
    values.push_back(u.lossSum);
    values.push_back(u.lossFinite.to(torch::kFloat64));
    values.push_back(u.gradientsFinite.to(torch::kFloat64));
  }
  const auto host = torch::stack(values).to(torch::kCPU).contiguous();
  countStepResultRead();
  const double* read = host.data_ptr<double>();
  std::vector<UnreadStep> unread;
  unread.swap(m_unread);
  m_lastRead = std::chrono::steady_clock::now();
  for (size_t i = 0; i < unread.size(); ++i) {
    const double loss = read[3 * i];
    const bool lossFinite = read[3 * i + 1] != 0.0 && std::isfinite(loss);
    const bool gradientsFinite = read[3 * i + 2] != 0.0;
    StepMetrics& metrics = unread[i].metrics;
    if (lossFinite && gradientsFinite) {
      m_progress.badSteps = 0;
      metrics.trainLoss = loss;
      publishStep(metrics);
      continue;
    }
    m_progress.epochSeen -= unread[i].examples;
    ++m_progress.badSteps;
    event(RunEventKind::Warning,
          QStringLiteral("Step %1: %2; its gradients were set to zero, so it learned nothing from its %3.")
              .arg(metrics.step)
              .arg(lossFinite ? QStringLiteral("the gradients are not finite numbers")
                              : QStringLiteral("the loss is not a finite number"))
              .arg(m_items));
    if (m_progress.badSteps >= m_config.maxBadSteps) return StepEnd::TooManyBadSteps;
  }
  return StepEnd::Taken;
}

Trainer::StepEnd Trainer::skipStep(const QString& what) {
  m_setup.optimizer->zero_grad();
  ++m_progress.badSteps;
  event(RunEventKind::Warning,
        QStringLiteral("Step %1: %2; the step was skipped.").arg(m_progress.step + 1).arg(what));
  return m_progress.badSteps >= m_config.maxBadSteps ? StepEnd::TooManyBadSteps : StepEnd::Skipped;
}

// A taken step's metrics but its loss; its phases join the epoch's, and the next step's start afresh.
StepMetrics Trainer::stepMetrics(double factor) {
  StepMetrics step;
  step.fold = m_job.fold;
  step.epoch = m_progress.epoch;
  step.step = m_progress.step;
  step.stepsTotal = m_stepsPerEpoch * m_config.epochs;
  const auto& groups = m_setup.groups;
  for (size_t g = 0; g < groups.size(); ++g) {
    const double groupRate = m_frozen[g] ? 0.0 : groups[g].plan.baseLr * factor;
    if (groups[g].plan.isHead)
      step.lrHead = groupRate;
    else
      step.lrBackbone = groupRate;  // the top backbone group (the last one before the head)
  }
  step.elapsedMs = double(m_clock.elapsed());
  step.phases = m_phases;
  m_epochPhases.dataWaitMs += m_phases.dataWaitMs;
  m_epochPhases.toTensorMs += m_phases.toTensorMs;
  m_epochPhases.forwardMs += m_phases.forwardMs;
  m_epochPhases.backwardMs += m_phases.backwardMs;
  m_epochPhases.updateMs += m_phases.updateMs;
  m_phases = {};
  return step;
}

void Trainer::publishStep(const StepMetrics& step) {
  m_control.metrics.push(step);
  if (auto s = m_writer.append(step); !s) event(RunEventKind::Warning, s.error().text());
}

void Trainer::reportProfile(double trainingMs) {
  if (trainingMs <= 0.0 || m_epochPhases.totalMs() <= 0.0) return;
  m_profileReported = true;
  const auto share = [trainingMs](double ms) { return qRound(100.0 * ms / trainingMs); };
  const StepPhases& p = m_epochPhases;
  const int waitShare = share(p.dataWaitMs + p.toTensorMs);
  QString source;
  if (m_cache.active())
    source = QStringLiteral("features from the cache");
  else if (m_job.task == TaskKind::ImageClassification)
    source = m_loaderWorkers == 1 ? QStringLiteral("1 image worker")
                                  : QStringLiteral("%1 image workers").arg(m_loaderWorkers);
  else
    source = QStringLiteral("texts prepared in advance");
  QString text =
      QStringLiteral(
          "%1 compute %2 and %9, %3: waiting for the %4 took %5% of the training time "
          "(forward %6%, backward %7%, update %8%).")
          .arg(m_computeThreads)
          .arg(m_computeThreads == 1 ? QStringLiteral("thread") : QStringLiteral("threads"))
          .arg(source, m_items)
          .arg(waitShare)
          .arg(share(p.forwardMs))
          .arg(share(p.backwardMs))
          .arg(share(p.updateMs))
          .arg(interOpThreads() == 1 ? QStringLiteral("1 inter-op thread")
                                     : QStringLiteral("%1 inter-op threads").arg(interOpThreads()));
  // More than a twentieth: the model waits for its data (issue 22's bound at the default settings).
  if (waitShare > 5 && !m_cache.active() && m_job.task == TaskKind::ImageClassification)
    text += QStringLiteral(
        " The images are prepared more slowly than the model learns from them: more "
        "image workers (runtime.loader_workers) or smaller images would make training "
        "faster.");
  event(RunEventKind::Info, text);
}

torch::Tensor Trainer::logitsOf(const torch::Tensor& inputs) {
  AutocastGuard autocast(m_setup.bf16, m_setup.device);
  if (m_setup.channelsLast && !m_cache.active() && inputs.dim() == 4)
    return model().forward(inputs.contiguous(torch::MemoryFormat::ChannelsLast)).to(torch::kFloat32);
  auto logits = m_cache.active() ? model().classify(inputs) : model().forward(inputs);
  return logits.to(torch::kFloat32);
}

bool Trainer::validate(EpochMetrics& metrics) {
  model().eval();
  std::unique_ptr<EpochBatches> batches =
      m_cache.active() ? m_cache.valBatches(m_config.batchSize)
                       : m_data->batches(Split::Val, {}, TransformMode::Evaluation, 0, 0);
  m_valProbabilities.clear();
  m_valAnswerLabels.clear();
  // Every example's probabilities for the run's per-epoch validation answers; not at all when there
  // would be more than RunWriter writes.
  const int64_t valCount =
      int64_t(m_job.task == TaskKind::TextClassification ? m_job.valTexts.size() : m_job.valSamples.size());
  const bool keepAnswers = valCount * int64_t(m_job.classes.size()) <= kMaxValidationAnswers;
  auto result = validationPass(
      *batches, [this](const torch::Tensor& inputs) { return logitsOf(inputs); }, m_setup.device, keepAnswers,
      m_control.stopRequested);
  if (!result) return false;
  m_valProbabilities = std::move(result->probabilities);
  m_valAnswerLabels = std::move(result->labels);
  metrics.valLoss = result->loss;
  metrics.valAccuracy = result->accuracy;
  return true;
}

}  // namespace attune::detail
