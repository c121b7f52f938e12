#include "core/eval/TrainedModelFiles.h"

#include "core/common/BoundedJson.h"
#include "core/common/FileRead.h"
#include "core/common/JsonFields.h"
#include "core/eval/ModelExportFormat.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFileInfo>

namespace attune {
namespace {

// Nesting these documents never need (they are a few levels deep): deeper text is refused unread.
constexpr int kMaxJsonDepth = 64;

// `name` as a file directly or below `directory`, when it stays inside it and is a regular file.
QString fileInside(const QDir& directory, const QString& name) {
  if (name.isEmpty() || QFileInfo(name).isAbsolute() || name.contains(QLatin1String(".."))) return {};
  const QFileInfo file(directory.filePath(name));
  if (!file.isFile()) return {};
  // Links are followed: the file they lead to must be in the folder too.
  const QString base = directory.canonicalPath() + QLatin1Char('/');
  const QString target = file.canonicalFilePath();
  return target.startsWith(base) ? file.absoluteFilePath() : QString();
}

}  // namespace

Result<TrainedModelSettings> readTrainedModelSettings(const nlohmann::json& document, const QString& origin,
                                                      const QString& weightsBase) {
  const QString retrain = QStringLiteral("Train the model again.");
  const QString damaged = QStringLiteral("The settings of the model in %1 are damaged.").arg(origin);
  if (!document.is_object() || !document.contains("config") || !document.contains("classes") ||
      !document["classes"].is_array())
    return Error(ErrorCode::BadFormat, damaged, retrain);
  TrainedModelSettings settings;
  auto config = TrainingConfig::fromJson(document["config"], QStringLiteral("config"));
  if (!config) return config.error();
  settings.config = std::move(*config);
  // Values outside the settings' ranges (an image size of 0 or of a million pixels) never reach the
  // model builder.
  if (const QStringList problems = settings.config.validate(); !problems.isEmpty())
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The settings of the model in %1 are not valid: %2")
                     .arg(origin, problems.join(QLatin1Char(' '))),
                 retrain);
  if (!weightsBase.isEmpty() && !settings.config.weightsPath.isEmpty() &&
      QFileInfo(settings.config.weightsPath).isRelative())
    settings.config.weightsPath = QDir(weightsBase).filePath(settings.config.weightsPath);
  for (const auto& name : document["classes"]) {
    if (!name.is_string())
      return Error(ErrorCode::BadFormat,
                   QStringLiteral("The class list of the model in %1 is damaged.").arg(origin), retrain);
    settings.classes << QString::fromStdString(name.get<std::string>());
  }
  if (settings.classes.size() < 2)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The model in %1 has fewer than two classes.").arg(origin), retrain);
  settings.runId = QFileInfo(origin).fileName();
  if (auto status = json_fields::read(document, "run_id", {}, settings.runId); !status)
    return Error(ErrorCode::BadFormat, damaged + QLatin1Char(' ') + status.error().message, retrain);
  return settings;
}

Result<TrainedModelSettings> readRunModelSettings(const QString& runDirectory) {
  const QString configPath = QDir(runDirectory).filePath(QStringLiteral("config.json"));
  if (!QFileInfo::exists(configPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("%1 is not a training run (it has no config.json).").arg(runDirectory),
                 QStringLiteral("Choose a run of the project's runs folder."));
  auto bytes = readRegularFile(configPath, kMaxSmallJsonBytes, QStringLiteral("the run's settings"));
  if (!bytes) return bytes.error();
  const auto document =
      parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
  return readTrainedModelSettings(document, runDirectory);
}

Result<ModelExportManifest> readModelExportManifest(const QString& exportDirectory) {
  const QDir directory(exportDirectory);
  const QString manifestPath = directory.filePath(QLatin1String(kModelExportManifest));
  if (!QFileInfo::exists(manifestPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("%1 is not an exported Attune model (it has no %2).")
                     .arg(exportDirectory, QLatin1String(kModelExportManifest)),
                 QStringLiteral("Choose the folder Attune exported the model to."));
  auto bytes = readRegularFile(manifestPath, kMaxSmallJsonBytes, QStringLiteral("the export's manifest"));
  if (!bytes) return bytes.error();
  auto document = parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
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
  if (version < 1)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("%1 in %2 has format_version %3; Attune's exports start at 1.")
                     .arg(QLatin1String(kModelExportManifest), exportDirectory)
                     .arg(version),
                 exportHint);
  if (source != nullptr) document["run_id"] = runId.toStdString();
  ModelExportManifest manifest;
  auto settings = readTrainedModelSettings(document, exportDirectory, directory.absolutePath());
  if (!settings) return settings.error();
  manifest.settings = std::move(*settings);
  manifest.weightsFile = fileInside(directory, weights);
  if (manifest.weightsFile.isEmpty())
    return Error(
        ErrorCode::FileNotFound,
        QStringLiteral("The exported model in %1 has lost its weights (%2).").arg(exportDirectory, weights),
        exportHint);
  return manifest;
}

}  // namespace attune
