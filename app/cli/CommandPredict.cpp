// attune-cli predict: the classes a run's model gives new images or texts, as CSV (stdout or
// --out) or JSON lines: image files and folders (searched recursively), tables of texts (the
// project's text column, else the guessed one), or texts given on the command line with --text.
#include "app/cli/CliOutput.h"

#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/common/AtomicFile.h"
#include "core/eval/BatchPrediction.h"
#include "core/eval/Evaluation.h"
#include "core/export/ModelExport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace attune::cli {
namespace {

// The text column an export was trained on (empty when it names none).
QString exportTextColumn(const QString& exportDirectory) {
  QFile file(QDir(exportDirectory).filePath(QLatin1String(kModelExportManifest)));
  if (!file.open(QIODevice::ReadOnly)) return {};
  const auto manifest = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
  if (!manifest.is_object() || !manifest.contains("text_column") || !manifest["text_column"].is_string())
    return {};
  return QString::fromStdString(manifest["text_column"].get<std::string>());
}

}  // namespace

int commandPredict(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("predict"),
      .usage = QStringLiteral("usage: attune-cli predict PROJECT.attune|EXPORT_DIR INPUT... [--run RUN] "
                              "[--text] [--out FILE.csv] "
                              "[--json]"),
      .description = QStringLiteral(
          "The classes a run's model (or an exported model) gives new images or texts: image files and "
          "folders, tables of texts, or texts given on the command line with --text."),
      .positionals = {{QStringLiteral("project"),
                       QStringLiteral("The .attune project, or a folder of an exported model.")},
                      {QStringLiteral("input"), QStringLiteral("Images, folders or tables of texts.")}},
      .minPositionals = 2,
      .maxPositionals = CommandSpec::kNoLimit,
      .options =
          {
              {QStringLiteral("run"), QStringLiteral("Which run (default: the latest with a saved model)."),
               QStringLiteral("run")},
              {QStringLiteral("text"), QStringLiteral("The inputs are texts to classify, not files.")},
              {QStringLiteral("out"), QStringLiteral("Write the CSV to this file instead of stdout."),
               QStringLiteral("file")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const bool asJson = command.asJson();
  const QStringList positional = command.positionals();
  // An exported model answers by itself; a project by one of its runs.
  Result<std::unique_ptr<Predictor>> predictor = Error(ErrorCode::Internal, QString());
  QString textColumn;
  if (isModelExport(positional.first())) {
    if (command.isSet(QStringLiteral("run")))
      return command.fail(
          QStringLiteral("--run names a run of a project; %1 is an exported model.").arg(positional.first()));
    predictor = Predictor::openExport(positional.first());
    textColumn = exportTextColumn(positional.first());
  } else {
    auto project = command.loadProject();
    if (!project) return kExitFailure;
    auto runDirectory = runDirectoryOf(*project, command.value(QStringLiteral("run")));
    if (!runDirectory) return command.fail(runDirectory.error().text());
    predictor = Predictor::openRun(modelDirectoryOf(*project, *runDirectory));
    textColumn = project->data.textColumn;
  }
  if (!predictor) return command.fail(predictor.error().text());
  const bool texts = (*predictor)->task() == TaskKind::TextClassification;
  if (command.isSet(QStringLiteral("text")) && !texts)
    return command.fail(
        QStringLiteral("This project's model classifies images; give image files or folders."));
  Result<PredictionInputs> inputs = PredictionInputs{};
  if (command.isSet(QStringLiteral("text")))
    inputs = PredictionInputs{positional.mid(1), positional.mid(1)};
  else
    inputs = texts ? textPredictionInputs(positional.mid(1), textColumn)
                   : imagePredictionInputs(positional.mid(1));
  if (!inputs) return command.fail(inputs.error().text());
  if (inputs->items.isEmpty())
    return command.fail(QStringLiteral("There is nothing to classify in the inputs given."));

  QStringList failures;
  auto rows = texts ? (*predictor)->predictTexts(inputs->items)
                    : (*predictor)->predictImages(inputs->items, &failures);
  if (!rows) return command.fail(rows.error().text());
  const QStringList& classes = (*predictor)->classes();
  if (asJson)
    for (qsizetype i = 0; i < inputs->items.size(); ++i) {
      const std::vector<double>& row = (*rows)[size_t(i)];
      nlohmann::json event{{"event", "prediction"}, {"item", inputs->names[i].toStdString()}};
      if (row.empty()) {
        event["error"] = failures.value(i).toStdString();
      } else {
        event["predicted"] = classes[std::max_element(row.begin(), row.end()) - row.begin()].toStdString();
        nlohmann::json probabilities = nlohmann::json::object();
        for (qsizetype c = 0; c < classes.size(); ++c)
          probabilities[classes[c].toStdString()] = row[size_t(c)];
        event["probabilities"] = probabilities;
      }
      printJson(event);
    }
  const QByteArray csv = asJson ? QByteArray() : predictionsCsv(inputs->names, classes, *rows);
  for (qsizetype i = 0; i < failures.size(); ++i)
    if (!failures[i].isEmpty() && !asJson)
      printError(QStringLiteral("%1: %2").arg(inputs->names[i], failures[i]));
  if (asJson) {
    printJson(
        {{"event", "done"}, {"run", (*predictor)->runId().toStdString()}, {"count", inputs->items.size()}});
  } else if (command.isSet(QStringLiteral("out"))) {
    const QString out = command.value(QStringLiteral("out"));
    if (auto written = AtomicFile::writeFile(out, csv); !written) return command.fail(written.error().text());
    printLine(QStringLiteral("Wrote %1 predictions to %2.").arg(inputs->items.size()).arg(out));
  } else {
    std::fwrite(csv.constData(), 1, size_t(csv.size()), stdout);
  }
  return kExitSuccess;
}

}  // namespace attune::cli
