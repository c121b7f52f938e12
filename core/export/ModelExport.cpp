#include "core/export/ModelExport.h"

#include "core/common/AtomicFile.h"
#include "core/common/EngineBoundary.h"
#include "core/common/Version.h"
#include "core/data/ImageTransform.h"
#include "core/eval/Evaluation.h"
#include "core/eval/Predictor.h"
#include "core/eval/SavedRun.h"
#include "core/models/Architecture.h"
#include "core/training/RunCheckpoints.h"
#include "core/training/detail/EngineFault.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>

#include <signal.h>

#include <algorithm>
#include <cerrno>

namespace attune {
namespace {

constexpr char kBaseFolder[] = "base";

Error writeFailed(const QString& path, const QString& reason) {
  const QStorageInfo storage(QFileInfo(path).absolutePath());
  const bool nearlyFull = storage.isValid() && storage.bytesAvailable() < 64LL * 1024 * 1024;
  return Error(ErrorCode::FileUnwritable,
               QStringLiteral("Could not write %1 (%2).").arg(QDir::toNativeSeparators(path), reason),
               nearlyFull
                   ? QStringLiteral("The disk is full: free some space or export to another disk.")
                   : QStringLiteral("Check that the folder can be written to and the disk is not full."));
}

// Copies `from` to `to` (which must not exist), adding its size to `bytes`.
Status copyFile(const QString& from, const QString& to, qint64& bytes) {
  QFile source(from);
  if (!source.exists())
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("%1 is no longer there.").arg(QDir::toNativeSeparators(from)),
                 QStringLiteral("Put it back, or train the model again."));
  // Through AtomicFile, so that every byte of the copy is checked and on the disk.
  if (auto copied = AtomicFile::copyFile(from, to); !copied) return copied;
  bytes += QFileInfo(to).size();
  return {};
}

Status writeBytes(const QString& path, const QByteArray& content, qint64& bytes) {
  if (auto written = AtomicFile::writeFile(path, content); !written) return written;
  bytes += content.size();
  return {};
}

// The files a text or Keras model is built from, copied under base/: `weightsPath` rewritten to where
// the copy is, relative to the export folder. The catalog's image models need none (the checkpoint
// holds every tensor): their weights path becomes empty.
Result<QString> copyBaseFiles(const QString& architecture, const QString& weightsPath, const QString& into,
                              ModelExport& exported) {
  if (!needsItsPretrainedFiles(architecture) || weightsPath.isEmpty()) return QString();
  const QFileInfo info(weightsPath);
  if (!info.exists())
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("The model was built from %1, which is no longer there.")
                     .arg(QDir::toNativeSeparators(weightsPath)),
                 QStringLiteral("Put the pre-trained files back where they were, then export again."));
  QDir base(into);
  if (!base.mkpath(QLatin1String(kBaseFolder)))
    return writeFailed(base.filePath(QLatin1String(kBaseFolder)), {});
  base.cd(QLatin1String(kBaseFolder));
  if (architecture == QLatin1String(kWordVectorArchitecture)) {
    const QString name = info.fileName();
    if (auto copied = copyFile(info.absoluteFilePath(), base.filePath(name), exported.bytes); !copied)
      return copied.error();
    exported.files << QStringLiteral("%1/%2").arg(QLatin1String(kBaseFolder), name);
    return QStringLiteral("%1/%2").arg(QLatin1String(kBaseFolder), name);
  }
  // A model folder (BERT, DistilBERT, TF.js), or a TF.js model file with its shards beside it.
  const QDir folder(info.isDir() ? info.absoluteFilePath() : info.absolutePath());
  const QString folderName = folder.dirName();
  if (!base.mkpath(folderName)) return writeFailed(base.filePath(folderName), {});
  // BERT and DistilBERT: the configuration and the tokenizer, not the pre-trained weights (the
  // checkpoint replaces every one of them).
  const bool transformer = architecture == QLatin1String(kBertArchitecture) ||
                           architecture == QLatin1String(kDistilBertArchitecture);
  const QStringList transformerFiles = {
      QStringLiteral("config.json"), QStringLiteral("vocab.txt"), QStringLiteral("tokenizer.json"),
      QStringLiteral("tokenizer_config.json"), QStringLiteral("special_tokens_map.json")};
  for (const QFileInfo& file : folder.entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name)) {
    if (transformer && !transformerFiles.contains(file.fileName())) continue;
    if (auto copied = copyFile(file.absoluteFilePath(), base.filePath(folderName + '/' + file.fileName()),
                               exported.bytes);
        !copied)
      return copied.error();
    exported.files << QStringLiteral("%1/%2/%3").arg(QLatin1String(kBaseFolder), folderName, file.fileName());
  }
  const QString relative = QStringLiteral("%1/%2").arg(QLatin1String(kBaseFolder), folderName);
  return info.isDir() ? relative : relative + '/' + info.fileName();
}

nlohmann::json inputOf(const SavedRun& run) {
  nlohmann::json input;
  if (run.task == TaskKind::TextClassification) {
    input["kind"] = "text";
    input["max_tokens"] = run.config.maxTokens;
    return input;
  }
  const ArchitectureInfo* architecture = findArchitecture(run.config.architecture);
  const int size = run.config.inputSize.value_or(architecture ? architecture->inputSize : 224);
  const Normalization normalization = architecture ? architecture->normalization : Normalization{};
  input["kind"] = "image";
  input["size"] = size;
  input["resize_shorter_side_to"] = evaluationResizeSide(size);
  input["crop"] = "center";
  input["channels"] = "RGB";
  input["layout"] = "NCHW";
  input["scale"] = "pixel / 255";
  input["mean"] = {normalization.mean[0], normalization.mean[1], normalization.mean[2]};
  input["std"] = {normalization.std[0], normalization.std[1], normalization.std[2]};
  return input;
}

QByteArray readmeOf(const SavedRun& run, const ModelExport& exported) {
  const bool texts = run.task == TaskKind::TextClassification;
  QString text = QStringLiteral(
                     "This folder is a model trained with Attune %1: it tells %2 apart (%3).\n\n"
                     "It came from run %4 of the project \"%5\", as it was after epoch %6.\n\n"
                     "Files:\n"
                     "  model.safetensors   the model's numbers (safetensors format)\n"
                     "  attune-export.json  what the model is, how it reads its input, where it came from\n"
                     "  labels.txt          the classes, in the order of the model's outputs\n")
                     .arg(attuneVersion(), texts ? QStringLiteral("texts") : QStringLiteral("images"),
                          exported.classes.join(QStringLiteral(", ")), exported.runId, run.projectName)
                     .arg(exported.epoch);
  if (std::any_of(exported.files.begin(), exported.files.end(),
                  [](const QString& f) { return f.startsWith(QStringLiteral("base/")); }))
    text += QStringLiteral("  base/               the files the model is built from (its vocabulary)\n");
  if (exported.files.contains(QStringLiteral("model.onnx")))
    text += QStringLiteral(
        "  model.onnx          the same model for ONNX Runtime and other ONNX tools (opset 17); its\n"
        "                      metadata holds the class names and how to prepare the input\n");
  if (exported.files.contains(QStringLiteral("config.json")))
    text += QStringLiteral(
        "  config.json, tokenizer files   the model for Hugging Face Transformers (with "
        "model.safetensors)\n");
  text += QStringLiteral(
      "\nTo use it:\n"
      "  attune-cli predict THIS_FOLDER INPUT...\n");
  if (exported.files.contains(QStringLiteral("model.onnx")))
    text += QStringLiteral(
        "  Python: onnxruntime.InferenceSession(\"model.onnx\").run([\"probabilities\"], {...})\n");
  if (exported.files.contains(QStringLiteral("config.json")))
    text += QStringLiteral(
        "  Python: transformers.AutoModelForSequenceClassification.from_pretrained(THIS_FOLDER)\n"
        "          transformers.AutoTokenizer.from_pretrained(THIS_FOLDER)\n");
  return text.toUtf8();
}

// The tokenizer files of a BERT or DistilBERT folder that Hugging Face's AutoTokenizer reads.
const QStringList& tokenizerFiles() {
  static const QStringList files = {QStringLiteral("vocab.txt"), QStringLiteral("tokenizer.json"),
                                    QStringLiteral("tokenizer_config.json"),
                                    QStringLiteral("special_tokens_map.json")};
  return files;
}

Result<nlohmann::json> readJsonFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error(
        ErrorCode::FileNotFound, QStringLiteral("%1 cannot be read.").arg(QDir::toNativeSeparators(path)),
        QStringLiteral("Put the pre-trained model's files back where they were, then export again."));
  try {
    return nlohmann::json::parse(file.readAll().toStdString());
  } catch (const nlohmann::json::exception&) {
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("%1 is not valid JSON.").arg(QDir::toNativeSeparators(path)),
                 QStringLiteral("Put the pre-trained model's original files back, then export again."));
  }
}

// The Hugging Face files at the top of the folder: config.json (the pre-trained model's, with the
// classes) and the tokenizer, whose longest input becomes the run's max_tokens.
Status writeHuggingFaceFiles(const QDir& into, const SavedRun& run, ModelExport& exported) {
  const QFileInfo weights(run.config.weightsPath);
  const QDir source(weights.isDir() ? weights.absoluteFilePath() : weights.absolutePath());
  auto config = readJsonFile(source.filePath(QStringLiteral("config.json")));
  if (!config) return config.error();
  const bool distil = run.config.architecture == QLatin1String(kDistilBertArchitecture);
  (*config)["architectures"] = {distil ? "DistilBertForSequenceClassification"
                                       : "BertForSequenceClassification"};
  (*config)["num_labels"] = run.classes.size();
  nlohmann::json id2label = nlohmann::json::object(), label2id = nlohmann::json::object();
  for (int i = 0; i < run.classes.size(); ++i) {
    id2label[std::to_string(i)] = run.classes[i].toStdString();
    label2id[run.classes[i].toStdString()] = i;
  }
  (*config)["id2label"] = id2label;
  (*config)["label2id"] = label2id;
  (*config)["problem_type"] = "single_label_classification";
  if (auto written = writeBytes(into.filePath(QStringLiteral("config.json")),
                                QByteArray::fromStdString(config->dump(2)) + '\n', exported.bytes);
      !written)
    return written;
  exported.files << QStringLiteral("config.json");
  bool hasTokenizerConfig = false;
  for (const QString& name : tokenizerFiles()) {
    const QString from = source.filePath(name);
    if (!QFileInfo(from).isFile()) continue;
    if (name == QLatin1String("tokenizer_config.json")) {
      hasTokenizerConfig = true;
      auto tokenizer = readJsonFile(from);
      if (!tokenizer) return tokenizer.error();
      (*tokenizer)["model_max_length"] = run.config.maxTokens;
      if (auto written = writeBytes(into.filePath(name), QByteArray::fromStdString(tokenizer->dump(2)) + '\n',
                                    exported.bytes);
          !written)
        return written;
    } else if (auto copied = copyFile(from, into.filePath(name), exported.bytes); !copied) {
      return copied;
    }
    exported.files << name;
  }
  if (!hasTokenizerConfig) {
    const nlohmann::json tokenizer = {{"model_max_length", run.config.maxTokens}};
    if (auto written = writeBytes(into.filePath(QStringLiteral("tokenizer_config.json")),
                                  QByteArray::fromStdString(tokenizer.dump(2)) + '\n', exported.bytes);
        !written)
      return written;
    exported.files << QStringLiteral("tokenizer_config.json");
  }
  return {};
}

// model.onnx, from the run's own model (the checkpoint being exported).
Status writeOnnxFile(const QDir& into, const SavedRun& run, const QString& modelDirectory,
                     const ModelExportRequest& request, const nlohmann::json& input, ModelExport& exported) {
  PredictorOptions options;
  options.checkpoint = request.checkpoint;
  auto predictor = Predictor::openRun(modelDirectory, options);
  if (!predictor) return predictor.error();
  nlohmann::json classes = nlohmann::json::array();
  for (const QString& name : run.classes) classes.push_back(name.toStdString());
  const bool texts = run.task == TaskKind::TextClassification;
  std::vector<std::pair<std::string, std::string>> metadata = {
      {"class_names", classes.dump()},
      {"preprocessing", input.dump()},
      {"inputs", texts ? "input_ids int64 [batch, sequence], attention_mask int64 [batch, sequence] (1: "
                         "token, 0: padding)"
                       : "pixel_values float32 [batch, 3, size, size]: RGB, scaled to 0..1, normalised with "
                         "mean and std"},
      {"outputs", "logits float32 [batch, classes], probabilities float32 [batch, classes] (softmax)"},
      {"architecture", run.config.architecture.toStdString()},
      {"run_id", exported.runId.toStdString()},
      {"epoch", std::to_string(exported.epoch)},
      {"attune_version", attuneVersion().toStdString()}};
  // A text model's tokenizer (BERT's vocab.txt and configuration, the word list) is in the folder too.
  nlohmann::json tokenizer = nlohmann::json::array();
  for (const QString& file : exported.files)
    if (file.startsWith(QLatin1String(kBaseFolder) + QLatin1Char('/')))
      tokenizer.push_back(file.toStdString());
  if (texts) metadata.emplace_back("tokenizer_files", tokenizer.dump());
  auto bytes = (*predictor)->onnxModel(metadata);
  if (!bytes) return bytes.error();
  if (auto written = writeBytes(into.filePath(QStringLiteral("model.onnx")), *bytes, exported.bytes);
      !written)
    return written;
  exported.files << QStringLiteral("model.onnx");
  return {};
}

// A fresh sibling of `destination` to write into.
QString stagingFolderFor(const QString& destination) {
  const QFileInfo info(destination);
  return info.absolutePath() +
         QStringLiteral("/.%1.partial-%2").arg(info.fileName()).arg(QCoreApplication::applicationPid());
}

// Removes the unfinished folders that exports of `destination` killed half way (kill -9, a power cut)
// left beside it: those of processes that no longer run.
void removeAbandonedStaging(const QString& destination) {
  const QFileInfo info(destination);
  const QString prefix = QStringLiteral(".%1.partial-").arg(info.fileName());
  const QDir parent(info.absolutePath());
  for (const QString& name : parent.entryList({prefix + QLatin1Char('*')}, QDir::Dirs | QDir::Hidden)) {
    bool isNumber = false;
    const qint64 pid = name.mid(prefix.size()).toLongLong(&isNumber);
    if (!isNumber || pid <= 0 || pid == QCoreApplication::applicationPid()) continue;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH) QDir(parent.filePath(name)).removeRecursively();
  }
}

Status checkDestination(const QString& destination) {
  const QFileInfo info(destination);
  if (destination.isEmpty())
    return Error(ErrorCode::BadValue, QStringLiteral("No folder was given to export the model to."),
                 QStringLiteral("Choose a new folder."));
  if (info.exists() && !info.isDir())
    return Error(ErrorCode::BadValue,
                 QStringLiteral("%1 is a file, not a folder.").arg(QDir::toNativeSeparators(destination)),
                 QStringLiteral("Choose a new folder to export the model to."));
  if (info.isDir() && !QDir(destination).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("%1 already has files in it.").arg(QDir::toNativeSeparators(destination)),
                 QStringLiteral("Choose an empty or a new folder, so that nothing in it is overwritten."));
  if (!QDir().mkpath(info.absolutePath()))
    return writeFailed(info.absolutePath(), QStringLiteral("cannot create the folder"));
  return {};
}

Result<ModelExport> writeExport(const QString& staging, const SavedRun& run, const QString& runId,
                                const QString& checkpoint, const Project& project,
                                const QString& modelDirectory, const ModelExportRequest& request) {
  ModelExport exported;
  exported.format = request.format;
  exported.runId = runId;
  exported.classes = run.classes;
  exported.epoch = checkpointEpochOf(checkpoint);
  if (!QDir().mkpath(staging)) return writeFailed(staging, QStringLiteral("cannot create the folder"));
  const QDir into(staging);

  if (auto copied = copyFile(checkpoint, into.filePath(QLatin1String(kModelExportWeights)), exported.bytes);
      !copied)
    return copied.error();
  exported.files << QLatin1String(kModelExportWeights);
  detail::injectEngineFault(detail::EngineFaultSite::Export);
  auto base = copyBaseFiles(run.config.architecture, run.config.weightsPath, staging, exported);
  if (!base) return base.error();

  TrainingConfig config = run.config;
  config.weightsPath = *base;
  nlohmann::json manifest;
  manifest["format"] = "attune-export";
  manifest["format_version"] = kModelExportFormatVersion;
  manifest["task"] = run.task == TaskKind::TextClassification ? "text" : "image";
  manifest["architecture"] = config.architecture.toStdString();
  manifest["classes"] = nlohmann::json::array();
  for (const QString& name : run.classes) manifest["classes"].push_back(name.toStdString());
  manifest["weights"] = kModelExportWeights;
  manifest["export_format"] = nameOf(request.format).toStdString();
  if (request.format == ModelExportFormat::Onnx) manifest["onnx"] = {{"file", "model.onnx"}, {"opset", 17}};
  manifest["epoch"] = exported.epoch;
  manifest["input"] = inputOf(run);
  if (run.task == TaskKind::TextClassification)
    manifest["text_column"] = project.data.textColumn.toStdString();
  manifest["config"] = config.toJson();
  nlohmann::json source;
  source["project"] = run.projectName.toStdString();
  source["run_id"] = runId.toStdString();
  source["checkpoint"] = QFileInfo(checkpoint).fileName().toStdString();
  source["data_version"] = run.dataVersion.toStdString();
  source["device"] = run.device.toStdString();
  source["started_at"] = run.startedAt.toStdString();
  source["exported_at"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
  source["attune_version"] = attuneVersion().toStdString();
  manifest["source"] = source;
  if (const EpochRecord* record = run.epoch(exported.epoch))
    manifest["validation"] = {{"epoch", record->epoch},
                              {"accuracy", record->valAccuracy},
                              {"loss", record->valLoss},
                              {"examples", run.valCount}};

  if (request.format == ModelExportFormat::Onnx) {
    if (auto written = writeOnnxFile(into, run, modelDirectory, request, manifest["input"], exported);
        !written)
      return written.error();
  } else if (request.format == ModelExportFormat::HuggingFace) {
    if (auto written = writeHuggingFaceFiles(into, run, exported); !written) return written.error();
  }
  if (auto written = writeBytes(into.filePath(QLatin1String(kModelExportManifest)),
                                QByteArray::fromStdString(manifest.dump(2)) + '\n', exported.bytes);
      !written)
    return written.error();
  exported.files << QLatin1String(kModelExportManifest);
  if (auto written = writeBytes(into.filePath(QStringLiteral("labels.txt")),
                                run.classes.join('\n').toUtf8() + '\n', exported.bytes);
      !written)
    return written.error();
  exported.files << QStringLiteral("labels.txt");
  if (auto written =
          writeBytes(into.filePath(QStringLiteral("README.txt")), readmeOf(run, exported), exported.bytes);
      !written)
    return written.error();
  exported.files << QStringLiteral("README.txt");
  return exported;
}

}  // namespace

std::optional<ModelExportFormat> modelExportFormatFrom(const QString& name) {
  for (auto format :
       {ModelExportFormat::Safetensors, ModelExportFormat::Onnx, ModelExportFormat::HuggingFace})
    if (name == nameOf(format)) return format;
  return std::nullopt;
}

QString nameOf(ModelExportFormat format) {
  switch (format) {
    case ModelExportFormat::Safetensors:
      return QStringLiteral("safetensors");
    case ModelExportFormat::Onnx:
      return QStringLiteral("onnx");
    case ModelExportFormat::HuggingFace:
      return QStringLiteral("huggingface");
  }
  return {};
}

QString audienceOf(ModelExportFormat format) {
  switch (format) {
    case ModelExportFormat::Safetensors:
      return QStringLiteral(
          "For Attune on another computer, and for PyTorch users (torchvision loads the weights).");
    case ModelExportFormat::Onnx:
      return QStringLiteral(
          "For web services, phone apps and other programs: ONNX Runtime runs it from Python, C++, C#, Java "
          "and "
          "JavaScript.");
    case ModelExportFormat::HuggingFace:
      return QStringLiteral(
          "For Python users of Hugging Face Transformers: two lines load the model and its tokenizer.");
  }
  return {};
}

bool formatFits(ModelExportFormat format, const QString& architecture) {
  if (format != ModelExportFormat::HuggingFace) return true;
  return architecture == QLatin1String(kBertArchitecture) ||
         architecture == QLatin1String(kDistilBertArchitecture);
}

bool isModelExport(const QString& directory) {
  return QFileInfo(QDir(directory).filePath(QLatin1String(kModelExportManifest))).isFile();
}

Result<ModelExport> exportModel(const Project& project, const ModelExportRequest& request) {
  return guardEngine(QStringLiteral("Exporting the model"), [&]() -> Result<ModelExport> {
    auto runDirectory = runDirectoryOf(project, request.run);
    if (!runDirectory) return runDirectory.error();
    const QString modelDirectory = modelDirectoryOf(project, *runDirectory);
    // A k-fold run's model is its best fold's: "<run>/fold-N".
    const QString crossValidation = crossValidationRunOf(*runDirectory);
    QString runId = QFileInfo(crossValidation.isEmpty() ? *runDirectory : crossValidation).fileName();
    if (!crossValidation.isEmpty() && QDir::cleanPath(modelDirectory) != QDir::cleanPath(crossValidation))
      runId += '/' + QFileInfo(modelDirectory).fileName();
    auto run = readSavedRun(modelDirectory);
    if (!run) return run.error();
    auto checkpoint = runCheckpointFile(modelDirectory, runId, request.checkpoint);
    if (!checkpoint) return checkpoint.error();
    if (!formatFits(request.format, run->config.architecture))
      return Error(ErrorCode::BadValue,
                   QStringLiteral("A Hugging Face folder holds a BERT or DistilBERT model; this model is %1.")
                       .arg(run->config.architecture),
                   QStringLiteral("Export it as ONNX or as an Attune folder (safetensors) instead."));

    // Checked (and its parent made) only once there is something to export.
    if (auto checked = checkDestination(request.outDirectory); !checked) return checked.error();
    const QString destination = QFileInfo(request.outDirectory).absoluteFilePath();
    const QString staging = stagingFolderFor(destination);
    removeAbandonedStaging(destination);
    QDir(staging).removeRecursively();
    // Guarded here too, so that a failure leaves nothing of the unfinished folder.
    auto exported = guardEngine(QStringLiteral("Exporting the model"), [&] {
      return writeExport(staging, *run, runId, *checkpoint, project, modelDirectory, request);
    });
    if (!exported) {
      QDir(staging).removeRecursively();
      // The message names the folder the user chose, not the hidden one it was being written in.
      Error error = exported.error();
      error.message.replace(QDir::toNativeSeparators(staging), QDir::toNativeSeparators(destination));
      error.message.replace(staging, destination);
      return error;
    }
    // An empty destination folder is replaced by the finished export in one rename.
    if (QFileInfo(destination).isDir()) QDir().rmdir(destination);
    if (!QDir().rename(staging, destination)) {
      QDir(staging).removeRecursively();
      return writeFailed(destination, QStringLiteral("cannot rename the finished export into place"));
    }
    // The new name must reach the disk before the export is reported done.
    if (auto synced = syncFolderOf(destination); !synced) return synced.error();
    exported->directory = destination;
    exported->runDirectory = QFileInfo(modelDirectory).absoluteFilePath();
    exported->checkpoint = request.checkpoint;
    return exported;
  });
}

}  // namespace attune
