#pragma once
// The .attune document: what the user's project is (task, data, classes, settings, runs). In memory
// every path is absolute; on disk paths are stored relative to the project file (ProjectFile).

#include "core/common/TextTableFormat.h"
#include "core/project/TrainingConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace attune {

enum class TaskKind { ImageClassification, TextClassification };

// Where the examples come from: an image folder (image tasks) or a table file (text tasks).
struct DataSource {
  QString folder;                              // absolute: the image folder with one sub-folder per class
  QString table;                               // absolute: the CSV/TSV/JSONL/JSON file of a text task
  std::optional<TextTableFormat> tableFormat;  // none: from the table's extension
  QString textColumn;
  QString labelColumn;       // empty: no labels yet
  double valFraction = 0.2;  // share of each class held out for validation
  int splitSeed = 42;
};

enum class RunStatus { Finished, Stopped, Failed };

struct RunRecord {
  QString id;         // also the folder name under runs/
  QString startedAt;  // ISO 8601, UTC
  RunStatus status = RunStatus::Finished;
  int epochsCompleted = 0;
  int bestEpoch = 0;
  double bestValAccuracy = 0.0;
  QString bestCheckpoint;  // absolute; empty when no epoch completed
  QString message;         // why it stopped or failed
};

class Project {
 public:
  // Version 1: the 0.0 development layout (flat "data_folder", "val_fraction", "split_seed").
  // Version 2: a "data" object. Older files are migrated on load; newer ones are refused. Text
  // projects ("task": "text_classification") add optional keys to "data" (table, table_format,
  // text_column, label_column); image projects are written exactly as before.
  static constexpr int kFormatVersion = 2;

  QString filePath;  // absolute path of the .attune file; empty for a project never saved
  QString name;
  TaskKind task = TaskKind::ImageClassification;
  DataSource data;
  QStringList classes;
  TrainingConfig config;
  std::vector<RunRecord> runs;

  // The folder of the project file; the current folder for an unsaved project.
  QString directory() const;
  // runs/ next to the project file.
  QString runsDirectory() const;

  // Paths written relative to `directory` (when under it or a sibling; absolute otherwise).
  nlohmann::json toJson(const QString& directory) const;
  // Reads the current format; relative paths resolve against `directory`. Missing keys keep their
  // defaults; wrong types are errors naming the key's path.
  static Result<Project> fromJson(const nlohmann::json& json, const QString& directory);
};

QString toString(TaskKind task);
QString toString(RunStatus status);

}  // namespace attune
