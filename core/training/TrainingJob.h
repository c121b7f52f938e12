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

#include <optional>
#include <vector>

namespace attune {

// An earlier run's model that a new run starts from (continue training from a picked epoch).
struct StartPoint {
  QString runId;
  int epoch = 0;
  QString checkpoint;   // absolute
  QStringList classes;  // the classes of that model: the head is kept only when they are the job's
};

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
  // Set: the model starts from this earlier run's model (all of it when the classes are the same,
  // else all but the new layer) instead of from the pre-trained weights alone.
  std::optional<StartPoint> startFrom;
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

// A new run with the project's settings and data whose model starts from run `run`'s model of
// `checkpoint` ("best", "last" or an epoch number): training continues from a picked epoch, as a
// new run. Errors: no such run or kept model, or the project's model is of another architecture.
Result<TrainingJob> prepareContinuedJob(const Project& project, const QString& run,
                                        const QString& checkpoint);

}  // namespace attune

namespace attune {

// Adds the run to the project's run history, or updates its entry when it was resumed (the caller
// saves the project).
void recordRun(Project& project, const RunSummary& summary, const QString& startedAt);

}  // namespace attune
