#pragma once
// Internal (LibTorch): the class behind runTraining (Trainer.h). Trainer.cpp runs it: set-up, resume,
// the epochs, the best model, checkpoints and the run's end; TrainerEpoch.cpp holds an epoch's passes:
// freezing, the feature cache, the training steps and validation.

#include "core/training/EarlyStopping.h"
#include "core/training/LearningRateSchedule.h"
#include "core/training/detail/Checkpointer.h"
#include "core/training/detail/ClassBalance.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/FeatureCache.h"
#include "core/training/detail/GradientStep.h"
#include "core/training/detail/RunData.h"
#include "core/training/detail/Trainer.h"
#include "core/training/detail/TrainerState.h"
#include "core/training/detail/TrainingSetup.h"

#include <torch/torch.h>

#include <QElapsedTimer>
#include <QThread>

#include <memory>
#include <optional>
#include <vector>

namespace attune::detail {

// One run of runTraining, in the calling thread.
class Trainer {
 public:
  Trainer(const TrainingJob& job, RunWriter& writer, const TrainerControl& control)
      : m_job(job),
        m_config(job.config),
        m_writer(writer),
        m_control(control),
        m_stopping(m_config.monitor, m_config.minDelta, m_config.patience) {}

  RunSummary run();

 private:
  enum class EpochEnd { Done, Stopped, Failed };
  enum class StepEnd { Taken, Skipped, TooManyBadSteps };

  void event(RunEventKind kind, const QString& message) { m_control.metrics.push(RunEvent{kind, message}); }
  bool stopRequested() const {
    return m_control.stopRequested.load() ||
           (m_control.stopAfterStep > 0 && m_progress.step >= m_control.stopAfterStep);
  }
  void waitWhilePaused() const {
    while (m_control.paused.load() && !stopRequested()) QThread::msleep(20);
  }
  void reportFailedImages(const QStringList& paths, const QStringList& reasons);
  ImageClassifierImpl& model() { return *m_setup.prepared.model; }

  std::optional<RunSummary> start();
  Status findRate();
  Status setUp();
  void chooseHowToCompute();
  void announce(int threads);
  Status resume();
  void applyFreezing(int epoch);
  Status buildFeatureCache();

  std::optional<RunSummary> runEpoch(int epoch);
  EpochEnd trainEpoch(int epoch, EpochMetrics& metrics);
  std::unique_ptr<EpochBatches> trainBatches(int epoch);
  StepEnd trainStep(std::vector<TensorBatch>& window);
  StepEnd skipStep(const QString& what);
  StepMetrics stepMetrics(double factor);
  void publishStep(const StepMetrics& step);
  // Checks on the device (GradientStep.h): the steps taken since the last read, their losses and
  // finiteness flags still on the device. Read together every kReadEveryMs or kMostUnreadSteps steps,
  // when an epoch ends or stops: one wait for the device instead of one per step.
  struct UnreadStep {
    StepMetrics metrics;  // all but the loss
    int64_t examples = 0;
    torch::Tensor lossSum, lossFinite, gradientsFinite;
  };
  StepEnd readUnreadSteps();
  bool m_checksOnDevice = false;
  std::vector<UnreadStep> m_unread;
  std::chrono::steady_clock::time_point m_lastRead;
  int m_computeThreads = 1;         // LibTorch's threads for this run (configureThreads)
  bool m_peakFromRunStart = false;  // the process's peak memory was reset when the run started
  torch::Tensor logitsOf(const torch::Tensor& inputs);
  bool validate(EpochMetrics& metrics);
  std::optional<RunSummary> completeEpoch(int epoch, EpochMetrics& metrics);
  Status keepIfBest(int epoch, EpochMetrics& metrics);
  void endOfEpoch(EpochMetrics& metrics);
  Status saveEpoch(int epoch, const EpochMetrics& metrics);

  Status saveWeights(const QString& name, int epoch, double valAccuracy);
  RunSummary stopWithCheckpoint(const QString& message);
  RunSummary fail(const Status& status) { return finish(RunOutcome::Failed, status.error().text()); }
  RunSummary finish(RunOutcome outcome, const QString& message);

  const TrainingJob& m_job;
  TrainingConfig m_config;  // a copy: the LR finder may set its rates
  RunWriter& m_writer;
  const TrainerControl& m_control;
  TrainingSetup m_setup;            // device, model, groups, optimiser, bfloat16
  std::unique_ptr<RunData> m_data;  // the images or texts, as batches
  QString m_items;                  // "images" or "texts"
  std::vector<bool> m_frozen;       // per layer group, as applied
  std::unique_ptr<GradientStep> m_gradients;
  std::unique_ptr<Checkpointer> m_checkpoints;
  FeatureCache m_cache;
  EarlyStopping m_stopping;
  std::unique_ptr<LearningRateSchedule> m_schedule;
  TrainingLoss m_loss;
  // The last validation's class probabilities (examples x classes, in validation order) and labels.
  std::vector<float> m_valProbabilities;
  std::vector<int> m_valAnswerLabels;
  int64_t m_stepsPerEpoch = 0;
  // The model normalises over the batch (BatchNorm): a training batch of one image cannot pass it, so
  // a last batch of one is left out of that epoch (another image each epoch, as the order is shuffled).
  bool m_batchNeedsTwo = false;
  TrainerProgress m_progress;
  // The step in progress: where its time went so far (reportStep publishes it, then it starts afresh).
  StepPhases m_phases;
  StepPhases m_epochPhases;        // the epoch's steps so far, added up
  bool m_profileReported = false;  // the first epoch's profile is in the run's log
  // Image workers: how many prepare the batches now, and whether Attune may still add some
  // (runtime.loader_workers unset; core/training/LoaderPolicy.h).
  int m_loaderWorkers = 1;
  bool m_workersSettled = true;
  // A stretch of steps over which the wait for images is measured (after the loader's first batches).
  struct WorkerProbe {
    int steps = 0;  // taken since the loader started
    double waitAtStart = 0.0;
    std::chrono::steady_clock::time_point started;
  };
  void maybeAddLoaderWorkers(int epoch, WorkerProbe& probe, std::unique_ptr<EpochBatches>& batches);
  // After the first full training pass: the threads, the loader and the share of each phase, in words.
  void reportProfile(double trainingMs);
  void readEpochSums();
  torch::Tensor m_epochLossSum;  // float64 on the device
  torch::Tensor m_epochCorrect;  // int64 on the device
  QElapsedTimer m_clock;
  RunSummary m_summary;
  QStringList m_reportedFailures;
};

}  // namespace attune::detail
