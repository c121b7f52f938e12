#include "core/project/Project.h"

#include "core/common/JsonFields.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFileInfo>

namespace attune {
namespace {

using nlohmann::json;
namespace jf = json_fields;

// Relative when the target lies under the project folder or next to it, so a project folder can be
// moved or shared as a whole; absolute otherwise.
QString portablePath(const QString& absolute, const QString& directory) {
  if (absolute.isEmpty()) return {};
  // cleanPath: relativeFilePath() gives "../" for the parent folder and "../../" for the one above.
  const QString relative = QDir::cleanPath(QDir(directory).relativeFilePath(absolute));
  if (QDir::isAbsolutePath(relative) || relative.section(QLatin1Char('/'), 0, 1) == QLatin1String("../.."))
    return absolute;
  return relative;
}

QString resolvePath(const QString& stored, const QString& directory) {
  if (stored.isEmpty()) return {};
  return QDir::cleanPath(QDir(directory).absoluteFilePath(stored));
}

// The "task" value of the project file.
const char* taskKey(TaskKind task) {
  return task == TaskKind::TextClassification ? "text_classification" : "image_classification";
}

constexpr std::pair<RunStatus, const char*> kRunStatusNames[] = {
    {RunStatus::Finished, "finished"}, {RunStatus::Stopped, "stopped"}, {RunStatus::Failed, "failed"}};

Result<RunRecord> runFromJson(const json& object, const QString& path, const QString& directory) {
  if (!object.is_object()) return jf::typeError(path, "an object ({...})");
  RunRecord run;
  QString status = QStringLiteral("finished");
  QString checkpoint;
  for (const auto& status_ :
       {jf::read(object, "id", path, run.id), jf::read(object, "started_at", path, run.startedAt),
        jf::read(object, "status", path, status),
        jf::read(object, "epochs_completed", path, run.epochsCompleted),
        jf::read(object, "best_epoch", path, run.bestEpoch),
        jf::read(object, "best_val_accuracy", path, run.bestValAccuracy),
        jf::read(object, "best_checkpoint", path, checkpoint),
        jf::read(object, "message", path, run.message)}) {
    if (!status_) return status_.error();
  }
  bool known = false;
  for (const auto& [value, name] : kRunStatusNames) {
    if (status == QLatin1String(name)) {
      run.status = value;
      known = true;
    }
  }
  if (!known) return jf::typeError(jf::joinPath(path, "status"), "finished, stopped or failed");
  run.bestCheckpoint = resolvePath(checkpoint, directory);
  return run;
}

}  // namespace

QString Project::directory() const {
  return filePath.isEmpty() ? QDir::currentPath() : QFileInfo(filePath).absolutePath();
}

QString Project::runsDirectory() const {
  return QDir(directory()).filePath(QStringLiteral("runs"));
}

json Project::toJson(const QString& dir) const {
  json out;
  out["format_version"] = kFormatVersion;
  out["name"] = name.toStdString();
  out["task"] = taskKey(task);
  if (task == TaskKind::TextClassification) {
    out["data"] = {
        {"table", portablePath(data.table, dir).toStdString()},
        {"table_format", data.tableFormat ? json(toString(*data.tableFormat).toStdString()) : json()},
        {"text_column", data.textColumn.toStdString()},
        {"label_column", data.labelColumn.toStdString()},
        {"val_fraction", data.valFraction},
        {"split_seed", data.splitSeed}};
  } else {
    out["data"] = {{"folder", portablePath(data.folder, dir).toStdString()},
                   {"val_fraction", data.valFraction},
                   {"split_seed", data.splitSeed}};
  }
  json classList = json::array();
  for (const auto& c : classes) classList.push_back(c.toStdString());
  out["classes"] = classList;
  json configJson = config.toJson();
  configJson["model"]["weights"] =
      (isCatalogReference(config.weightsPath) ? config.weightsPath : portablePath(config.weightsPath, dir))
          .toStdString();
  out["config"] = configJson;
  json runList = json::array();
  for (const auto& run : runs) {
    json r = {{"id", run.id.toStdString()},
              {"started_at", run.startedAt.toStdString()},
              {"status", toString(run.status).toStdString()},
              {"epochs_completed", run.epochsCompleted},
              {"best_epoch", run.bestEpoch},
              {"best_val_accuracy", run.bestValAccuracy},
              {"best_checkpoint", portablePath(run.bestCheckpoint, dir).toStdString()},
              {"message", run.message.toStdString()}};
    runList.push_back(r);
  }
  out["runs"] = runList;
  return out;
}

Result<Project> Project::fromJson(const json& document, const QString& dir) {
  if (!document.is_object()) return jf::typeError(QStringLiteral("The project file"), "a JSON object");
  Project project;
  if (auto s = jf::read(document, "name", {}, project.name); !s) return s.error();
  QString task = QString::fromUtf8(taskKey(TaskKind::ImageClassification));
  if (auto s = jf::read(document, "task", {}, task); !s) return s.error();
  if (task == QLatin1String(taskKey(TaskKind::TextClassification)))
    project.task = TaskKind::TextClassification;
  else if (task != QLatin1String(taskKey(TaskKind::ImageClassification)))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("task '%1' is not known to this version of Attune.").arg(task),
                 QStringLiteral("Update Attune to open this project."));

  auto dataObject = jf::object(document, "data", {});
  if (!dataObject) return dataObject.error();
  if (const json* d = *dataObject) {
    const QString path = QStringLiteral("data");
    QString folder, table, tableFormat;
    for (const auto& s : {jf::read(*d, "folder", path, folder), jf::read(*d, "table", path, table),
                          jf::read(*d, "table_format", path, tableFormat),
                          jf::read(*d, "text_column", path, project.data.textColumn),
                          jf::read(*d, "label_column", path, project.data.labelColumn),
                          jf::read(*d, "val_fraction", path, project.data.valFraction),
                          jf::read(*d, "split_seed", path, project.data.splitSeed)}) {
      if (!s) return s.error();
    }
    project.data.folder = resolvePath(folder, dir);
    project.data.table = resolvePath(table, dir);
    if (!tableFormat.isEmpty()) {
      project.data.tableFormat = textTableFormatFromString(tableFormat);
      if (!project.data.tableFormat)
        return jf::typeError(QStringLiteral("data.table_format"), "csv, tsv, jsonl or json");
    }
  }
  if (!(project.data.valFraction > 0.0 && project.data.valFraction < 1.0))
    return Error(ErrorCode::BadValue, QStringLiteral("data.val_fraction must be between 0 and 1."),
                 QStringLiteral("A value such as 0.2 keeps a fifth of each class for validation."));

  if (auto it = document.find("classes"); it != document.end() && !it->is_null()) {
    if (!it->is_array()) return jf::typeError(QStringLiteral("classes"), "a list of names");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& entry = (*it)[i];
      if (!entry.is_string()) return jf::typeError(QStringLiteral("classes[%1]").arg(i), "text");
      project.classes << QString::fromStdString(entry.get<std::string>());
    }
  }

  if (auto it = document.find("config"); it != document.end() && !it->is_null()) {
    auto config = TrainingConfig::fromJson(*it, QStringLiteral("config"));
    if (!config) return config.error();
    project.config = std::move(config.value());
    if (!isCatalogReference(project.config.weightsPath))
      project.config.weightsPath = resolvePath(project.config.weightsPath, dir);
  }

  if (auto it = document.find("runs"); it != document.end() && !it->is_null()) {
    if (!it->is_array()) return jf::typeError(QStringLiteral("runs"), "a list");
    for (size_t i = 0; i < it->size(); ++i) {
      auto run = runFromJson((*it)[i], QStringLiteral("runs[%1]").arg(i), dir);
      if (!run) return run.error();
      project.runs.push_back(std::move(run.value()));
    }
  }
  return project;
}

QString toString(TaskKind task) {
  return task == TaskKind::TextClassification ? QStringLiteral("text classification")
                                              : QStringLiteral("image classification");
}

QString toString(RunStatus status) {
  for (const auto& [value, name] : kRunStatusNames)
    if (value == status) return QString::fromUtf8(name);
  return {};
}

}  // namespace attune
