#pragma once
// A trained model taken out of its project: one folder that Attune (attune-cli predict EXPORT_DIR,
// Predictor::openExport) and other tools can load without the project, its data or its runs.
//
//   model.safetensors     every tensor of the chosen checkpoint (the new head included), unchanged:
//                         torchvision parameter names for the catalog's image models
//   attune-export.json    what the model is: format and version, task, classes, the run's exact
//                         settings, preprocessing, where it came from and how it scored
//   labels.txt            the classes, one per line, in the model's output order
//   base/                 the files a text or Keras model is built from (BERT's configuration and
//                         tokenizer, the word list, the Keras topology); absent for the catalog's
//                         image models
//   README.txt            the above in plain words
//
// The folder is written under a temporary name next to the destination and renamed into place, so a
// failed export (a full disk) leaves nothing half-written.

#include "core/common/Result.h"
#include "core/eval/ModelExportFormat.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

namespace attune {

struct ModelExportRequest {
  QString run;                                  // as runDirectoryOf: empty for the latest run with a model
  QString checkpoint = QStringLiteral("best");  // "best", "last" or an epoch number
  QString outDirectory;                         // must not exist yet, or be an empty folder
};

struct ModelExport {
  QString directory;  // absolute
  QString runId;
  int epoch = 0;  // the epoch the exported model was saved after (0: unknown)
  QStringList classes;
  QStringList files;  // written, relative to `directory`
  qint64 bytes = 0;   // in all
};

// Exports the chosen checkpoint of a run of `project` (a k-fold run: its best fold's). Errors, each
// with what to do: no such run or checkpoint, a destination that is a file or a folder with files in
// it, the base files of a text or Keras model gone, a write that fails (full disk, no permission).
Result<ModelExport> exportModel(const Project& project, const ModelExportRequest& request);

// Whether `directory` holds an Attune model export (its attune-export.json).
bool isModelExport(const QString& directory);

}  // namespace attune
