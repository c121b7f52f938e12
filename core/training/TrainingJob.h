#pragma once
// Everything a run needs, copied out of the project so that the run never touches the document
// while the user keeps working on it.

#include "core/common/Result.h"
#include "core/data/DataReport.h"
#include "core/data/ImageSample.h"
#include "core/data/TextSample.h"
#include "core/project/Project.h"
#include "core/project/TrainingConfig.h"
#include "core/training/RunMetrics.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

struct TrainingJob {
  QString projectName;
  TrainingConfig config;  // config.weightsPath is absolute (or empty)
  QStringList classes;
  // Images (ImageClassification) or texts (TextClassification); the other pair stays empty.
  TaskKind task = TaskKind::ImageClassification;
  std::vector<ImageSample> trainSamples;
  std::vector<ImageSample> valSamples;
  std::vector<TextSample> trainTexts;
  std::vector<TextSample> valTexts;
  QString runsDir;  // absolute; the run writes runsDir/<run-id>/
  DataReport dataReport;
  // Set: continue the run in this folder (its state.json) instead of starting a new one.
  QString resumeRunDir;
  int fold = 0;  // k-fold: which fold this job trains (1-based; its metrics carry it); 0: a plain run
};

// The local file of a "catalog:<id>" weights reference for `architecture`. Errors: unknown id, weights
// made for another architecture, not on this computer yet (the hint says how to download them).
Result<QString> locateCatalogWeights(const QString& reference, const QString& architecture);

// Scans the project's image folder, splits it (seeded, stratified) and validates the settings.
// Errors say what to change: no folder chosen, too few images or classes, settings out of range,
// unknown architecture, weights file missing. A catalog reference becomes its local file
// (config.weightsPath of the job is always a path or empty).
Result<TrainingJob> prepareTrainingJob(const Project& project);

// The job that continues run `run` (its id, or its folder) of the project: the run's own config.json
// settings on the project's images (the run refuses to continue if they changed).
Result<TrainingJob> prepareResumedJob(const Project& project, const QString& run);

}  // namespace attune

namespace attune {

// Adds the run to the project's run history, or updates its entry when it was resumed (the caller
// saves the project).
void recordRun(Project& project, const RunSummary& summary, const QString& startedAt);

}  // namespace attune
