// The training loop (TrainerRun.h): sets a run up (TrainingSetup), resumes it (Checkpointer), runs its
// epochs (TrainerEpoch.cpp), keeps the best model (EarlyStopping) and writes the epoch's checkpoints and
// metrics.
#include "core/training/detail/TrainerRun.h"

#include "core/common/ProcessMemory.h"
#include "core/training/LayerGroupPlan.h"
#include "core/training/LoaderPolicy.h"
#include "core/training/LrFinder.h"
#include "core/training/Runtime.h"
#include "core/training/detail/Autocast.h"
#include "core/training/detail/ComputeProbe.h"

#include <QFileInfo>

#include <cmath>

namespace attune::detail {
namespace {

QString rate(double value) {
  return QString::number(value, 'g', 3);
}

}  // namespace

void Trainer::reportFailedImages(const QStringList& paths, const QStringList& reasons) {
  for (qsizetype i = 0; i < paths.size(); ++i) {
    if (m_reportedFailures.contains(paths[i])) continue;
    m_reportedFailures << paths[i];
    const QString reason = reasons.value(i, QStringLiteral("it could not be read as an image"));
    event(RunEventKind::Warning, QStringLiteral("Skipped %1: %2.").arg(paths[i], reason));
  }
}

RunSummary Trainer::run() {
  m_clock.start();
  // The run's peak memory is measured from here (the program's own before it is not the run's).
  m_peakFromRunStart = resetPeakResident();
  m_summary.runId = m_writer.runId();
  m_summary.runDir = m_writer.directory();
  if (auto ended = start()) return *ended;
  for (int epoch = m_progress.epoch; epoch <= m_config.epochs; ++epoch)
    if (auto ended = runEpoch(epoch)) return *ended;
  return finish(RunOutcome::Finished,
                QStringLiteral("Finished %1 %2. Best validation accuracy %3% at epoch %4.")
                    .arg(m_config.epochs)
                    .arg(m_config.epochs == 1 ? QStringLiteral("epoch") : QStringLiteral("epochs"))
                    .arg(m_summary.bestValAccuracy * 100.0, 0, 'f', 1)
                    .arg(m_summary.bestEpoch));
}

// Everything before the first epoch; a summary when the run ends before it.
std::optional<RunSummary> Trainer::start() {
  if (!findArchitecture(m_config.architecture))
    return finish(RunOutcome::Failed, QStringLiteral("Unknown architecture ") + m_config.architecture);
  const bool resuming = !m_job.resumeRunDir.isEmpty();
  const int threads = configureThreads(m_config.threads);
  m_computeThreads = threads;
  if (m_config.findLr && !resuming) {
    if (auto s = findRate(); !s) return fail(s);
    if (m_control.stopRequested.load())
      return finish(RunOutcome::Stopped, QStringLiteral("Stopped by the user."));
    // The rates are settled: a resumed run must not search again.
    m_config.findLr = false;
  }
  if (!resuming) {
    TrainingJob recorded = m_job;
    recorded.config = m_config;
    if (auto s = m_writer.writeConfig(recorded, computeDeviceName(), threads); !s) return fail(s);
  }
  if (auto s = setUp(); !s) return fail(s);
  if (resuming)
    if (auto s = resume(); !s) return fail(s);
  announce(threads);
  return std::nullopt;
}

Status Trainer::findRate() {
  event(RunEventKind::Info, QStringLiteral("Finding a learning rate for your data (a short test run)..."));
  TrainingJob probe = m_job;
  probe.config = m_config;
  auto found = findLearningRate(probe, LrFinderOptions{}, m_control.stopRequested);
  if (!found) {
    event(RunEventKind::Warning,
          QStringLiteral("The learning-rate finder gave no answer (%1); training keeps "
                         "the rates you set.")
              .arg(found.error().message));
    return {};
  }
  applySuggestedRate(m_config, found->suggestedLr);
  event(RunEventKind::Info,
        QStringLiteral("Learning rate found: %1 for the new layer, %2 for the pre-trained "
                       "layers. %3")
            .arg(rate(m_config.lrHead), rate(m_config.lrBackbone), found->reason));
  return {};
}

Status Trainer::setUp() {
  auto setup = setUpTraining(m_job, m_config);
  if (!setup) return setup.error();
  m_setup = std::move(*setup);
  returnFreedMemoryToSystem();  // the weights file's copies, now in the model
  for (const RunEvent& message : m_setup.messages) event(message.kind, message.message);
  m_data = runDataFor(m_job, m_config, m_setup.prepared, m_setup.device,
                      [this](const QStringList& p, const QStringList& r) { reportFailedImages(p, r); });
  m_items = m_data->itemsWord();
  m_loaderWorkers = loaderWorkersFor(m_config);
  m_workersSettled = m_config.loaderWorkers.has_value() || m_job.task != TaskKind::ImageClassification;
  m_checksOnDevice = stepChecksOnDevice(m_setup.device);
  if (m_job.resumeRunDir.isEmpty()) chooseHowToCompute();
  m_gradients = std::make_unique<GradientStep>(
      m_config, m_setup.groups, m_setup.paramGroups, *m_setup.optimizer, m_setup.device,
      GradientFaults{m_control.simulateOutOfMemoryAbove, m_control.nonFiniteGradientsFrom,
                     m_control.nonFiniteGradientsCount},
      m_items, m_checksOnDevice);
  m_checkpoints = std::make_unique<Checkpointer>(m_job, m_config, m_writer, m_setup.prepared.inputSize);
  for (const auto& module : model().modules(/*include_self=*/false))
    if (module->name().find("BatchNorm") != std::string::npos) m_batchNeedsTwo = true;

  const int64_t batchesPerEpoch = (m_data->size(Split::Train) + m_config.batchSize - 1) / m_config.batchSize;
  m_stepsPerEpoch = (batchesPerEpoch + m_config.accumulateSteps - 1) / m_config.accumulateSteps;
  m_schedule =
      std::make_unique<LearningRateSchedule>(LearningRateSchedule::fromConfig(m_config, m_stepsPerEpoch));
  m_loss = trainingLoss(m_config, m_job.classes, m_data->labels(Split::Train), m_items, m_setup.device);
  if (m_loss.message) event(m_loss.message->kind, m_loss.message->message);

  if (m_setup.bf16)
    event(RunEventKind::Info,
          m_setup.device.is_cpu() && !cpuHasNativeBFloat16()
              ? QStringLiteral("Computing in bfloat16, which this processor only emulates: expect it to be "
                               "slower than float32.")
              : QStringLiteral("Computing in bfloat16 with float32 master weights (mixed precision)."));
  m_progress.bf16 = m_setup.bf16;
  m_progress.channelsLast = m_setup.channelsLast;
  m_progress.lrHead = m_config.lrHead;
  m_progress.lrBackbone = m_config.lrBackbone;
  m_progress.dataFingerprint = m_job.task == TaskKind::TextClassification
                                   ? dataFingerprint(m_job.trainTexts, m_job.valTexts)
                                   : dataFingerprint(m_job.trainSamples, m_job.valSamples);
  return {};
}

// Precision (for Auto) and memory format, measured on a batch of the run's own examples
// (ComputeProbe.h). The first epoch decides what is timed: with the feature cache, forward passes.
void Trainer::chooseHowToCompute() {
  ComputeProbeRequest request =
      computeProbeRequest(model(), m_config.precision == Precision::Auto,
                          m_job.task == TaskKind::ImageClassification, m_setup.device);
  if (!request.tryBFloat16 && !request.tryChannelsLast) return;
  const int backbone = std::max(0, int(m_setup.groups.size()) - 1);
  const auto firstEpochFrozen = frozenMask(m_setup.groups, frozenGroupCount(m_config, backbone, 1));
  request.withBackward = !featureCacheWanted(m_config, m_job.task, m_setup.groups, firstEpochFrozen);
  request.key = QStringLiteral("%1 at %2").arg(m_config.architecture).arg(m_setup.prepared.inputSize);
  std::optional<TensorBatch> batch;
  {
    auto batches = m_data->batches(Split::Train, {}, TransformMode::Evaluation, 1, 0);
    do batch = batches->next();
    while (batch && batch->count == 0);
  }
  if (!batch) return;
  const ComputeChoice choice = chooseComputeFormat(model(), batch->inputs, batch->labels, request);
  if (request.tryBFloat16) m_setup.bf16 = choice.bf16;
  m_setup.channelsLast = choice.channelsLast;
  if (!choice.message.isEmpty()) event(RunEventKind::Info, choice.message);
}

void Trainer::announce(int threads) {
  event(RunEventKind::Started,
        (m_job.fold > 0 ? QStringLiteral("Fold %1 of %2: ").arg(m_job.fold).arg(m_config.folds) : QString()) +
            QStringLiteral(
                "Training %1 on %2 %8 (%3 for validation), %4 classes, %5 epochs, on %6 with %7 threads.")
                .arg(findArchitecture(m_config.architecture)->displayName)
                .arg(m_data->size(Split::Train))
                .arg(m_data->size(Split::Val))
                .arg(m_job.classes.size())
                .arg(m_config.epochs)
                .arg(computeDeviceName())
                .arg(threads)
                .arg(m_items));
}

Status Trainer::resume() {
  auto progress = m_checkpoints->resume(model(), *m_setup.optimizer, *m_schedule, m_progress.dataFingerprint);
  if (!progress) return progress.error();
  m_progress = *progress;
  // The way the interrupted run computed, whatever a probe would say now.
  if (m_progress.bf16) m_setup.bf16 = *m_progress.bf16;
  m_progress.bf16 = m_setup.bf16;
  m_setup.channelsLast = m_progress.channelsLast;
  setChannelsLast(model(), m_setup.channelsLast);
  m_stopping = EarlyStopping(m_config.monitor, m_config.minDelta, m_config.patience,
                             BestEpoch{m_progress.bestEpoch, m_progress.bestValAccuracy,
                                       m_progress.bestValLoss, m_progress.epochsSinceBest});
  m_summary.bestEpoch = m_progress.bestEpoch;
  m_summary.bestValAccuracy = m_progress.bestValAccuracy;
  m_summary.bestValLoss = m_progress.bestValLoss;
  m_summary.epochsCompleted = m_progress.epochsCompleted;
  if (QFileInfo::exists(m_writer.filePath(kBestWeights)))
    m_summary.bestCheckpoint = m_writer.filePath(kBestWeights);
  event(RunEventKind::Info, QStringLiteral("Resuming run %1 at epoch %2, step %3.")
                                .arg(m_writer.runId())
                                .arg(m_progress.epoch)
                                .arg(m_progress.step));
  return {};
}

// One epoch: training, validation, the best model and the checkpoints; a summary when the run ends.
std::optional<RunSummary> Trainer::runEpoch(int epoch) {
  m_progress.epoch = epoch;
  applyFreezing(epoch);
  if (!m_cache.active() && featureCacheWanted(m_config, m_job.task, m_setup.groups, m_frozen)) {
    if (auto s = buildFeatureCache(); !s) {
      if (s.error().code == ErrorCode::Cancelled)
        return stopWithCheckpoint(QStringLiteral("Stopped by the user during epoch %1.").arg(epoch));
      return fail(s);
    }
  }
  EpochMetrics metrics;
  metrics.fold = m_job.fold;
  metrics.epoch = epoch;
  metrics.epochsTotal = m_config.epochs;
  metrics.trainingGroups = int(std::count(m_frozen.begin(), m_frozen.end(), false));
  const EpochEnd end = trainEpoch(epoch, metrics);
  if (end == EpochEnd::Failed)
    return finish(RunOutcome::Failed,
                  QStringLiteral("Training stopped: the loss or its gradients was not a finite number for "
                                 "%1 steps in a row. Lower the "
                                 "learning rates or check the %2; the last good checkpoint is kept.")
                      .arg(m_progress.badSteps)
                      .arg(m_items));
  if (end == EpochEnd::Stopped)
    return stopWithCheckpoint(m_control.stopRequested.load()
                                  ? QStringLiteral("Stopped by the user during epoch %1.").arg(epoch)
                                  : QStringLiteral("Paused after step %1 of epoch %2; resume it to continue.")
                                        .arg(m_progress.step)
                                        .arg(epoch));
  if (!validate(metrics))
    return stopWithCheckpoint(QStringLiteral("Stopped by the user while validating epoch %1.").arg(epoch));
  metrics.elapsedMs = double(m_clock.elapsed());
  if (!std::isfinite(metrics.valLoss))
    return finish(
        RunOutcome::Failed,
        QStringLiteral("Training stopped: the validation loss of epoch %1 is not a finite number. Lower "
                       "the learning rates or check the pre-trained weights; the last good checkpoint "
                       "is kept.")
            .arg(epoch));
  return completeEpoch(epoch, metrics);
}

// After a validated epoch: the best model, the epoch's files and metrics, early stopping.
std::optional<RunSummary> Trainer::completeEpoch(int epoch, EpochMetrics& metrics) {
  if (auto s = keepIfBest(epoch, metrics); !s) return fail(s);
  endOfEpoch(metrics);
  m_progress.epoch = epoch + 1;
  m_progress.batchesDone = 0;
  m_progress.epochLossSum = 0.0;
  m_progress.epochCorrect = 0;
  m_progress.epochSeen = 0;
  m_progress.epochsCompleted = epoch;
  m_summary.epochsCompleted = epoch;
  if (auto s = saveEpoch(epoch, metrics); !s) return fail(s);
  m_control.metrics.push(metrics);
  if (m_stopping.patienceRunOut() && epoch < m_config.epochs) {
    m_summary.stoppedEarly = true;
    return finish(
        RunOutcome::Finished,
        QStringLiteral("Stopped early after epoch %1: the validation %2 had not improved for %3 epochs. "
                       "The best model is from epoch %4 (validation accuracy %5%).")
            .arg(epoch)
            .arg(m_config.monitor == MonitorMetric::ValLoss ? QStringLiteral("loss")
                                                            : QStringLiteral("accuracy"))
            .arg(m_config.patience)
            .arg(m_progress.bestEpoch)
            .arg(m_progress.bestValAccuracy * 100.0, 0, 'f', 1));
  }
  return std::nullopt;
}

// Records the epoch for early stopping; a new best model is saved as best.safetensors.
Status Trainer::keepIfBest(int epoch, EpochMetrics& metrics) {
  const bool isBest = m_stopping.record(epoch, metrics.valLoss, metrics.valAccuracy);
  const BestEpoch& best = m_stopping.best();
  m_progress.bestEpoch = best.epoch;
  m_progress.bestValAccuracy = best.valAccuracy;
  m_progress.bestValLoss = best.valLoss;
  m_progress.epochsSinceBest = best.epochsSinceBest;
  if (!isBest) return {};
  metrics.isBest = true;
  m_summary.bestEpoch = epoch;
  m_summary.bestValAccuracy = metrics.valAccuracy;
  m_summary.bestValLoss = metrics.valLoss;
  if (auto s = saveWeights(kBestWeights, epoch, metrics.valAccuracy); !s) return s;
  m_summary.bestCheckpoint = m_writer.filePath(kBestWeights);
  return {};
}

void Trainer::endOfEpoch(EpochMetrics& metrics) {
  m_progress.trainLosses.push_back(metrics.trainLoss);
  m_progress.valLosses.push_back(metrics.valLoss);
  metrics.overfitting = looksLikeOverfitting(m_progress.trainLosses, m_progress.valLosses);
  if (metrics.overfitting && !m_progress.overfittingReported) {
    m_progress.overfittingReported = true;
    event(RunEventKind::Warning,
          QStringLiteral(
              "The validation loss has risen for 2 epochs while the training loss keeps falling: the "
              "model is starting to memorise the training %2 (overfitting). The best checkpoint "
              "(epoch %1) is kept. Early stopping, more augmentation or fewer epochs help.")
              .arg(m_progress.bestEpoch)
              .arg(m_items));
  }
  if (m_schedule->epochEnded(metrics.valLoss))
    event(RunEventKind::Info,
          QStringLiteral("The validation loss stopped improving: learning rates are now %1 times "
                         "what they were.")
              .arg(m_config.gamma));
}

// The files of a completed epoch: last model, resume state, metrics, validation answers.
Status Trainer::saveEpoch(int epoch, const EpochMetrics& metrics) {
  if (auto s = saveWeights(kLastWeights, epoch, metrics.valAccuracy); !s) return s;
  if (auto s = m_checkpoints->saveResumeState(*m_setup.optimizer, *m_schedule, m_progress); !s) return s;
  if (auto s = m_writer.append(metrics); !s) return s;
  if (auto s = m_writer.appendValidationAnswers(epoch, m_valAnswerLabels, m_valProbabilities,
                                                int(m_job.classes.size()));
      !s)
    return s;
  if (m_config.keepEveryEpoch) return saveWeights(epochCheckpointName(epoch), epoch, metrics.valAccuracy);
  return {};
}

Status Trainer::saveWeights(const QString& name, int epoch, double valAccuracy) {
  return m_checkpoints->saveWeights(name, model(), epoch, m_progress.step, valAccuracy);
}

RunSummary Trainer::stopWithCheckpoint(const QString& message) {
  if (auto s = saveWeights(kLastWeights, m_progress.epochsCompleted, m_summary.bestValAccuracy); !s)
    return fail(s);
  if (auto s = m_checkpoints->saveResumeState(*m_setup.optimizer, *m_schedule, m_progress); !s)
    return fail(s);
  return finish(RunOutcome::Stopped, message);
}

RunSummary Trainer::finish(RunOutcome outcome, const QString& message) {
  m_summary.outcome = outcome;
  m_summary.message = message;
  if (const auto peak = peakResidentBytes())
    event(RunEventKind::Info, QStringLiteral("The most memory Attune held %1: %2.")
                                  .arg(m_peakFromRunStart ? QStringLiteral("during this run")
                                                          : QStringLiteral("since it started"),
                                       describeBytes(*peak)));
  const QString last = m_writer.filePath(kLastWeights);
  if (QFileInfo::exists(last)) m_summary.lastCheckpoint = last;
  return m_summary;
}

RunSummary runTraining(const TrainingJob& job, RunWriter& writer, const TrainerControl& control) {
  RunSummary summary;
  {
    Trainer trainer(job, writer, control);
    summary = trainer.run();
  }
  // The run's tensors are gone: the memory cached for reuse goes back to the system.
  releaseCachedCpuMemory();
  return summary;
}

}  // namespace attune::detail
