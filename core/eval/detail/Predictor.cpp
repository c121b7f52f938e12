#include "core/eval/Predictor.h"

#include "core/common/EngineBoundary.h"
#include "core/eval/TrainedModelFiles.h"
#include "core/training/RunCheckpoints.h"
#include "core/training/RunWriter.h"
#include "core/training/Runtime.h"
#include "core/training/detail/EngineFault.h"
#include "core/training/detail/ModelSetup.h"

#include <torch/torch.h>

#include <QFile>
#include <QFileInfo>
#include <QHash>

namespace attune {
namespace {

constexpr int kPredictBatch = 32;

std::vector<std::vector<double>> rowsOf(const torch::Tensor& probabilities) {
  const torch::Tensor values = probabilities.to(torch::kDouble).contiguous();
  std::vector<std::vector<double>> rows(size_t(values.size(0)));
  for (int64_t r = 0; r < values.size(0); ++r) {
    const double* row = values[r].data_ptr<double>();
    if (!std::isnan(row[0])) rows[size_t(r)].assign(row, row + values.size(1));
  }
  return rows;
}

}  // namespace

struct Predictor::Impl {
  detail::PreparedModel prepared;
  torch::Device device = torch::kCPU;
  TaskKind task = TaskKind::ImageClassification;
  QStringList classes;
  QString runId;
  QString checkpoint;
  int epoch = 0;
  // The run's compute threads (unset: every core). LibTorch's thread count belongs to the calling
  // thread, so each prediction sets it on the thread that computes.
  std::optional<int> threads;
};

Predictor::Predictor(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Predictor::~Predictor() {
  d.reset();
  releaseCachedCpuMemory();  // the model's and the batches' memory goes back to the system
}

Result<std::unique_ptr<Predictor>> Predictor::open(TrainedModelSettings settings, const QString& checkpoint) {
  auto impl = std::make_unique<Impl>();
  const TrainingConfig& config = settings.config;
  impl->classes = std::move(settings.classes);
  impl->runId = std::move(settings.runId);
  impl->checkpoint = checkpoint;
  if (needsItsPretrainedFiles(config.architecture) && !config.weightsPath.isEmpty() &&
      !QFileInfo::exists(config.weightsPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("The model of run %1 was built from %2, which is no longer there.")
                     .arg(impl->runId, config.weightsPath),
                 QStringLiteral("Put the pre-trained weights back where they were, or train again."));
  impl->device = detail::computeDevice();
  impl->threads = config.threads;
  configureThreads(impl->threads);  // also puts the CPU memory cache in place
  auto prepared = detail::loadTrainedModel(config, int(impl->classes.size()), impl->checkpoint, impl->device);
  if (!prepared) return prepared.error();
  impl->prepared = std::move(*prepared);
  impl->task = impl->prepared.architecture && impl->prepared.architecture->input == InputKind::Text
                   ? TaskKind::TextClassification
                   : TaskKind::ImageClassification;
  impl->epoch = checkpointEpochOf(impl->checkpoint);
  return std::unique_ptr<Predictor>(new Predictor(std::move(impl)));
}

Result<std::unique_ptr<Predictor>> Predictor::openRun(const QString& runDirectory,
                                                      const PredictorOptions& options) {
  return guardEngine(QStringLiteral("Opening the model"), [&]() -> Result<std::unique_ptr<Predictor>> {
    auto settings = readRunModelSettings(runDirectory);
    if (!settings) return settings.error();
    auto checkpoint = runCheckpointFile(runDirectory, settings->runId, options.checkpoint);
    if (!checkpoint) return checkpoint.error();
    return open(std::move(*settings), *checkpoint);
  });
}

Result<std::unique_ptr<Predictor>> Predictor::openExport(const QString& exportDirectory) {
  return guardEngine(QStringLiteral("Opening the model"), [&]() -> Result<std::unique_ptr<Predictor>> {
    auto manifest = readModelExportManifest(exportDirectory);
    if (!manifest) return manifest.error();
    return open(std::move(manifest->settings), manifest->weightsFile);
  });
}

TaskKind Predictor::task() const {
  return d->task;
}
const QStringList& Predictor::classes() const {
  return d->classes;
}
QString Predictor::runId() const {
  return d->runId;
}
QString Predictor::checkpointPath() const {
  return d->checkpoint;
}
int Predictor::checkpointEpoch() const {
  return d->epoch;
}

Result<std::vector<std::vector<double>>> Predictor::predictTexts(const QStringList& texts) {
  if (d->task != TaskKind::TextClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies images, not texts."),
                 QStringLiteral("Give it image files."));
  return guardEngine(
      QStringLiteral("Classifying the texts"), [&]() -> Result<std::vector<std::vector<double>>> {
        detail::injectEngineFault(detail::EngineFaultSite::Predict);
        configureThreads(d->threads);
        std::vector<TextSample> samples;
        samples.reserve(size_t(texts.size()));
        for (const QString& text : texts) samples.push_back({text, 0, 0});
        return rowsOf(detail::textProbabilities(d->prepared, samples, kPredictBatch, d->device));
      });
}

Result<std::vector<std::vector<double>>> Predictor::predictImages(const QStringList& paths,
                                                                  QStringList* failures) {
  if (d->task != TaskKind::ImageClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies texts, not images."),
                 QStringLiteral("Give it texts."));
  return guardEngine(
      QStringLiteral("Classifying the images"), [&]() -> Result<std::vector<std::vector<double>>> {
        detail::injectEngineFault(detail::EngineFaultSite::Predict);
        configureThreads(d->threads);
        std::vector<ImageSample> samples;
        samples.reserve(size_t(paths.size()));
        for (const QString& path : paths) samples.push_back(ImageSample{path, 0});
        if (failures) *failures = QStringList(paths.size(), QString());
        // Where each path is in the list (a path given twice fails twice, with the same reason).
        QHash<QString, QList<int>> positions;
        if (failures)
          for (int i = 0; i < int(paths.size()); ++i) positions[paths[i]].append(i);
        return rowsOf(detail::imageProbabilities(d->prepared, samples, kPredictBatch, 0, d->device,
                                                 [&](const QStringList& failed, const QStringList& reasons) {
                                                   if (!failures) return;
                                                   for (int i = 0; i < failed.size(); ++i)
                                                     for (int index : positions.value(failed[i]))
                                                       (*failures)[index] = reasons.value(i);
                                                 }));
      });
}

}  // namespace attune
