#include "core/training/detail/Trainer.h"

#include "core/models/detail/StateDict.h"
#include "core/training/LearningRateSchedule.h"
#include "core/training/LrFinder.h"
#include "core/training/Runtime.h"
#include "core/training/detail/Autocast.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/ModelSetup.h"
#include "core/training/detail/OptimizerState.h"
#include "core/training/detail/ParameterGroups.h"
#include "core/training/detail/RunData.h"
#include "core/training/detail/TrainerState.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QThread>

#include <cmath>
#include <map>
#include <stdexcept>

namespace attune::detail {
namespace {

namespace F = torch::nn::functional;

const QString kLast = QStringLiteral("last.safetensors");
const QString kBest = QStringLiteral("best.safetensors");
const QString kStateTensors = QStringLiteral("state.safetensors");
const QString kStateJson = QStringLiteral("state.json");

// A class this many times larger than the smallest makes the data "imbalanced" for ClassBalance::Auto.
constexpr double kImbalanceRatio = 3.0;

class SimulatedOutOfMemory : public std::runtime_error {
 public:
  SimulatedOutOfMemory() : std::runtime_error("out of memory (simulated by fault injection)") {}
};

bool isOutOfMemory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return true;
  const QString text = QString::fromUtf8(e.what());
  return text.contains(QLatin1String("out of memory"), Qt::CaseInsensitive) ||
         text.contains(QLatin1String("can't allocate memory"), Qt::CaseInsensitive) ||
         text.contains(QLatin1String("not enough memory"), Qt::CaseInsensitive);
}

QString rate(double value) {
  return QString::number(value, 'g', 3);
}

class Trainer {
 public:
  Trainer(const TrainingJob& job, RunWriter& writer, const TrainerControl& control)
      : m_job(job),
        m_config(job.config),
        m_writer(writer),
        m_control(control),
        m_device(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU) {}

  RunSummary run();

 private:
  enum class EpochEnd { Done, Stopped, Failed };

  void event(RunEventKind kind, const QString& message) { m_control.metrics.push(RunEvent{kind, message}); }
  bool stopRequested() const {
    return m_control.stopRequested.load() ||
           (m_control.stopAfterStep > 0 && m_progress.step >= m_control.stopAfterStep);
  }
  void waitWhilePaused() const {
    while (m_control.paused.load() && !stopRequested()) QThread::msleep(20);
  }
  void reportFailedImages(const QStringList& paths, const QStringList& reasons);

  Status findRate();
  Status setUp();
  void setUpClassBalance();
  Status resume();
  void applyFreezing(int epoch);
  bool featureCacheWanted() const;
  Status buildFeatureCache();
  Status computeFeatures(Split split, torch::Tensor& features, torch::Tensor& labels);

  EpochEnd trainEpoch(int epoch, EpochMetrics& metrics);
  enum class StepEnd { Taken, Skipped, TooManyBadSteps };
  StepEnd trainStep(std::vector<TensorBatch>& window);
  torch::Tensor logitsOf(const torch::Tensor& inputs);
  double gradientNorm();
  bool validate(EpochMetrics& metrics);
  void endOfEpoch(EpochMetrics& metrics);

  Status saveWeights(const QString& name, int epoch, double valAccuracy);
  Status saveResumeState();
  RunSummary stopWithCheckpoint(const QString& message);
  RunSummary finish(RunOutcome outcome, const QString& message);

  const TrainingJob& m_job;
  TrainingConfig m_config;  // a copy: the LR finder may set its rates
  RunWriter& m_writer;
  const TrainerControl& m_control;
  torch::Device m_device;
  int m_inputSize = 224;
  ImageClassifierPtr m_model;
  std::unique_ptr<RunData> m_data;  // the images or texts, as batches
  QString m_items;                  // "images" or "texts"
  std::vector<BoundLayerGroup> m_groups;
  std::vector<ParameterGroup> m_paramGroups;
  std::vector<bool> m_frozen;  // per layer group, as applied
  std::vector<torch::Tensor> m_l2spParams;
  std::vector<torch::Tensor> m_l2spReference;  // pre-trained values of m_l2spParams
  std::unique_ptr<torch::optim::Optimizer> m_optimizer;
  std::unique_ptr<LearningRateSchedule> m_schedule;
  F::CrossEntropyFuncOptions m_lossOptions;
  bool m_balancedSampling = false;
  bool m_bf16 = false;
  // Feature cache (empty tensors when not in use).
  torch::Tensor m_trainFeatures, m_trainLabels, m_valFeatures, m_valLabels;
  bool m_cacheActive = false;
  // The last validation's class probabilities (examples x classes, in validation order) and labels.
  std::vector<float> m_valProbabilities;
  std::vector<int> m_valAnswerLabels;
  int64_t m_batchesPerEpoch = 0;
  int64_t m_stepsPerEpoch = 0;
  TrainerProgress m_progress;
  int64_t m_stepAttempts = 0;    // steps tried in this process, taken or skipped (fault injection)
  torch::Tensor m_epochLossSum;  // float64 on the device
  torch::Tensor m_epochCorrect;  // int64 on the device
  QElapsedTimer m_clock;
  RunSummary m_summary;
  QStringList m_reportedFailures;
};

void Trainer::reportFailedImages(const QStringList& paths, const QStringList& reasons) {
  for (qsizetype i = 0; i < paths.size(); ++i) {
    if (m_reportedFailures.contains(paths[i])) continue;
    m_reportedFailures << paths[i];
    const QString reason = reasons.value(i, QStringLiteral("it could not be read as an image"));
    event(RunEventKind::Warning, QStringLiteral("Skipped %1: %2.").arg(paths[i], reason));
  }
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
  torch::manual_seed(static_cast<uint64_t>(m_config.seed));
  auto prepared = prepareModel(m_config, int(m_job.classes.size()));
  if (!prepared) return prepared.error();
  m_model = prepared->model;
  m_inputSize = prepared->inputSize;
  for (const QString& note : prepared->notes) event(RunEventKind::Info, note);
  for (const QString& warning : prepared->warnings) event(RunEventKind::Warning, warning);
  if (m_job.startFrom) {
    // Continue from an earlier run's model: all of it for the same classes, else all but the head.
    const StartPoint& start = *m_job.startFrom;
    const bool sameClasses = start.classes == m_job.classes;
    auto loaded = loadWeightsFile(*m_model, start.checkpoint, m_model->headPrefix(),
                                  sameClasses ? HeadPolicy::LoadAll : HeadPolicy::KeepHead);
    if (!loaded) return loaded.error();
    event(RunEventKind::Info,
          sameClasses
              ? QStringLiteral("Started from the model of run %1 at epoch %2.")
                    .arg(start.runId)
                    .arg(start.epoch)
              : QStringLiteral("Started from the model of run %1 at epoch %2. Its classes were %3 and are %4 "
                               "now, so the new layer starts afresh.")
                    .arg(start.runId)
                    .arg(start.epoch)
                    .arg(start.classes.join(QStringLiteral(", ")), m_job.classes.join(QStringLiteral(", "))));
  }
  m_model->to(m_device);
  m_data = runDataFor(m_job, m_config, *prepared, m_device,
                      [this](const QStringList& p, const QStringList& r) { reportFailedImages(p, r); });
  m_items = m_data->itemsWord();

  const auto& specs = prepared->layerGroups;
  if (const QStringList unknown = unknownGroupNames(m_config, specs); !unknown.isEmpty())
    event(RunEventKind::Warning, QStringLiteral("This model has no layer group named %1; those rates are "
                                                "not used.")
                                     .arg(unknown.join(QStringLiteral(", "))));
  m_groups = bindLayerGroups(*m_model, planLayerGroups(m_config, specs));
  if (m_config.l2sp > 0.0) {
    torch::NoGradGuard noGrad;
    for (const auto& group : m_groups) {
      if (group.plan.isHead) continue;
      for (const auto& p : group.parameters) {
        m_l2spParams.push_back(p);
        m_l2spReference.push_back(p.detach().clone());
      }
    }
  }
  m_paramGroups = planParameterGroups(*m_model, m_groups, m_config);
  m_optimizer = makeOptimizer(m_paramGroups, m_config);

  m_batchesPerEpoch = (m_data->size(Split::Train) + m_config.batchSize - 1) / m_config.batchSize;
  m_stepsPerEpoch = (m_batchesPerEpoch + m_config.accumulateSteps - 1) / m_config.accumulateSteps;
  m_schedule =
      std::make_unique<LearningRateSchedule>(LearningRateSchedule::fromConfig(m_config, m_stepsPerEpoch));
  m_lossOptions = F::CrossEntropyFuncOptions().label_smoothing(m_config.labelSmoothing);
  setUpClassBalance();

  m_bf16 = m_config.precision == Precision::BFloat16 ||
           (m_config.precision == Precision::Auto && (m_device.is_cuda() || cpuHasNativeBFloat16()));
  if (m_bf16)
    event(RunEventKind::Info,
          m_device.is_cpu() && !cpuHasNativeBFloat16()
              ? QStringLiteral("Computing in bfloat16, which this processor only emulates: expect it to be "
                               "slower than float32.")
              : QStringLiteral("Computing in bfloat16 with float32 master weights (mixed precision)."));
  m_progress.lrHead = m_config.lrHead;
  m_progress.lrBackbone = m_config.lrBackbone;
  m_progress.dataFingerprint = m_job.task == TaskKind::TextClassification
                                   ? dataFingerprint(m_job.trainTexts, m_job.valTexts)
                                   : dataFingerprint(m_job.trainSamples, m_job.valSamples);
  return {};
}

void Trainer::setUpClassBalance() {
  const int classCount = int(m_job.classes.size());
  std::vector<int64_t> counts(size_t(classCount), 0);
  for (int label : m_data->labels(Split::Train))
    if (label >= 0 && label < classCount) ++counts[size_t(label)];
  int largest = -1, smallest = -1;
  for (int c = 0; c < classCount; ++c) {
    if (counts[size_t(c)] == 0) continue;
    if (largest < 0 || counts[size_t(c)] > counts[size_t(largest)]) largest = c;
    if (smallest < 0 || counts[size_t(c)] < counts[size_t(smallest)]) smallest = c;
  }
  if (largest < 0) return;
  const double ratio = double(counts[size_t(largest)]) / double(counts[size_t(smallest)]);
  ClassBalance mode = m_config.classBalance;
  const bool imbalanced = ratio >= kImbalanceRatio;
  if (mode == ClassBalance::Auto) mode = imbalanced ? ClassBalance::WeightedLoss : ClassBalance::Off;
  const QString facts = QStringLiteral("'%1' has %2 training %3 and '%4' %5")
                            .arg(m_job.classes[largest])
                            .arg(counts[size_t(largest)])
                            .arg(m_items, m_job.classes[smallest])
                            .arg(counts[size_t(smallest)]);
  if (mode == ClassBalance::WeightedLoss) {
    std::vector<float> weights(size_t(classCount), 1.0f);
    const double total = double(m_data->size(Split::Train));
    int present = 0;
    for (auto n : counts) present += n > 0 ? 1 : 0;
    for (int c = 0; c < classCount; ++c)
      if (counts[size_t(c)] > 0)
        weights[size_t(c)] = float(total / (double(present) * double(counts[size_t(c)])));
    m_lossOptions.weight(torch::tensor(weights).to(m_device));
    event(RunEventKind::Info,
          QStringLiteral("Your classes are imbalanced (%1). Each class counts equally in "
                         "the loss (class-weighted loss), so the model does not learn "
                         "to favour the large classes. Change it under loss.class_balance.")
              .arg(facts));
  } else if (mode == ClassBalance::BalancedSampling) {
    m_balancedSampling = true;
    event(RunEventKind::Info, QStringLiteral("Balanced sampling: each epoch draws every class equally often "
                                             "(%1), repeating %2 of the small classes.")
                                  .arg(facts, m_items));
  } else if (imbalanced) {
    event(RunEventKind::Warning,
          QStringLiteral("Your classes are imbalanced (%1) and class balancing is off: "
                         "the model may favour the large classes.")
              .arg(facts));
  }
}

Status Trainer::resume() {
  QFile stateFile(m_writer.filePath(kStateJson));
  if (!stateFile.open(QIODevice::ReadOnly))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("Run %1 has no saved state to resume from.").arg(m_writer.runId()),
                 QStringLiteral("Only runs that completed an epoch or were stopped can be resumed."));
  const auto json = nlohmann::json::parse(stateFile.readAll().toStdString(), nullptr, false);
  auto progress = TrainerProgress::fromJson(json);
  if (!progress) return progress.error();
  if (progress->dataFingerprint != m_progress.dataFingerprint)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The project's images or labels changed since run %1 stopped, so it cannot "
                                "continue the same training.")
                     .arg(m_writer.runId()),
                 QStringLiteral("Start a new run (it can start from this run's weights)."));
  auto tensors = SafetensorsReader::readFile(m_writer.filePath(kStateTensors));
  if (!tensors) return tensors.error();
  auto stepOf = [](const std::map<std::string, std::string>& metadata) {
    auto it = metadata.find("attune.step");
    return it == metadata.end() ? std::string() : it->second;
  };
  if (stepOf(tensors->metadata) != std::to_string(progress->step))
    return Error(ErrorCode::BadFormat, QStringLiteral("The run's saved files are from different moments."),
                 QStringLiteral("Start a new run; the run's checkpoints can still be evaluated."));
  auto weights = SafetensorsReader::readFile(m_writer.filePath(kLast));
  if (!weights) return weights.error();
  if (stepOf(weights->metadata) != std::to_string(progress->step))
    return Error(ErrorCode::BadFormat, QStringLiteral("The run's saved files are from different moments."),
                 QStringLiteral("Start a new run; the run's checkpoints can still be evaluated."));
  {
    torch::NoGradGuard noGrad;
    auto loaded = loadStateDict(*m_model, weights->tensors, m_model->headPrefix(), HeadPolicy::LoadAll);
    if (!loaded) return loaded.error();
  }
  if (auto s = restoreOptimizerState(*m_optimizer, tensors->tensors); !s) return s;
  auto rng = tensors->tensors.find("rng.cpu");
  if (rng == tensors->tensors.end())
    return Error(ErrorCode::BadFormat, QStringLiteral("The run's saved random-number state is missing."),
                 QStringLiteral("Start a new run instead of resuming this one."));
  if (auto s = restoreCpuGeneratorState(rng->second); !s) return s;
  if (auto s = m_schedule->restore(progress->schedule); !s) return s;
  if (auto s = m_writer.dropRowsAfter(progress->step, progress->epochsCompleted); !s) return s;
  m_progress = *progress;
  m_summary.bestEpoch = m_progress.bestEpoch;
  m_summary.bestValAccuracy = m_progress.bestValAccuracy;
  m_summary.bestValLoss = m_progress.bestValLoss;
  m_summary.epochsCompleted = m_progress.epochsCompleted;
  if (QFileInfo::exists(m_writer.filePath(kBest))) m_summary.bestCheckpoint = m_writer.filePath(kBest);
  event(RunEventKind::Info, QStringLiteral("Resuming run %1 at epoch %2, step %3.")
                                .arg(m_writer.runId())
                                .arg(m_progress.epoch)
                                .arg(m_progress.step));
  return {};
}

void Trainer::applyFreezing(int epoch) {
  const int backbone = std::max(0, int(m_groups.size()) - 1);
  const int frozenCount = frozenGroupCount(m_config, backbone, epoch);
  const auto mask = frozenMask(m_groups, frozenCount);
  if (mask == m_frozen) return;
  const bool first = m_frozen.empty();
  QStringList unfrozen;
  for (size_t g = 0; g < mask.size() && !first; ++g)
    if (m_frozen[g] && !mask[g]) unfrozen << m_groups[g].plan.name;
  freezeGroups(*m_model, m_groups, frozenCount);
  m_frozen = mask;
  if (!first && !unfrozen.isEmpty())
    event(RunEventKind::Info,
          QStringLiteral("Epoch %1: %2 %3 training now (gradual unfreezing).")
              .arg(epoch)
              .arg(unfrozen.join(QStringLiteral(", ")),
                   unfrozen.size() == 1 ? QStringLiteral("starts") : QStringLiteral("start")));
  if (m_cacheActive && !featureCacheWanted()) {
    m_trainFeatures = m_trainLabels = m_valFeatures = m_valLabels = torch::Tensor();
    m_cacheActive = false;
    event(RunEventKind::Info, QStringLiteral("Pre-trained layers train from now on, so their features are "
                                             "computed afresh for every image again."));
  }
}

bool Trainer::featureCacheWanted() const {
  // Augmentation changes images every epoch; texts are not augmented.
  const bool augmented = m_job.task == TaskKind::ImageClassification && m_config.augments();
  if (m_config.featureCache != FeatureCacheMode::Auto || augmented || m_frozen.empty()) return false;
  for (size_t g = 0; g < m_groups.size(); ++g)
    if (!m_groups[g].plan.isHead && !m_frozen[g]) return false;
  return true;
}

Status Trainer::computeFeatures(Split split, torch::Tensor& features, torch::Tensor& labels) {
  torch::NoGradGuard noGrad;
  auto batches = m_data->batches(split, {}, TransformMode::Evaluation, 0, 0);
  std::vector<torch::Tensor> parts, partLabels;
  while (auto batch = batches->next()) {
    if (m_control.stopRequested.load())
      return Error(ErrorCode::Cancelled, QStringLiteral("Stopped while computing features."));
    if (batch->count == 0) continue;
    AutocastGuard autocast(m_bf16, m_device);
    parts.push_back(m_model->features(batch->inputs).to(torch::kFloat32));
    partLabels.push_back(batch->labels.clone());
  }
  if (parts.empty()) {
    features = torch::zeros({0, 1}, torch::TensorOptions().device(m_device));
    labels = torch::zeros({0}, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
  } else {
    features = torch::cat(parts);
    labels = torch::cat(partLabels);
  }
  return {};
}

Status Trainer::buildFeatureCache() {
  QElapsedTimer timer;
  timer.start();
  const bool wasTraining = m_model->is_training();
  m_model->eval();
  Status status = computeFeatures(Split::Train, m_trainFeatures, m_trainLabels);
  if (status) status = computeFeatures(Split::Val, m_valFeatures, m_valLabels);
  m_model->train(wasTraining);
  if (!status) return status;
  m_cacheActive = true;
  event(RunEventKind::Info,
        QStringLiteral("The pre-trained layers are frozen and %1 are not augmented, so their features "
                       "were computed once (%2 %1 in %3 s); the new layer now trains on them, which makes "
                       "each epoch take a fraction of the time.")
            .arg(m_items)
            .arg(m_trainFeatures.size(0) + m_valFeatures.size(0))
            .arg(double(timer.elapsed()) / 1000.0, 0, 'f', 1));
  return {};
}

torch::Tensor Trainer::logitsOf(const torch::Tensor& inputs) {
  AutocastGuard autocast(m_bf16, m_device);
  auto logits = m_cacheActive ? m_model->classify(inputs) : m_model->forward(inputs);
  return logits.to(torch::kFloat32);
}

double Trainer::gradientNorm() {
  std::vector<torch::Tensor> norms;
  for (const auto& group : m_paramGroups)
    for (const auto& p : group.parameters)
      if (p.grad().defined()) norms.push_back(p.grad().detach().to(torch::kFloat32).norm());
  if (norms.empty()) return 0.0;
  return torch::stack(norms).norm().item<double>();
}

Trainer::StepEnd Trainer::trainStep(std::vector<TensorBatch>& window) {
  int64_t total = 0;
  int64_t largest = 0;
  for (const auto& b : window) {
    total += b.count;
    largest = std::max(largest, b.count);
  }
  ++m_stepAttempts;
  torch::Tensor lossSum, correct;
  // Grad mode is thread-local: whatever the calling thread set, the step computes gradients.
  torch::AutoGradMode gradMode(true);
  bool finiteLoss = true;
  for (;;) {
    try {
      m_optimizer->zero_grad();
      finiteLoss = true;
      lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
      correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
      for (auto& b : window) {
        const int64_t micro =
            m_progress.microBatch > 0 ? std::min<int64_t>(m_progress.microBatch, b.count) : b.count;
        for (int64_t start = 0; start < b.count; start += micro) {
          const int64_t n = std::min(micro, b.count - start);
          if (m_control.simulateOutOfMemoryAbove > 0 && n > m_control.simulateOutOfMemoryAbove)
            throw SimulatedOutOfMemory();
          auto inputs = n == b.count ? b.inputs : b.inputs.narrow(0, start, n);
          auto labels = n == b.count ? b.labels : b.labels.narrow(0, start, n);
          auto logits = logitsOf(inputs);
          auto loss = F::cross_entropy(logits, labels, m_lossOptions);
          if (n != total) loss = loss * (double(n) / double(total));
          // A loss that is not a number is not back-propagated: the step is skipped below.
          if (!std::isfinite(loss.item<double>())) {
            finiteLoss = false;
            break;
          }
          loss.backward();
          lossSum += loss.detach().to(torch::kFloat64);
          correct += logits.detach().argmax(1).eq(labels).sum();
        }
        if (!finiteLoss) break;
      }
      break;
    } catch (const std::exception& e) {
      if (!isOutOfMemory(e)) throw;
      const int64_t current = m_progress.microBatch > 0 ? m_progress.microBatch : largest;
      if (current <= 1) throw;
      m_progress.microBatch = int((current + 1) / 2);
      const int64_t passes = (largest + m_progress.microBatch - 1) / m_progress.microBatch;
      event(
          RunEventKind::Warning,
          QStringLiteral("Not enough memory for %1 %5 at once: Attune now computes %2 at a time and adds up "
                         "their gradients (%3 passes per batch), so every step still learns from %4 %5.")
              .arg(current)
              .arg(m_progress.microBatch)
              .arg(passes * m_config.accumulateSteps)
              .arg(m_config.batchSize * m_config.accumulateSteps)
              .arg(m_items));
    }
  }

  const double lossValue = lossSum.item<double>();
  auto skip = [&](const QString& what) {
    m_optimizer->zero_grad();
    ++m_progress.badSteps;
    event(RunEventKind::Warning,
          QStringLiteral("Step %1: %2; the step was skipped.").arg(m_progress.step + 1).arg(what));
    return m_progress.badSteps >= m_config.maxBadSteps ? StepEnd::TooManyBadSteps : StepEnd::Skipped;
  };
  if (!finiteLoss || !std::isfinite(lossValue))
    return skip(QStringLiteral("the loss is not a finite number"));
  if (m_control.nonFiniteGradientsFrom > 0 && m_stepAttempts >= m_control.nonFiniteGradientsFrom &&
      m_stepAttempts < m_control.nonFiniteGradientsFrom + m_control.nonFiniteGradientsCount) {
    torch::NoGradGuard noGrad;
    for (const auto& group : m_paramGroups)
      for (const auto& p : group.parameters)
        if (p.grad().defined()) p.mutable_grad().fill_(std::nan(""));
  }
  if (!m_l2spParams.empty()) {
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < m_l2spParams.size(); ++i) {
      auto& p = m_l2spParams[i];
      if (!p.requires_grad() || !p.grad().defined()) continue;
      p.mutable_grad().add_(p.detach() - m_l2spReference[i], m_config.l2sp);
    }
  }
  double norm = 0.0;
  if (m_config.clipGradNorm > 0.0) {
    std::vector<torch::Tensor> trainable;
    for (const auto& group : m_paramGroups)
      for (const auto& p : group.parameters)
        if (p.grad().defined()) trainable.push_back(p);
    norm = torch::nn::utils::clip_grad_norm_(trainable, m_config.clipGradNorm);
  } else {
    norm = gradientNorm();
  }
  if (!std::isfinite(norm)) return skip(QStringLiteral("the gradients are not finite numbers"));
  m_progress.badSteps = 0;

  const double factor = m_schedule->factor(m_progress.step);
  auto& groups = m_optimizer->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(m_paramGroups[i].baseLr * factor);
  m_optimizer->step();
  ++m_progress.step;

  m_epochLossSum += lossSum * double(total);
  m_epochCorrect += correct;
  m_progress.epochSeen += total;

  StepMetrics step;
  step.fold = m_job.fold;
  step.epoch = m_progress.epoch;
  step.step = m_progress.step;
  step.stepsTotal = m_stepsPerEpoch * m_config.epochs;
  step.trainLoss = lossValue;
  for (size_t g = 0; g < m_groups.size(); ++g) {
    const double groupRate = m_frozen[g] ? 0.0 : m_groups[g].plan.baseLr * factor;
    if (m_groups[g].plan.isHead)
      step.lrHead = groupRate;
    else
      step.lrBackbone = groupRate;  // the top backbone group (the last one before the head)
  }
  step.elapsedMs = double(m_clock.elapsed());
  m_control.metrics.push(step);
  if (auto s = m_writer.append(step); !s) event(RunEventKind::Warning, s.error().text());
  return StepEnd::Taken;
}

Trainer::EpochEnd Trainer::trainEpoch(int epoch, EpochMetrics& metrics) {
  m_model->train(true);
  m_epochLossSum = torch::full({}, m_progress.epochLossSum,
                               torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
  m_epochCorrect =
      torch::full({}, m_progress.epochCorrect, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
  const int firstBatch = int(m_progress.batchesDone);

  std::vector<int64_t> rows;
  if (m_balancedSampling)
    rows =
        balancedDraw(m_data->labels(Split::Train), int(m_job.classes.size()), uint64_t(m_config.seed), epoch);
  std::unique_ptr<EpochBatches> batches =
      m_cacheActive ? cachedBatches(m_trainFeatures, m_trainLabels, rows, m_config.batchSize, true,
                                    uint64_t(m_config.seed), epoch, firstBatch)
                    : m_data->batches(Split::Train, rows, TransformMode::Training, epoch, firstBatch);

  bool more = true;
  while (more) {
    waitWhilePaused();
    if (stopRequested()) return EpochEnd::Stopped;
    std::vector<TensorBatch> window;
    int consumed = 0;
    while (int(window.size()) < m_config.accumulateSteps) {
      auto batch = batches->next();
      if (!batch) {
        more = false;
        break;
      }
      ++consumed;
      if (batch->count > 0) window.push_back(std::move(*batch));
    }
    if (!window.empty()) {
      const StepEnd end = trainStep(window);
      if (end == StepEnd::TooManyBadSteps) return EpochEnd::Failed;
    }
    m_progress.batchesDone += consumed;
    m_progress.epochLossSum = m_epochLossSum.item<double>();
    m_progress.epochCorrect = m_epochCorrect.item<int64_t>();
  }
  const int64_t seen = m_progress.epochSeen;
  metrics.trainLoss = seen > 0 ? m_progress.epochLossSum / double(seen) : 0.0;
  metrics.trainAccuracy = seen > 0 ? double(m_progress.epochCorrect) / double(seen) : 0.0;
  return EpochEnd::Done;
}

bool Trainer::validate(EpochMetrics& metrics) {
  torch::NoGradGuard noGrad;
  m_model->eval();
  std::unique_ptr<EpochBatches> batches =
      m_cacheActive ? cachedBatches(m_valFeatures, m_valLabels, {}, m_config.batchSize, false, 0, 0, 0)
                    : m_data->batches(Split::Val, {}, TransformMode::Evaluation, 0, 0);
  auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
  auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
  int64_t seen = 0;
  m_valProbabilities.clear();
  m_valAnswerLabels.clear();
  // Every example's probabilities for the run's per-epoch validation answers, kept on the device and
  // copied once after the loop (a copy per batch would wait for the device each time); not at all when
  // there would be more than RunWriter writes.
  const int64_t valCount =
      int64_t(m_job.task == TaskKind::TextClassification ? m_job.valTexts.size() : m_job.valSamples.size());
  const bool keepAnswers = valCount * int64_t(m_job.classes.size()) <= kMaxValidationAnswers;
  std::vector<torch::Tensor> probabilityBatches, labelBatches;
  while (auto batch = batches->next()) {
    if (m_control.stopRequested.load()) return false;
    if (batch->count == 0) continue;
    auto logits = logitsOf(batch->inputs);
    lossSum += F::cross_entropy(logits, batch->labels, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .to(torch::kFloat64);
    correct += logits.argmax(1).eq(batch->labels).sum();
    seen += batch->count;
    if (keepAnswers) {
      probabilityBatches.push_back(torch::softmax(logits.to(torch::kFloat32), 1));
      // A copy: the loader may reuse the batch's label buffer for the next batch.
      labelBatches.push_back(batch->labels.to(torch::kInt64).clone());
    }
  }
  if (keepAnswers && !probabilityBatches.empty()) {
    const auto probabilities = torch::cat(probabilityBatches).cpu().contiguous();
    const auto labels = torch::cat(labelBatches).cpu().contiguous();
    m_valProbabilities.assign(probabilities.data_ptr<float>(),
                              probabilities.data_ptr<float>() + probabilities.numel());
    m_valAnswerLabels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  }
  metrics.valLoss = seen > 0 ? lossSum.item<double>() / double(seen) : 0.0;
  metrics.valAccuracy = seen > 0 ? double(correct.item<int64_t>()) / double(seen) : 0.0;
  return true;
}

Status Trainer::saveWeights(const QString& name, int epoch, double valAccuracy) {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : m_job.classes) classes.push_back(c.toStdString());
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"attune.architecture", m_config.architecture.toStdString()},
      {"attune.classes", classes.dump()},
      {"attune.input_size", std::to_string(m_inputSize)},
      {"attune.task", m_job.task == TaskKind::TextClassification ? "text" : "image"},
      {"attune.max_tokens", std::to_string(m_config.maxTokens)},
      {"attune.epoch", std::to_string(epoch)},
      {"attune.step", std::to_string(m_progress.step)},
      {"attune.val_accuracy", std::to_string(valAccuracy)},
      {"attune.run_id", m_writer.runId().toStdString()},
  };
  return SafetensorsWriter::writeFile(m_writer.filePath(name), stateDictOf(*m_model), metadata);
}

Status Trainer::saveResumeState() {
  TensorMap tensors;
  saveOptimizerState(*m_optimizer, tensors);
  tensors["rng.cpu"] = cpuGeneratorState();
  if (auto s = SafetensorsWriter::writeFile(m_writer.filePath(kStateTensors), tensors,
                                            {{"attune.step", std::to_string(m_progress.step)}});
      !s)
    return s;
  m_progress.schedule = m_schedule->state();
  QSaveFile file(m_writer.filePath(kStateJson));
  const QByteArray bytes = QByteArray::fromStdString(m_progress.toJson().dump(2)) + '\n';
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(file.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  return {};
}

RunSummary Trainer::stopWithCheckpoint(const QString& message) {
  if (auto s = saveWeights(kLast, m_progress.epochsCompleted, m_summary.bestValAccuracy); !s)
    return finish(RunOutcome::Failed, s.error().text());
  if (auto s = saveResumeState(); !s) return finish(RunOutcome::Failed, s.error().text());
  return finish(RunOutcome::Stopped, message);
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

RunSummary Trainer::run() {
  m_clock.start();
  m_summary.runId = m_writer.runId();
  m_summary.runDir = m_writer.directory();
  if (!findArchitecture(m_config.architecture))
    return finish(RunOutcome::Failed, QStringLiteral("Unknown architecture ") + m_config.architecture);
  const bool resuming = !m_job.resumeRunDir.isEmpty();
  const int threads = configureThreads(m_config.threads);
  if (m_config.findLr && !resuming) {
    if (auto s = findRate(); !s) return finish(RunOutcome::Failed, s.error().text());
    if (m_control.stopRequested.load())
      return finish(RunOutcome::Stopped, QStringLiteral("Stopped by the user."));
    // The rates are settled: a resumed run must not search again.
    m_config.findLr = false;
  }
  if (!resuming) {
    TrainingJob recorded = m_job;
    recorded.config = m_config;
    if (auto s = m_writer.writeConfig(recorded, computeDeviceName(), threads); !s)
      return finish(RunOutcome::Failed, s.error().text());
  }
  if (auto s = setUp(); !s) return finish(RunOutcome::Failed, s.error().text());
  if (resuming) {
    if (auto s = resume(); !s) return finish(RunOutcome::Failed, s.error().text());
  }

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

  for (int epoch = m_progress.epoch; epoch <= m_config.epochs; ++epoch) {
    m_progress.epoch = epoch;
    applyFreezing(epoch);
    if (!m_cacheActive && featureCacheWanted()) {
      if (auto s = buildFeatureCache(); !s) {
        if (s.error().code == ErrorCode::Cancelled)
          return stopWithCheckpoint(QStringLiteral("Stopped by the user during epoch %1.").arg(epoch));
        return finish(RunOutcome::Failed, s.error().text());
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
      return stopWithCheckpoint(
          m_control.stopRequested.load()
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
    const bool byLoss = m_config.monitor == MonitorMetric::ValLoss;
    const bool first = m_progress.bestEpoch == 0;
    const bool better =
        first ||
        (byLoss ? metrics.valLoss < m_progress.bestValLoss - m_config.minDelta
                : metrics.valAccuracy > m_progress.bestValAccuracy + m_config.minDelta ||
                      (m_config.minDelta == 0.0 && metrics.valAccuracy == m_progress.bestValAccuracy &&
                       metrics.valLoss < m_progress.bestValLoss));
    if (better) {
      metrics.isBest = true;
      m_progress.bestEpoch = epoch;
      m_progress.bestValAccuracy = metrics.valAccuracy;
      m_progress.bestValLoss = metrics.valLoss;
      m_progress.epochsSinceBest = 0;
      m_summary.bestEpoch = epoch;
      m_summary.bestValAccuracy = metrics.valAccuracy;
      m_summary.bestValLoss = metrics.valLoss;
      if (auto s = saveWeights(kBest, epoch, metrics.valAccuracy); !s)
        return finish(RunOutcome::Failed, s.error().text());
      m_summary.bestCheckpoint = m_writer.filePath(kBest);
    } else {
      ++m_progress.epochsSinceBest;
    }
    endOfEpoch(metrics);
    m_progress.epoch = epoch + 1;
    m_progress.batchesDone = 0;
    m_progress.epochLossSum = 0.0;
    m_progress.epochCorrect = 0;
    m_progress.epochSeen = 0;
    m_progress.epochsCompleted = epoch;
    m_summary.epochsCompleted = epoch;
    if (auto s = saveWeights(kLast, epoch, metrics.valAccuracy); !s)
      return finish(RunOutcome::Failed, s.error().text());
    if (auto s = saveResumeState(); !s) return finish(RunOutcome::Failed, s.error().text());
    if (auto s = m_writer.append(metrics); !s) return finish(RunOutcome::Failed, s.error().text());
    if (auto s = m_writer.appendValidationAnswers(epoch, m_valAnswerLabels, m_valProbabilities,
                                                  int(m_job.classes.size()));
        !s)
      return finish(RunOutcome::Failed, s.error().text());
    if (m_config.keepEveryEpoch)
      if (auto s = saveWeights(epochCheckpointName(epoch), epoch, metrics.valAccuracy); !s)
        return finish(RunOutcome::Failed, s.error().text());
    m_control.metrics.push(metrics);
    if (m_config.patience > 0 && m_progress.epochsSinceBest >= m_config.patience && epoch < m_config.epochs) {
      m_summary.stoppedEarly = true;
      return finish(
          RunOutcome::Finished,
          QStringLiteral("Stopped early after epoch %1: the validation %2 had not improved for %3 epochs. "
                         "The best model is from epoch %4 (validation accuracy %5%).")
              .arg(epoch)
              .arg(byLoss ? QStringLiteral("loss") : QStringLiteral("accuracy"))
              .arg(m_config.patience)
              .arg(m_progress.bestEpoch)
              .arg(m_progress.bestValAccuracy * 100.0, 0, 'f', 1));
    }
  }
  return finish(RunOutcome::Finished,
                QStringLiteral("Finished %1 %2. Best validation accuracy %3% at epoch %4.")
                    .arg(m_config.epochs)
                    .arg(m_config.epochs == 1 ? QStringLiteral("epoch") : QStringLiteral("epochs"))
                    .arg(m_summary.bestValAccuracy * 100.0, 0, 'f', 1)
                    .arg(m_summary.bestEpoch));
}

RunSummary Trainer::finish(RunOutcome outcome, const QString& message) {
  m_summary.outcome = outcome;
  m_summary.message = message;
  const QString last = m_writer.filePath(kLast);
  if (QFileInfo::exists(last)) m_summary.lastCheckpoint = last;
  return m_summary;
}

}  // namespace

RunSummary runTraining(const TrainingJob& job, RunWriter& writer, const TrainerControl& control) {
  Trainer trainer(job, writer, control);
  return trainer.run();
}

}  // namespace attune::detail
