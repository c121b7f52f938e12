#pragma once
// What a finished (or stopped) run left in its folder, read back for the run history and the run
// report: its exact settings (config.json), the data it saw (counts per class and the data version,
// a hash of every example and its label), its epoch curves (metrics.csv) and which checkpoints exist.

#include "core/common/Result.h"
#include "core/project/Project.h"
#include "core/project/TrainingConfig.h"

#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace attune {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double trainLoss = 0.0;
  double trainAccuracy = 0.0;  // in [0, 1]
  double valLoss = 0.0;
  double valAccuracy = 0.0;  // in [0, 1]
  double elapsedMs = 0.0;
};

struct SavedRun {
  QString id;
  QString directory;  // absolute
  QString projectName;
  QString startedAt;  // ISO 8601, UTC
  TaskKind task = TaskKind::ImageClassification;
  TrainingConfig config;
  QStringList classes;
  std::vector<int> trainClassCounts;  // per class; empty for runs written before Attune recorded them
  std::vector<int> valClassCounts;
  int trainCount = 0;
  int valCount = 0;
  QString dataVersion;  // empty for runs written before Attune recorded it
  QString device;
  std::vector<EpochRecord> epochs;  // in order; a k-fold run keeps its epochs in its folds' folders
  QStringList folds;                // k-fold: the folds' folder names ("fold-1", ...)
  bool hasBestCheckpoint = false;
  bool hasLastCheckpoint = false;
  // Every setting as a dotted key and its value as text ("optim.lr_head" -> "0.001"), sorted by key.
  std::vector<std::pair<QString, QString>> settings;

  // The epoch whose weights best.safetensors holds, by the training loop's rule on the monitored
  // validation figure (accuracy ties go to the lower loss); 0 when no epoch finished.
  int bestEpoch() const;
  const EpochRecord* epoch(int number) const;
};

// Reads runs/<id>/ (config.json must be there and readable; metrics.csv may be missing or cut short
// by a crash: the rows that parse are kept).
Result<SavedRun> readSavedRun(const QString& directory);

// Every run folder of the project, newest first. Folders that are not runs, or whose config.json is
// damaged, are listed in `skipped` with the reason.
std::vector<SavedRun> savedRunsOf(const Project& project, QStringList* skipped = nullptr);

struct SettingDifference {
  QString key;
  QString first;   // empty: the first run has no such setting
  QString second;  // empty: the second run has no such setting
};

// The settings in which two runs differ, plus the data version when it differs.
std::vector<SettingDifference> settingDifferences(const SavedRun& first, const SavedRun& second);

}  // namespace attune
