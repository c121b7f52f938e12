#include "core/training/TrainingJob.h"

#include "core/common/EngineBoundary.h"
#include "core/common/FileRead.h"
#include "core/common/JsonFields.h"
#include "core/data/StratifiedSplit.h"
#include "core/data/TextDataset.h"
#include "core/data/TextTable.h"
#include "core/dataset/ProjectData.h"
#include "core/models/Architecture.h"
#include "core/project/Project.h"
#include "core/training/RunCheckpoints.h"
#include "core/training/RunMetrics.h"
#include "core/weights/CatalogWeights.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace attune {

Result<QString> locateCatalogWeights(const QString& reference, const QString& architecture) {
  const QString id = reference.mid(int(qstrlen(kCatalogScheme)));
  WeightLocator locator;
  auto lookup = lookUpCatalogWeights(id, locator);
  if (!lookup) return lookup.error();
  if (lookup->entry.architecture != architecture) {
    const ArchitectureInfo* info = findArchitecture(lookup->entry.architecture);
    return Error(
        ErrorCode::BadValue,
        QStringLiteral("The pre-trained weights %1 are for %2, but the model is %3.")
            .arg(lookup->entry.displayName, info ? info->displayName : lookup->entry.architecture,
                 findArchitecture(architecture) ? findArchitecture(architecture)->displayName : architecture),
        QStringLiteral("Choose weights made for the chosen model, or change the model."));
  }
  if (!lookup->local.found) {
    QString hint =
        QStringLiteral(
            "Download them first: the Download button under the weights, or attune-cli models --download %1")
            .arg(id);
    if (lookup->weights.approxSizeMb > 0)
      hint += QStringLiteral(" (about %1 MB)").arg(lookup->weights.approxSizeMb);
    if (!lookup->local.refused.isEmpty())
      hint += QStringLiteral(". Not used: ") + lookup->local.refused.join(u' ');
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("The pre-trained weights %1 are not on this computer yet.")
                     .arg(lookup->entry.displayName),
                 hint);
  }
  const QString path = lookup->local.found->path;
  const ArchitectureInfo* info = findArchitecture(architecture);
  if (!info || info->input != InputKind::Text || architecture == QLatin1String(kWordVectorArchitecture))
    return path;
  // A Hugging Face model is a folder: its config, weights and vocabulary side by side (a snapshot of
  // the Hugging Face cache, or Attune's folder for the repository).
  const QString folder = QFileInfo(lookup->local.found->namedPath).absolutePath();
  QStringList missing;  // needed files that are not in the folder
  bool tokenizerHere = false;
  QString tokenizerName;  // either tokenizer file will do (vocab.txt or tokenizer.json)
  for (const CatalogWeights& file : lookup->entry.weights) {
    const WeightLookup other = locateCatalogFile(locator, file);
    const bool here = other.found && QFileInfo(other.found->namedPath).absolutePath() == folder;
    if (file.format == u"vocab" || file.format == u"tokenizer") {
      tokenizerHere = tokenizerHere || here;
      if (tokenizerName.isEmpty()) tokenizerName = file.source.fileName;
    } else if (!here) {
      missing << file.source.fileName;
    }
  }
  if (!tokenizerHere && !tokenizerName.isEmpty()) missing << tokenizerName;
  if (!missing.isEmpty())
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("%1 of %2 is not next to its weights in %3.")
                     .arg(missing.join(QStringLiteral(", ")), lookup->entry.displayName, folder),
                 QStringLiteral("Download the model again: attune-cli models --download %1").arg(id));
  return folder;
}

namespace {

// The text project's table, read and split (seeded, stratified) like an image folder.
Result<TrainingJob> prepareTextJob(const Project& project, const QString& weightsPath) {
  if (project.data.table.isEmpty())
    return Error(ErrorCode::NotEnoughData, QStringLiteral("The project has no table of texts yet."),
                 QStringLiteral("Choose a CSV, TSV, JSONL or JSON file with a text and a label column."));
  auto dataset = readProjectTexts(project);
  if (!dataset) return dataset.error();
  if (dataset->classes.size() < 2)
    return Error(ErrorCode::NotEnoughData,
                 QStringLiteral("%1 has %2 labelled classes; training needs at least two.")
                     .arg(QFileInfo(project.data.table).fileName())
                     .arg(dataset->classes.size()),
                 QStringLiteral("Label texts of at least two classes."));
  const TextSplit split =
      splitTextDataset(*dataset, project.data.valFraction, static_cast<uint64_t>(project.data.splitSeed));
  if (split.train.empty() || split.val.empty())
    return Error(ErrorCode::NotEnoughData, QStringLiteral("Too few labelled texts to train and validate."),
                 QStringLiteral("Label at least two texts of each class."));

  TrainingJob job;
  job.projectName = project.name;
  job.task = TaskKind::TextClassification;
  job.config = project.config;
  job.config.weightsPath = weightsPath;
  job.classes = dataset->classes;
  job.trainTexts = split.train;
  job.valTexts = split.val;
  job.runsDir = project.runsDirectory();
  job.dataReport.classes = dataset->classes;
  job.dataReport.classCounts = dataset->classCounts();
  job.dataReport.warnings = dataset->warnings;
  return job;
}

}  // namespace

Result<TrainingJob> prepareTrainingJob(const Project& project) {
  return guardEngine(QStringLiteral("Preparing the run"), [&]() -> Result<TrainingJob> {
    const TrainingConfig& config = project.config;
    if (const QStringList problems = config.validate(); !problems.isEmpty())
      return Error(ErrorCode::BadValue, problems.join(QLatin1Char(' ')),
                   QStringLiteral("Change these settings and try again."));
    if (!findArchitecture(config.architecture))
      return Error(ErrorCode::BadValue, QStringLiteral("Unknown architecture '%1'.").arg(config.architecture),
                   QStringLiteral("Choose one of the listed models."));
    QString weightsPath = config.weightsPath;
    if (isCatalogReference(weightsPath)) {
      auto located = locateCatalogWeights(weightsPath, config.architecture);
      if (!located) return located.error();
      weightsPath = *located;
    } else if (!weightsPath.isEmpty() && !QFileInfo(weightsPath).exists())
      return Error(
          ErrorCode::FileNotFound,
          QStringLiteral("The pre-trained weights file %1 does not exist.").arg(config.weightsPath),
          QStringLiteral("Choose the weights file again, or clear it to train from random weights."));
    const ArchitectureInfo* architecture = findArchitecture(config.architecture);
    const bool textTask = project.task == TaskKind::TextClassification;
    if ((architecture->input == InputKind::Text) != textTask)
      return Error(
          ErrorCode::BadValue,
          QStringLiteral("%1 reads %2, but this project has %3.")
              .arg(architecture->displayName, textTask ? QStringLiteral("images") : QStringLiteral("texts"),
                   textTask ? QStringLiteral("texts") : QStringLiteral("images")),
          textTask ? QStringLiteral("Choose a text model: word_vectors, bert or distilbert.")
                   : QStringLiteral("Choose an image model such as resnet18."));
    if (textTask) return prepareTextJob(project, weightsPath);
    if (project.data.folder.isEmpty())
      return Error(ErrorCode::NotEnoughData, QStringLiteral("The project has no image folder yet."),
                   QStringLiteral("Choose a folder with one sub-folder of images per class."));

    auto folder = readProjectImages(project);
    if (!folder) return folder.error();

    std::vector<int> labels;
    labels.reserve(folder->samples.size());
    for (const auto& sample : folder->samples) labels.push_back(sample.label);
    const SplitIndices split =
        stratifiedSplit(labels, project.data.valFraction, static_cast<uint64_t>(project.data.splitSeed));

    TrainingJob job;
    job.projectName = project.name;
    job.config = config;
    job.config.weightsPath = weightsPath;
    job.classes = folder->classes;
    for (int i : split.train) job.trainSamples.push_back(folder->samples[size_t(i)]);
    for (int i : split.val) job.valSamples.push_back(folder->samples[size_t(i)]);
    job.runsDir = project.runsDirectory();
    job.dataReport = folder->report;
    return job;
  });
}

namespace {

// A run of the project (its id, or its folder) and its config.json, read.
struct SavedRunSettings {
  QString directory;
  QString runId;
  TrainingConfig config;
  QStringList classes;
};

Result<SavedRunSettings> readRunSettings(const Project& project, const QString& run) {
  QDir runsDir(project.runsDirectory());
  SavedRunSettings saved;
  saved.directory = QFileInfo(run).isDir() ? QFileInfo(run).absoluteFilePath() : runsDir.filePath(run);
  const QString configPath = QDir(saved.directory).filePath(QStringLiteral("config.json"));
  if (!QFileInfo::exists(configPath))
    return Error(ErrorCode::FileNotFound, QStringLiteral("There is no run %1 in this project.").arg(run),
                 QStringLiteral("Give a run id from the project's runs folder (%1).").arg(runsDir.path()));
  auto bytes = readRegularFile(configPath, kMaxSmallJsonBytes, QStringLiteral("the run's settings"));
  if (!bytes) return bytes.error();
  const auto document =
      nlohmann::json::parse(bytes->constData(), bytes->constData() + bytes->size(), nullptr, false);
  if (!document.is_object() || !document.contains("config") ||
      (document.contains("classes") && !document["classes"].is_array()))
    return Error(ErrorCode::BadFormat, QStringLiteral("The settings of run %1 are damaged.").arg(run),
                 QStringLiteral("Start a new run instead."));
  auto config = TrainingConfig::fromJson(document["config"], QStringLiteral("config"));
  if (!config) return config.error();
  saved.config = std::move(*config);
  saved.runId = QFileInfo(saved.directory).fileName();
  if (auto status = json_fields::read(document, "run_id", {}, saved.runId); !status)
    return json_fields::inFile(status.error(), configPath, QStringLiteral("Start a new run instead."));
  if (auto classes = document.find("classes"); classes != document.end())
    for (const auto& name : *classes)
      if (name.is_string()) saved.classes << QString::fromStdString(name.get<std::string>());
  return saved;
}

}  // namespace

Result<TrainingJob> prepareResumedJob(const Project& project, const QString& run) {
  return guardEngine(QStringLiteral("Preparing the run"), [&]() -> Result<TrainingJob> {
    auto saved = readRunSettings(project, run);
    if (!saved) return saved.error();
    const TrainingConfig* config = &saved->config;
    const QString& directory = saved->directory;
    if (config->folds > 1)
      return Error(ErrorCode::BadValue,
                   QStringLiteral("Run %1 is a cross-validation run; those cannot be resumed.").arg(run),
                   QStringLiteral("Start it again."));
    Project copy = project;
    copy.config = *config;
    auto job = prepareTrainingJob(copy);
    if (!job) return job.error();
    job->resumeRunDir = directory;
    return job;
  });
}

Result<TrainingJob> prepareContinuedJob(const Project& project, const QString& run,
                                        const QString& checkpoint) {
  return guardEngine(QStringLiteral("Preparing the run"), [&]() -> Result<TrainingJob> {
    auto saved = readRunSettings(project, run);
    if (!saved) return saved.error();
    const TrainingConfig* config = &saved->config;
    const QString& directory = saved->directory;
    StartPoint start;
    start.runId = saved->runId;
    start.classes = saved->classes;
    if (config->architecture != project.config.architecture) {
      const ArchitectureInfo* theirs = findArchitecture(config->architecture);
      const ArchitectureInfo* ours = findArchitecture(project.config.architecture);
      return Error(ErrorCode::BadValue,
                   QStringLiteral("Run %1 trained a %2 model; the project is set to %3.")
                       .arg(start.runId, theirs ? theirs->displayName : config->architecture,
                            ours ? ours->displayName : project.config.architecture),
                   QStringLiteral("Choose the run's model in the settings to continue from it."));
    }
    auto file = runCheckpointFile(directory, start.runId, checkpoint);
    if (!file) return file.error();
    start.checkpoint = QFileInfo(*file).absoluteFilePath();
    start.epoch = checkpointEpochOf(start.checkpoint);
    auto job = prepareTrainingJob(project);
    if (!job) return job.error();
    job->startFrom = std::move(start);
    return job;
  });
}

}  // namespace attune

namespace attune {

void recordRun(Project& project, const RunSummary& summary, const QString& startedAt) {
  RunRecord record;
  record.id = summary.runId;
  record.startedAt = startedAt;
  record.status = summary.outcome == RunOutcome::Finished  ? RunStatus::Finished
                  : summary.outcome == RunOutcome::Stopped ? RunStatus::Stopped
                                                           : RunStatus::Failed;
  record.epochsCompleted = summary.epochsCompleted;
  record.bestEpoch = summary.bestEpoch;
  record.bestValAccuracy = summary.bestValAccuracy;
  record.bestCheckpoint = summary.bestCheckpoint;
  record.message = summary.message;
  // A resumed run keeps its entry (and its start time).
  for (auto& existing : project.runs) {
    if (existing.id == record.id) {
      record.startedAt = existing.startedAt;
      existing = record;
      return;
    }
  }
  project.runs.push_back(record);
}

}  // namespace attune
