#include "core/eval/Predictor.h"
#include "core/common/BoundedJson.h"

#include "core/common/EngineBoundary.h"
#include "core/common/FileRead.h"
#include "core/common/JsonFields.h"
#include "core/eval/ModelExportFormat.h"
#include "core/training/RunCheckpoints.h"
#include "core/training/RunWriter.h"
#include "core/training/detail/EngineFault.h"
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

// Nesting these documents never need (they are a few levels deep): deeper text is refused unread.
constexpr int kMaxJsonDepth = 64;

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

Result<std::unique_ptr<Predictor>> Predictor::open(
    const nlohmann::json& document, const QString& origin,
    const std::function<Result<QString>(const QString&)>& checkpointOf, const QString& weightsBase) {
  const QString damaged = QStringLiteral("The settings of the model in %1 are damaged.").arg(origin);
  if (!document.is_object() || !document.contains("config") || !document.contains("classes") ||
      !document["classes"].is_array())
    return Error(ErrorCode::BadFormat, damaged, QStringLiteral("Train the model again."));
  auto config = TrainingConfig::fromJson(document["config"], QStringLiteral("config"));
  if (!config) return config.error();
  // An export names its base files relative to its own folder.
  if (!weightsBase.isEmpty() && !config->weightsPath.isEmpty() && QFileInfo(config->weightsPath).isRelative())
    config->weightsPath = QDir(weightsBase).filePath(config->weightsPath);
  auto impl = std::make_unique<Impl>();
  for (const auto& name : document["classes"]) {
    if (!name.is_string())
      return Error(ErrorCode::BadFormat,
                   QStringLiteral("The class list of the model in %1 is damaged.").arg(origin),
                   QStringLiteral("Train the model again."));
    impl->classes << QString::fromStdString(name.get<std::string>());
  }
  if (impl->classes.size() < 2)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The model in %1 has fewer than two classes.").arg(origin),
                 QStringLiteral("Train the model again."));
  impl->runId = QFileInfo(origin).fileName();
  if (auto status = json_fields::read(document, "run_id", {}, impl->runId); !status)
    return Error(ErrorCode::BadFormat, damaged + QLatin1Char(' ') + status.error().message,
                 QStringLiteral("Train the model again."));
  auto checkpoint = checkpointOf(impl->runId);
  if (!checkpoint) return checkpoint.error();
  impl->checkpoint = *checkpoint;
  if (needsItsPretrainedFiles(config->architecture) && !config->weightsPath.isEmpty() &&
      !QFileInfo::exists(config->weightsPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("The model of run %1 was built from %2, which is no longer there.")
                     .arg(impl->runId, config->weightsPath),
                 QStringLiteral("Put the pre-trained weights back where they were, or train again."));
  impl->device = detail::computeDevice();
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

Result<std::unique_ptr<Predictor>> Predictor::openRun(const QString& runDirectory,
                                                      const PredictorOptions& options) {
  return guardEngine(QStringLiteral("Opening the model"), [&]() -> Result<std::unique_ptr<Predictor>> {
    const QString configPath = QDir(runDirectory).filePath(QStringLiteral("config.json"));
    if (!QFileInfo::exists(configPath))
      return Error(ErrorCode::FileNotFound,
                   QStringLiteral("%1 is not a training run (it has no config.json).").arg(runDirectory),
                   QStringLiteral("Choose a run of the project's runs folder."));
    auto bytes = readRegularFile(configPath, kMaxSmallJsonBytes, QStringLiteral("the run's settings"));
    if (!bytes) return bytes.error();
    const auto document =
        parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
    return open(
        document, runDirectory,
        [&](const QString& runId) { return runCheckpointFile(runDirectory, runId, options.checkpoint); }, {});
  });
}

Result<std::unique_ptr<Predictor>> Predictor::openExport(const QString& exportDirectory) {
  return guardEngine(QStringLiteral("Opening the model"), [&]() -> Result<std::unique_ptr<Predictor>> {
    const QDir directory(exportDirectory);
    const QString manifestPath = directory.filePath(QLatin1String(kModelExportManifest));
    if (!QFileInfo::exists(manifestPath))
      return Error(ErrorCode::FileNotFound,
                   QStringLiteral("%1 is not an exported Attune model (it has no %2).")
                       .arg(exportDirectory, QLatin1String(kModelExportManifest)),
                   QStringLiteral("Choose the folder Attune exported the model to."));
    auto bytes = readRegularFile(manifestPath, kMaxSmallJsonBytes, QStringLiteral("the export's manifest"));
    if (!bytes) return bytes.error();
    auto document =
        parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
    const QString exportHint = QStringLiteral("Export the model again.");
    if (!document.is_object())
      return Error(
          ErrorCode::BadFormat,
          QStringLiteral("%1 in %2 is damaged.").arg(QLatin1String(kModelExportManifest), exportDirectory),
          exportHint);
    // Every field is read by type: a number where text belongs is an error naming the field.
    QString format, weights = QLatin1String(kModelExportWeights), runId;
    int64_t version = 0;
    for (Status status : {json_fields::require(document, "format", {}, format),
                          json_fields::require(document, "format_version", {}, version),
                          json_fields::read(document, "weights", {}, weights)}) {
      if (!status) return json_fields::inFile(status.error(), manifestPath, exportHint);
    }
    auto sourceObject = json_fields::object(document, "source", {});
    if (!sourceObject) return json_fields::inFile(sourceObject.error(), manifestPath, exportHint);
    const nlohmann::json* source = *sourceObject;
    if (source != nullptr)
      if (auto status = json_fields::read(*source, "run_id", QStringLiteral("source"), runId); !status)
        return json_fields::inFile(status.error(), manifestPath, exportHint);
    if (format != QLatin1String("attune-export"))
      return Error(ErrorCode::BadFormat,
                   QStringLiteral("%1 in %2 is not an Attune export manifest.")
                       .arg(QLatin1String(kModelExportManifest), exportDirectory),
                   exportHint);
    if (version > kModelExportFormatVersion)
      return Error(ErrorCode::NewerFormat,
                   QStringLiteral("The model in %1 was exported by a newer Attune.").arg(exportDirectory),
                   QStringLiteral("Update Attune to use it."));
    if (source != nullptr) document["run_id"] = runId.toStdString();
    return open(
        document, exportDirectory,
        [&](const QString&) -> Result<QString> {
          const QString path = directory.filePath(weights);
          if (QFileInfo(weights).isAbsolute() || weights.contains(QStringLiteral("..")) ||
              !QFileInfo::exists(path))
            return Error(ErrorCode::FileNotFound,
                         QStringLiteral("The exported model in %1 has lost its weights (%2).")
                             .arg(exportDirectory, weights),
                         QStringLiteral("Export the model again."));
          return path;
        },
        directory.absolutePath());
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
