#include "core/eval/Predictor.h"

#include "core/training/RunCheckpoints.h"
#include "core/training/RunWriter.h"
#include "core/training/detail/ModelSetup.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QtEndian>

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
};

Predictor::Predictor(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Predictor::~Predictor() = default;

Result<std::unique_ptr<Predictor>> Predictor::openRun(const QString& runDirectory,
                                                      const PredictorOptions& options) {
  const QDir directory(runDirectory);
  QFile configFile(directory.filePath(QStringLiteral("config.json")));
  if (!configFile.open(QIODevice::ReadOnly))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("%1 is not a training run (it has no config.json).").arg(runDirectory),
                 QStringLiteral("Choose a run of the project's runs folder."));
  const auto document = nlohmann::json::parse(configFile.readAll().toStdString(), nullptr, false);
  if (!document.is_object() || !document.contains("config") || !document.contains("classes") ||
      !document["classes"].is_array())
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The settings of the run in %1 are damaged.").arg(runDirectory),
                 QStringLiteral("Train the model again."));
  auto config = TrainingConfig::fromJson(document["config"], QStringLiteral("config"));
  if (!config) return config.error();
  auto impl = std::make_unique<Impl>();
  for (const auto& name : document["classes"]) {
    if (!name.is_string())
      return Error(ErrorCode::BadFormat,
                   QStringLiteral("The class list of the run in %1 is damaged.").arg(runDirectory),
                   QStringLiteral("Train the model again."));
    impl->classes << QString::fromStdString(name.get<std::string>());
  }
  if (impl->classes.size() < 2)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The run in %1 has fewer than two classes.").arg(runDirectory),
                 QStringLiteral("Train the model again."));
  impl->runId =
      QString::fromStdString(document.value("run_id", QFileInfo(runDirectory).fileName().toStdString()));
  auto checkpoint = runCheckpointFile(runDirectory, impl->runId, options.checkpoint);
  if (!checkpoint) return checkpoint.error();
  impl->checkpoint = *checkpoint;
  if (!config->weightsPath.isEmpty() && !QFileInfo::exists(config->weightsPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("The model of run %1 was built from %2, which is no longer there.")
                     .arg(impl->runId, config->weightsPath),
                 QStringLiteral("Put the pre-trained weights back where they were, or train again."));
  impl->device = torch::Device(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU);
  auto prepared =
      detail::loadTrainedModel(*config, int(impl->classes.size()), impl->checkpoint, impl->device);
  if (!prepared) return prepared.error();
  impl->prepared = std::move(*prepared);
  impl->task = impl->prepared.architecture && impl->prepared.architecture->input == InputKind::Text
                   ? TaskKind::TextClassification
                   : TaskKind::ImageClassification;
  impl->epoch = checkpointEpochOf(impl->checkpoint);
  return std::unique_ptr<Predictor>(new Predictor(std::move(impl)));
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
  std::vector<TextSample> samples;
  samples.reserve(size_t(texts.size()));
  for (const QString& text : texts) samples.push_back({text, 0, 0});
  return rowsOf(detail::textProbabilities(d->prepared, samples, kPredictBatch, d->device));
}

Result<std::vector<std::vector<double>>> Predictor::predictImages(const QStringList& paths,
                                                                  QStringList* failures) {
  if (d->task != TaskKind::ImageClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies texts, not images."),
                 QStringLiteral("Give it texts."));
  std::vector<ImageSample> samples;
  samples.reserve(size_t(paths.size()));
  for (const QString& path : paths) samples.push_back(ImageSample{path, 0});
  if (failures) *failures = QStringList(paths.size(), QString());
  // Where each path is in the list (a path given twice fails twice, with the same reason).
  QHash<QString, QList<int>> positions;
  if (failures)
    for (int i = 0; i < int(paths.size()); ++i) positions[paths[i]].append(i);
  auto rows = rowsOf(detail::imageProbabilities(d->prepared, samples, kPredictBatch, 0, d->device,
                                                [&](const QStringList& failed, const QStringList& reasons) {
                                                  if (!failures) return;
                                                  for (int i = 0; i < failed.size(); ++i)
                                                    for (int index : positions.value(failed[i]))
                                                      (*failures)[index] = reasons.value(i);
                                                }));
  return rows;
}

}  // namespace attune
