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
// Formats add to that folder, so that Attune and the parity check always have the model itself:
//   onnx          model.onnx: the whole classifier for ONNX Runtime and other ONNX tools (inputs,
//                 outputs, opset, preprocessing and class names in its metadata: detail/OnnxModel.h)
//   huggingface   (BERT and DistilBERT) config.json with the classes (architectures, num_labels,
//                 id2label, label2id, problem_type) and the tokenizer files at the top of the folder:
//                 Hugging Face Transformers loads it with AutoModelForSequenceClassification and
//                 AutoTokenizer.from_pretrained(folder); model.safetensors already has its names
//
// The folder is written under a temporary name next to the destination and renamed into place, so a
// failed export (a full disk) leaves nothing half-written.

#include "core/common/Result.h"
#include "core/eval/ModelExportFormat.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace attune {

enum class ModelExportFormat { Safetensors, Onnx, HuggingFace };

// "safetensors", "onnx", "huggingface"; nullopt for anything else.
std::optional<ModelExportFormat> modelExportFormatFrom(const QString& name);
QString nameOf(ModelExportFormat format);
// Who can use a format, in one plain sentence (the export dialog shows it).
QString audienceOf(ModelExportFormat format);
// Whether `format` is offered for a model of `architecture` (Hugging Face: BERT and DistilBERT only).
bool formatFits(ModelExportFormat format, const QString& architecture);

struct ModelExportRequest {
  QString run;                                  // as runDirectoryOf: empty for the latest run with a model
  QString checkpoint = QStringLiteral("best");  // "best", "last" or an epoch number
  QString outDirectory;                         // must not exist yet, or be an empty folder
  ModelExportFormat format = ModelExportFormat::Safetensors;
};

struct ModelExport {
  QString directory;     // absolute
  QString runDirectory;  // the run (or fold) whose model it is, absolute
  QString checkpoint;    // which checkpoint of the run it was made from: "best", "last" or an epoch
  ModelExportFormat format = ModelExportFormat::Safetensors;
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
