#include "core/training/detail/Trainer.h"

#include "core/data/BatchLoader.h"
#include "core/models/Architecture.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/KerasClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/training/LearningRateSchedule.h"
#include "core/training/Runtime.h"
#include "core/training/detail/ParameterGroups.h"
#include "core/weights/SafetensorsWriter.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>

#include <cmath>
#include <map>

namespace attune::detail {
namespace {

namespace F = torch::nn::functional;

torch::Tensor imagesOf(ImageBatch& batch, const torch::Device& device) {
  auto images = torch::from_blob(batch.pixels.data(),
                                 {batch.count, batch.channels, batch.height, batch.width}, torch::kFloat32);
  return device.is_cpu() ? images : images.to(device);
}

torch::Tensor labelsOf(ImageBatch& batch, const torch::Device& device) {
  auto labels = torch::from_blob(batch.labels.data(), {batch.count}, torch::kInt64);
  return device.is_cpu() ? labels : labels.to(device);
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
  void event(RunEventKind kind, const QString& message) { m_control.metrics.push(RunEvent{kind, message}); }
  bool stopRequested() const { return m_control.stopRequested.load(); }
  void waitWhilePaused() const {
    while (m_control.paused.load() && !stopRequested()) QThread::msleep(20);
  }
  BatchLoaderOptions loaderOptions(TransformMode mode, int epoch) const;
  void reportFailedImages(const ImageBatch& batch);
  // model.architecture "tfjs": the export named by model.weights, cut, with a new head.
  Status buildKerasModel();
  // Returns false when the run must end (stop requested, too many bad steps).
  bool trainEpoch(int epoch, EpochMetrics& metrics);
  bool validate(EpochMetrics& metrics);
  Status saveCheckpoint(const QString& name, int epoch, double valAccuracy);
  RunSummary finish(RunOutcome outcome, const QString& message);

  const TrainingJob& m_job;
  const TrainingConfig& m_config;
  RunWriter& m_writer;
  const TrainerControl& m_control;
  torch::Device m_device;
  const ArchitectureInfo* m_architecture = nullptr;
  int m_inputSize = 224;
  ImageClassifierPtr m_model;
  std::vector<ParameterGroup> m_groups;
  std::unique_ptr<torch::optim::Optimizer> m_optimizer;
  std::unique_ptr<LearningRateSchedule> m_schedule;
  int64_t m_stepsPerEpoch = 0;
  int64_t m_step = 0;  // optimiser steps taken so far
  int m_badSteps = 0;  // consecutive steps with a non-finite loss
  QElapsedTimer m_clock;
  RunSummary m_summary;
  QStringList m_reportedFailures;
};

BatchLoaderOptions Trainer::loaderOptions(TransformMode mode, int epoch) const {
  BatchLoaderOptions options;
  options.batchSize = m_config.batchSize;
  options.shuffle = mode == TransformMode::Training ? Shuffle::Yes : Shuffle::No;
  options.seed = static_cast<uint64_t>(m_config.seed);
  options.epoch = epoch;
  options.workers = m_config.loaderWorkers;
  options.transform.outputSize = m_inputSize;
  options.transform.mode = mode;
  options.transform.randomResizedCrop = m_config.randomResizedCrop;
  options.transform.horizontalFlip = m_config.horizontalFlip;
  options.transform.normalization = m_architecture->normalization;
  return options;
}

void Trainer::reportFailedImages(const ImageBatch& batch) {
  for (qsizetype i = 0; i < batch.failedPaths.size(); ++i) {
    const QString& path = batch.failedPaths[i];
    if (m_reportedFailures.contains(path)) continue;
    m_reportedFailures << path;
    const QString reason = batch.failedReasons.value(i, QStringLiteral("it could not be read as an image"));
    event(RunEventKind::Warning, QStringLiteral("Skipped %1: %2.").arg(path, reason));
  }
}

Status Trainer::buildKerasModel() {
  if (m_config.weightsPath.isEmpty())
    return Error(ErrorCode::BadValue, QStringLiteral("A Keras / TF.js model needs its exported folder."),
                 QStringLiteral("Choose the folder with model.json as the pre-trained weights."));
  auto model = readTfjsModel(m_config.weightsPath);
  if (!model) return model.error();
  auto classifier = makeKerasClassifier(*model, m_config.cutLayer, int(m_job.classes.size()));
  if (!classifier) return classifier.error();
  m_model = *classifier;
  // The export's own input size unless the user chose one.
  if (auto size = kerasInputSize(*model); size && !m_config.inputSize && size->at(0) > 0)
    m_inputSize = int(size->at(0));
  const auto* keras = dynamic_cast<const KerasClassifierImpl*>(m_model.get());
  event(RunEventKind::Info,
        QStringLiteral("Using the Keras model in %1 up to its layer %2, then a new final layer "
                       "for your %3 classes (input %4 px).")
            .arg(QFileInfo(m_config.weightsPath).fileName(),
                 QString::fromStdString(keras ? keras->cutLayer() : std::string("?")))
            .arg(m_job.classes.size())
            .arg(m_inputSize));
  return {};
}

RunSummary Trainer::run() {
  m_clock.start();
  m_summary.runId = m_writer.runId();
  m_summary.runDir = m_writer.directory();
  m_architecture = findArchitecture(m_config.architecture);
  if (!m_architecture)
    return finish(RunOutcome::Failed, QStringLiteral("Unknown architecture ") + m_config.architecture);
  m_inputSize = m_config.inputSize.value_or(m_architecture->inputSize);

  const int threads = configureThreads(m_config.threads);
  if (auto s = m_writer.writeConfig(m_job, computeDeviceName(), threads); !s)
    return finish(RunOutcome::Failed, s.error().text());

  torch::manual_seed(static_cast<uint64_t>(m_config.seed));
  if (m_config.architecture == QLatin1String(kTfjsArchitecture)) {
    // The export is the model and its weights at once; nothing more to load.
    if (auto status = buildKerasModel(); !status) return finish(RunOutcome::Failed, status.error().text());
  } else if (!m_config.weightsPath.isEmpty()) {
    m_model = makeImageClassifier(m_config.architecture, int(m_job.classes.size()));
    auto report =
        loadWeightsFile(*m_model, m_config.weightsPath, m_model->headPrefix(), HeadPolicy::ReplaceHead);
    if (!report) return finish(RunOutcome::Failed, report.error().text());
    event(RunEventKind::Info, report->summary());
  } else {
    m_model = makeImageClassifier(m_config.architecture, int(m_job.classes.size()));
    event(RunEventKind::Warning, QStringLiteral("No pre-trained weights chosen: the model starts from random "
                                                "weights, which needs much more data and time."));
  }
  m_model->setBackboneState(m_config.freeze == FreezeMode::Backbone ? BackboneState::Frozen
                                                                    : BackboneState::Trainable);
  m_model->to(m_device);

  m_groups = planParameterGroups(*m_model, m_config);
  m_optimizer = makeOptimizer(m_groups, m_config);
  m_stepsPerEpoch = (int64_t(m_job.trainSamples.size()) + m_config.batchSize - 1) / m_config.batchSize;
  m_schedule = std::make_unique<LearningRateSchedule>(
      LearningRateSchedule::fromConfig(m_config, m_stepsPerEpoch));

  event(RunEventKind::Started,
        QStringLiteral(
            "Training %1 on %2 images (%3 for validation), %4 classes, %5 epochs, on %6 with %7 threads.")
            .arg(m_architecture->displayName)
            .arg(m_job.trainSamples.size())
            .arg(m_job.valSamples.size())
            .arg(m_job.classes.size())
            .arg(m_config.epochs)
            .arg(computeDeviceName())
            .arg(threads));

  double bestValLoss = std::numeric_limits<double>::infinity();
  for (int epoch = 1; epoch <= m_config.epochs; ++epoch) {
    EpochMetrics metrics;
    metrics.epoch = epoch;
    metrics.epochsTotal = m_config.epochs;
    const bool trainingGoesOn = trainEpoch(epoch, metrics);
    if (!trainingGoesOn) {
      if (m_badSteps >= m_config.maxBadSteps) {
        return finish(
            RunOutcome::Failed,
            QStringLiteral("Training stopped: the loss was not a finite number for %1 steps in a row. "
                           "Lower the learning rates or check the images; the last good checkpoint is kept.")
                .arg(m_badSteps));
      }
      if (auto s = saveCheckpoint(QStringLiteral("last.safetensors"), epoch - 1, m_summary.bestValAccuracy);
          !s)
        return finish(RunOutcome::Failed, s.error().text());
      return finish(RunOutcome::Stopped, QStringLiteral("Stopped by the user during epoch %1.").arg(epoch));
    }
    if (!validate(metrics)) {
      if (auto s = saveCheckpoint(QStringLiteral("last.safetensors"), epoch - 1, m_summary.bestValAccuracy);
          !s)
        return finish(RunOutcome::Failed, s.error().text());
      return finish(RunOutcome::Stopped,
                    QStringLiteral("Stopped by the user while validating epoch %1.").arg(epoch));
    }
    metrics.elapsedMs = double(m_clock.elapsed());
    if (!std::isfinite(metrics.valLoss)) {
      // A model whose outputs are not numbers is not a checkpoint worth keeping.
      return finish(
          RunOutcome::Failed,
          QStringLiteral("Training stopped: the validation loss of epoch %1 is not a finite number. Lower "
                         "the learning rates or check the pre-trained weights; the last good checkpoint "
                         "is kept.")
              .arg(epoch));
    }
    const bool better = m_summary.bestEpoch == 0 || metrics.valAccuracy > m_summary.bestValAccuracy ||
                        (metrics.valAccuracy == m_summary.bestValAccuracy && metrics.valLoss < bestValLoss);
    if (better) {
      metrics.isBest = true;
      m_summary.bestEpoch = epoch;
      m_summary.bestValAccuracy = metrics.valAccuracy;
      m_summary.bestValLoss = metrics.valLoss;
      bestValLoss = metrics.valLoss;
      if (auto s = saveCheckpoint(QStringLiteral("best.safetensors"), epoch, metrics.valAccuracy); !s)
        return finish(RunOutcome::Failed, s.error().text());
      m_summary.bestCheckpoint = m_writer.filePath(QStringLiteral("best.safetensors"));
    }
    if (auto s = saveCheckpoint(QStringLiteral("last.safetensors"), epoch, metrics.valAccuracy); !s)
      return finish(RunOutcome::Failed, s.error().text());
    m_summary.epochsCompleted = epoch;
    if (auto s = m_writer.append(metrics); !s) return finish(RunOutcome::Failed, s.error().text());
    m_control.metrics.push(metrics);
  }
  return finish(RunOutcome::Finished,
                QStringLiteral("Finished %1 %2. Best validation accuracy %3% at epoch %4.")
                    .arg(m_config.epochs)
                    .arg(m_config.epochs == 1 ? QStringLiteral("epoch") : QStringLiteral("epochs"))
                    .arg(m_summary.bestValAccuracy * 100.0, 0, 'f', 1)
                    .arg(m_summary.bestEpoch));
}

bool Trainer::trainEpoch(int epoch, EpochMetrics& metrics) {
  m_model->train(true);
  BatchLoader loader(m_job.trainSamples, loaderOptions(TransformMode::Training, epoch));
  auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
  auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
  int64_t seen = 0;
  const auto lossOptions = F::CrossEntropyFuncOptions().label_smoothing(m_config.labelSmoothing);

  while (true) {
    waitWhilePaused();
    if (stopRequested()) return false;
    auto batch = loader.next();
    if (!batch) break;
    reportFailedImages(*batch);
    if (batch->count == 0) continue;

    const double factor = m_schedule->factor(m_step);
    auto& groups = m_optimizer->param_groups();
    for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(m_groups[i].baseLr * factor);

    auto images = imagesOf(*batch, m_device);
    auto labels = labelsOf(*batch, m_device);
    m_optimizer->zero_grad();
    auto logits = m_model->forward(images);
    auto loss = F::cross_entropy(logits, labels, lossOptions);
    const double lossValue = loss.item<double>();
    if (!std::isfinite(lossValue)) {
      ++m_badSteps;
      event(
          RunEventKind::Warning,
          QStringLiteral("Step %1: the loss is not a finite number; the step was skipped.").arg(m_step + 1));
      if (m_badSteps >= m_config.maxBadSteps) return false;
      continue;
    }
    m_badSteps = 0;
    loss.backward();
    m_optimizer->step();
    ++m_step;

    lossSum += loss.detach().to(torch::kFloat64) * batch->count;
    correct += logits.detach().argmax(1).eq(labels).sum();
    seen += batch->count;

    StepMetrics step;
    step.epoch = epoch;
    step.step = m_step;
    step.stepsTotal = m_stepsPerEpoch * m_config.epochs;
    step.trainLoss = lossValue;
    step.lrHead = m_config.lrHead * factor;
    step.lrBackbone = m_config.freeze == FreezeMode::Backbone ? 0.0 : m_config.lrBackbone * factor;
    step.elapsedMs = double(m_clock.elapsed());
    m_control.metrics.push(step);
    if (auto s = m_writer.append(step); !s) event(RunEventKind::Warning, s.error().text());
  }
  metrics.trainLoss = seen > 0 ? lossSum.item<double>() / double(seen) : 0.0;
  metrics.trainAccuracy = seen > 0 ? double(correct.item<int64_t>()) / double(seen) : 0.0;
  return true;
}

bool Trainer::validate(EpochMetrics& metrics) {
  torch::NoGradGuard noGrad;
  m_model->eval();
  BatchLoader loader(m_job.valSamples, loaderOptions(TransformMode::Evaluation, 0));
  auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
  auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
  int64_t seen = 0;
  while (auto batch = loader.next()) {
    if (stopRequested()) return false;
    reportFailedImages(*batch);
    if (batch->count == 0) continue;
    auto images = imagesOf(*batch, m_device);
    auto labels = labelsOf(*batch, m_device);
    auto logits = m_model->forward(images);
    lossSum += F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .to(torch::kFloat64);
    correct += logits.argmax(1).eq(labels).sum();
    seen += batch->count;
  }
  metrics.valLoss = seen > 0 ? lossSum.item<double>() / double(seen) : 0.0;
  metrics.valAccuracy = seen > 0 ? double(correct.item<int64_t>()) / double(seen) : 0.0;
  return true;
}

Status Trainer::saveCheckpoint(const QString& name, int epoch, double valAccuracy) {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : m_job.classes) classes.push_back(c.toStdString());
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"attune.architecture", m_config.architecture.toStdString()},
      {"attune.classes", classes.dump()},
      {"attune.input_size", std::to_string(m_inputSize)},
      {"attune.epoch", std::to_string(epoch)},
      {"attune.step", std::to_string(m_step)},
      {"attune.val_accuracy", std::to_string(valAccuracy)},
      {"attune.run_id", m_writer.runId().toStdString()},
  };
  return SafetensorsWriter::writeFile(m_writer.filePath(name), stateDictOf(*m_model), metadata);
}

RunSummary Trainer::finish(RunOutcome outcome, const QString& message) {
  m_summary.outcome = outcome;
  m_summary.message = message;
  const QString last = m_writer.filePath(QStringLiteral("last.safetensors"));
  if (QFileInfo::exists(last)) m_summary.lastCheckpoint = last;
  return m_summary;
}

}  // namespace

RunSummary runTraining(const TrainingJob& job, RunWriter& writer, const TrainerControl& control) {
  Trainer trainer(job, writer, control);
  return trainer.run();
}

}  // namespace attune::detail
