#pragma once
// What a trained model's own settings say, read without LibTorch: a run's config.json or an
// exported model's attune-export.json (its manifest). Predictor opens the model from what these
// return; the fuzz target fuzz_export_manifest feeds them hostile manifests.

#include "core/common/Result.h"
#include "core/project/TrainingConfig.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json_fwd.hpp>

namespace attune {

struct TrainedModelSettings {
  TrainingConfig config;
  QStringList classes;  // two or more
  QString runId;        // the run that trained it
};

// Reads `document` (a run's config.json, or a manifest after readModelExportManifest's checks):
// "config" (validated as a project's settings), "classes" (two or more names) and "run_id" (text;
// the folder's name of `origin` when absent). A relative pre-trained weights path is made absolute
// against `weightsBase` when that is given (an export names its base files relative to itself).
// Errors name `origin` and say what to do.
Result<TrainedModelSettings> readTrainedModelSettings(const nlohmann::json& document, const QString& origin,
                                                      const QString& weightsBase = {});

// Reads `runDirectory`/config.json (written by a training run) as above. Errors: no config.json (not
// a run), not a regular file or too large, damaged JSON, the errors above.
Result<TrainedModelSettings> readRunModelSettings(const QString& runDirectory);

struct ModelExportManifest {
  TrainedModelSettings settings;
  QString weightsFile;  // the export's checkpoint: a regular file inside the export's folder
};

// Reads `exportDirectory`/attune-export.json (written by exportModel). Errors: no manifest (not an
// export), not a regular file or too large, damaged JSON or nesting deeper than 64 levels, a field of
// the wrong type (naming it), not an Attune manifest, a newer format, a weights file named outside
// the folder or missing.
Result<ModelExportManifest> readModelExportManifest(const QString& exportDirectory);

}  // namespace attune
