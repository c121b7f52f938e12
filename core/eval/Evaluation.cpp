#include "core/eval/Evaluation.h"

#include "core/common/EngineBoundary.h"
#include "core/common/FileRead.h"
#include "core/data/ImageFolderScanner.h"
#include "core/data/TextDataset.h"
#include "core/data/TextTable.h"
#include "core/dataset/ProjectData.h"
#include "core/eval/LabelMistakes.h"
#include "core/eval/SavedRun.h"
#include "core/training/RunWriter.h"
#include "core/training/TrainingJob.h"
#include "core/training/detail/EngineFault.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <unordered_map>

namespace attune {
namespace {

// The index of each of `found` in `classes` (-1: the run has no such class).
std::vector<int> classMap(const QStringList& found, const QStringList& classes) {
  std::vector<int> map;
  for (const QString& name : found) map.push_back(int(classes.indexOf(name)));
  return map;
}

void noteUnknownClasses(LabelledExamples& examples, const QStringList& found, const std::vector<int>& map,
                        const std::vector<int>& leftOut) {
  for (size_t c = 0; c < map.size(); ++c)
    if (map[c] < 0 && leftOut[c] > 0)
      examples.notes << QStringLiteral(
                            "Left out %1 examples of class '%2': the model does not know that class.")
                            .arg(leftOut[c])
                            .arg(found[qsizetype(c)]);
}

// The samples whose class the run knows, relabelled with the run's class indices; `add` puts one
// sample's item (and line) into the examples.
template <typename Sample, typename Add>
LabelledExamples relabelled(const std::vector<Sample>& samples, const QStringList& found,
                            const QStringList& classes, LabelledExamples examples, Add add) {
  const std::vector<int> map = classMap(found, classes);
  std::vector<int> leftOut(map.size(), 0);
  for (const Sample& sample : samples) {
    const bool known = sample.label >= 0 && size_t(sample.label) < map.size();
    const int label = known ? map[size_t(sample.label)] : -1;
    if (label < 0) {
      if (known) ++leftOut[size_t(sample.label)];
      continue;
    }
    add(examples, sample);
    examples.labels.push_back(label);
  }
  noteUnknownClasses(examples, found, map, leftOut);
  return examples;
}

// `root`: the project's image folder when the samples are its own (their journal keys are kept).
LabelledExamples fromImages(const std::vector<ImageSample>& samples, const QStringList& found,
                            const QStringList& classes, const QString& source, const QString& root = {}) {
  LabelledExamples examples;
  examples.source = source;
  return relabelled(samples, found, classes, std::move(examples),
                    [&root](LabelledExamples& e, const ImageSample& sample) {
                      e.items << sample.path;
                      if (!root.isEmpty()) e.keys << imageItemKey(root, sample.path);
                    });
}

// `table`: the project's table when the samples are its own (their journal keys are kept).
LabelledExamples fromTexts(const std::vector<TextSample>& samples, const QStringList& found,
                           const QStringList& classes, const QString& source, const QString& table = {}) {
  LabelledExamples examples;
  examples.task = TaskKind::TextClassification;
  examples.source = source;
  return relabelled(samples, found, classes, std::move(examples),
                    [&table](LabelledExamples& e, const TextSample& sample) {
                      e.items << sample.text;
                      e.lines.push_back(sample.line);
                      if (!table.isEmpty()) e.keys << textItemKey(table, sample.line);
                    });
}

// A note when the data the project reads today (`job`, with the run's settings) is not the data the
// run in `runDirectory` trained on (its config.json's data version): labels made or files changed.
void noteChangedData(const TrainingJob& job, const QString& runDirectory, const QString& consequence,
                     LabelledExamples& examples) {
  auto run = readSavedRun(runDirectory);
  if (!run || run->dataVersion.isEmpty() || run->dataVersion == dataVersion(job)) return;
  examples.notes << QStringLiteral("The project's data changed since run %1 trained (labels or files): %2")
                        .arg(run->id, consequence);
}

bool samePath(const QString& a, const QString& b) {
  return !a.isEmpty() && !b.isEmpty() && QFileInfo(a).absoluteFilePath() == QFileInfo(b).absoluteFilePath();
}

}  // namespace

Result<QString> runDirectoryOf(const Project& project, const QString& run) {
  if (!run.isEmpty()) {
    const QString directory = QFileInfo(run).isDir() ? QFileInfo(run).absoluteFilePath()
                                                     : QDir(project.runsDirectory()).filePath(run);
    if (QFileInfo(QDir(directory).filePath(QStringLiteral("config.json"))).isFile()) return directory;
    QStringList ids;
    for (const RunRecord& record : project.runs) ids << record.id;
    return Error(ErrorCode::FileNotFound, QStringLiteral("There is no run %1 in this project.").arg(run),
                 ids.isEmpty() ? QStringLiteral("Train the project first.")
                               : QStringLiteral("Its runs: %1.").arg(ids.join(QStringLiteral(", "))));
  }
  for (auto record = project.runs.rbegin(); record != project.runs.rend(); ++record)
    if (!record->bestCheckpoint.isEmpty() && QFileInfo::exists(record->bestCheckpoint))
      return QFileInfo(record->bestCheckpoint).absolutePath();
  return Error(ErrorCode::FileNotFound, QStringLiteral("The project has no trained model yet."),
               QStringLiteral("Train it first (attune-cli train), then evaluate."));
}

Result<LabelledExamples> validationExamplesOf(const Project& project, const QString& runDirectory,
                                              const QStringList& classes) {
  auto job = prepareResumedJob(project, runDirectory);
  if (!job) return job.error();
  const QString source =
      QStringLiteral("the validation split of run %1").arg(QFileInfo(runDirectory).fileName());
  LabelledExamples examples =
      job->task == TaskKind::TextClassification
          ? fromTexts(job->valTexts, job->classes, classes, source, project.data.table)
          : fromImages(job->valSamples, job->classes, classes, source, project.data.folder);
  noteChangedData(*job, runDirectory,
                  QStringLiteral("this is today's validation split, which may hold examples the run trained "
                                 "on, so its scores can read too well. Train again to score a model on the "
                                 "data as it is now."),
                  examples);
  return examples;
}

Result<LabelledExamples> examplesFrom(const Project& project, const QString& path,
                                      const QStringList& classes) {
  if (project.task == TaskKind::TextClassification) {
    // The project's own table is read with its format and the labels made in Attune.
    const bool own = samePath(path, project.data.table);
    const auto readOther = [&]() -> Result<TextDataset> {
      auto table = TextTable::read(path, {});
      if (!table) return table.error();
      return TextDataset::fromTable(*table, {project.data.textColumn, project.data.labelColumn});
    };
    auto dataset = own ? readProjectTexts(project) : readOther();
    if (!dataset) return dataset.error();
    LabelledExamples examples =
        fromTexts(dataset->labelled, dataset->classes, classes, path, own ? project.data.table : QString());
    if (!dataset->skipped.empty())
      examples.notes << QStringLiteral("Left out %1 rows of %2 that could not be read.")
                            .arg(dataset->skipped.size())
                            .arg(QFileInfo(path).fileName());
    return examples;
  }
  const bool own = samePath(path, project.data.folder);
  auto folder = scanImageFolder(path);
  if (!folder) return folder.error();
  if (own) {
    auto state = projectLabelState(project);
    if (!state) return state.error();
    applyLabels(*state, *folder);
  }
  LabelledExamples examples =
      fromImages(folder->samples, folder->classes, classes, path, own ? project.data.folder : QString());
  for (const SkippedFile& skipped : folder->report.skipped)
    examples.notes << QStringLiteral("Left out %1: %2").arg(skipped.path, skipped.reason);
  return examples;
}

Result<RunEvaluation> evaluate(Predictor& predictor, LabelledExamples examples) {
  if (examples.task != predictor.task())
    return Error(
        ErrorCode::BadValue,
        predictor.task() == TaskKind::TextClassification
            ? QStringLiteral("The model of run %1 classifies texts, not images.").arg(predictor.runId())
            : QStringLiteral("The model of run %1 classifies images, not texts.").arg(predictor.runId()),
        QStringLiteral("Give it data of the kind it was trained on."));
  if (examples.items.isEmpty())
    return Error(ErrorCode::NotEnoughData,
                 QStringLiteral("There is nothing to evaluate in %1: no example of the model's classes.")
                     .arg(examples.source),
                 QStringLiteral("Use data labelled with the classes %1.")
                     .arg(predictor.classes().join(QStringLiteral(", "))));
  return guardEngine(QStringLiteral("Evaluating the model"), [&]() -> Result<RunEvaluation> {
    RunEvaluation evaluation;
    evaluation.runId = predictor.runId();
    evaluation.runDirectory = QFileInfo(predictor.checkpointPath()).absolutePath();
    evaluation.checkpoint = predictor.checkpointPath();
    evaluation.epoch = predictor.checkpointEpoch();
    evaluation.classes = predictor.classes();
    detail::injectEngineFault(detail::EngineFaultSite::Evaluate);
    auto rows = examples.task == TaskKind::TextClassification
                    ? predictor.predictTexts(examples.items)
                    : predictor.predictImages(examples.items, &evaluation.failures);
    if (!rows) return rows.error();
    evaluation.probabilities = std::move(*rows);
    if (evaluation.failures.isEmpty()) evaluation.failures = QStringList(examples.items.size(), QString());
    evaluation.metrics = computeMetrics(evaluation.classes, examples.labels, evaluation.probabilities);
    evaluation.examples = std::move(examples);
    return evaluation;
  });
}

QString crossValidationRunOf(const QString& runDirectory) {
  // Only the settings are needed: config.json, not the run's curves.
  auto bytes = readRegularFile(QDir(runDirectory).filePath(QStringLiteral("config.json")), kMaxSmallJsonBytes,
                               QStringLiteral("the run's settings"));
  if (!bytes) return {};
  const auto document =
      nlohmann::json::parse(bytes->constData(), bytes->constData() + bytes->size(), nullptr, false);
  if (!document.is_object() || !document.contains("config")) return {};
  auto config = TrainingConfig::fromJson(document["config"]);
  if (!config || config->folds < 2) return {};
  QDir directory(QFileInfo(runDirectory).absoluteFilePath());
  const QString own = directory.absolutePath();
  if (directory.dirName().startsWith(QLatin1String("fold-")) && directory.cdUp() &&
      QFileInfo(directory.filePath(QStringLiteral("config.json"))).isFile())
    return directory.absolutePath();
  return own;
}

Result<RunEvaluation> evaluateOutOfFold(const Project& project, const QString& crossValidationDirectory) {
  auto run = readSavedRun(crossValidationDirectory);
  if (!run) return run.error();
  if (!QFileInfo::exists(QDir(run->directory).filePath(QStringLiteral("oof.csv"))))
    return Error(
        ErrorCode::FileNotFound,
        QStringLiteral("Run %1 stopped before its cross-validation finished, so not every example "
                       "has an answer from a model that did not train on it.")
            .arg(run->id),
        QStringLiteral("Run the cross-validation again, or evaluate the run on other labelled data."));
  auto answers = readOutOfFold(run->directory, run->classes);
  if (!answers) return answers.error();

  RunEvaluation evaluation;
  evaluation.runId = run->id;
  evaluation.runDirectory = run->directory;
  evaluation.folds = run->config.folds;
  evaluation.classes = run->classes;
  LabelledExamples& examples = evaluation.examples;
  examples.task = run->task;
  examples.source =
      QStringLiteral("every labelled example, each answered by the fold that did not train on it");
  const bool texts = run->task == TaskKind::TextClassification;

  // The texts themselves (oof.csv names them by line) as the project reads them with the run's settings.
  Project settings = project;
  settings.config = run->config;
  auto job = prepareTrainingJob(settings);
  std::unordered_map<int, QString> textOfLine;
  if (job) {
    for (const auto* split : {&job->trainTexts, &job->valTexts})
      for (const TextSample& sample : *split) textOfLine.emplace(sample.line, sample.text);
    noteChangedData(*job, run->directory,
                    QStringLiteral("the answers are for the examples and labels as they were then."),
                    examples);
  } else if (texts) {
    examples.notes
        << QStringLiteral("The texts cannot be shown (%1); they are named by line.").arg(job.error().message);
  }
  const QString& root = project.data.folder;
  const QString& table = project.data.table;
  for (qsizetype i = 0; i < answers->items.size(); ++i) {
    const QString& item = answers->items[i];
    if (texts) {
      bool ok = false;
      const int line = item.toInt(&ok);
      if (!ok) continue;
      const auto text = textOfLine.find(line);
      examples.items << (text != textOfLine.end() ? text->second : QString());
      examples.lines.push_back(line);
      if (!table.isEmpty()) examples.keys << textItemKey(table, line);
    } else {
      examples.items << item;
      if (!root.isEmpty()) examples.keys << imageItemKey(root, item);
    }
    examples.labels.push_back(answers->labels[size_t(i)]);
    evaluation.probabilities.push_back(answers->probabilities[size_t(i)]);
    evaluation.failures << (evaluation.probabilities.back().empty()
                                ? QStringLiteral("The image could not be read.")
                                : QString());
  }
  if (examples.items.isEmpty())
    return Error(ErrorCode::NotEnoughData,
                 QStringLiteral("Run %1's out-of-fold answers hold no example of its classes.").arg(run->id),
                 QStringLiteral("Run the cross-validation again."));
  evaluation.metrics = computeMetrics(evaluation.classes, examples.labels, evaluation.probabilities);
  return evaluation;
}

namespace {

// modelDirectoryOf, given the k-fold run `crossValidation` that `runDirectory` belongs to (or none).
QString modelDirectoryIn(const Project& project, const QString& runDirectory,
                         const QString& crossValidation) {
  if (crossValidation.isEmpty() || QDir(crossValidation) != QDir(runDirectory)) return runDirectory;
  const QString id = QFileInfo(crossValidation).fileName();
  for (const RunRecord& record : project.runs)
    if (record.id == id && !record.bestCheckpoint.isEmpty())
      return QFileInfo(record.bestCheckpoint).absolutePath();
  return runDirectory;
}

}  // namespace

QString modelDirectoryOf(const Project& project, const QString& runDirectory) {
  return modelDirectoryIn(project, runDirectory, crossValidationRunOf(runDirectory));
}

QString answeredBy(const RunEvaluation& evaluation) {
  if (evaluation.folds > 0)
    return QStringLiteral("the best models of its %1 folds (out-of-fold)").arg(evaluation.folds);
  return QStringLiteral("the model of epoch %1").arg(evaluation.epoch);
}

Result<RunEvaluation> evaluateRun(const Project& project, const EvaluationRequest& request) {
  return guardEngine(QStringLiteral("Evaluating the model"), [&]() -> Result<RunEvaluation> {
    auto runDirectory = runDirectoryOf(project, request.run);
    if (!runDirectory) return runDirectory.error();
    const QString crossValidation = crossValidationRunOf(*runDirectory);
    if (!crossValidation.isEmpty() && request.dataPath.isEmpty()) {
      auto evaluation = evaluateOutOfFold(project, crossValidation);
      if (evaluation && request.checkpoint != QLatin1String("best"))
        evaluation->examples.notes << QStringLiteral(
            "Out-of-fold answers come from each fold's best model; a chosen checkpoint applies to one "
            "fold's model on other data.");
      return evaluation;
    }
    // Other data and the whole k-fold run: the best fold's model.
    auto predictor =
        Predictor::openRun(modelDirectoryIn(project, *runDirectory, crossValidation), {request.checkpoint});
    if (!predictor) return predictor.error();
    auto examples = request.dataPath.isEmpty()
                        ? validationExamplesOf(project, *runDirectory, (*predictor)->classes())
                        : examplesFrom(project, request.dataPath, (*predictor)->classes());
    if (!examples) return examples.error();
    return evaluate(**predictor, std::move(*examples));
  });
}

}  // namespace attune
