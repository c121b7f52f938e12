// attune-cli labels: labels in and out of a project. --import reads a CSV (file or text, label) or a
// Label Studio JSON export into the project's label journal (the user's files stay as they are);
// --export writes the items and their labels as CSV or Label Studio tasks (--predictions adds the
// latest model's suggestions for the unlabelled items); --export-folders copies the labelled images
// into one folder per class.
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/dataset/LabelExchange.h"
#include "core/eval/Suggestions.h"
#include "core/project/LabelJournal.h"

#include <QFileInfo>

#include <algorithm>

namespace attune::cli {
namespace {

// "csv" or "label-studio": the --format given, else by the file's extension (.json: Label Studio).
QString formatOf(const CommandLine& command, const QString& path) {
  if (command.isSet(QStringLiteral("format"))) return command.value(QStringLiteral("format"));
  return QFileInfo(path).suffix().toLower() == QLatin1String("json") ? QStringLiteral("label-studio")
                                                                     : QStringLiteral("csv");
}

int importLabels(const Project& project, const QString& path, const QString& format, bool asJson) {
  auto imported =
      format == QLatin1String("csv") ? importLabelsCsv(project, path) : importLabelStudio(project, path);
  if (!imported) return reportFailure(asJson, imported.error().text());
  printNotes(asJson, imported->notes);
  auto journal = LabelJournal::open(LabelJournal::pathFor(project.filePath));
  if (!journal) return reportFailure(asJson, journal.error().text());
  std::vector<LabelChange> changes;
  for (qsizetype i = 0; i < imported->keys.size(); ++i)
    changes.push_back({LabelChange::SetLabel, imported->keys[i], imported->classNames[i], {}});
  if (auto written = (*journal)->append(changes); !written)
    return reportFailure(asJson, written.error().text());
  if (asJson)
    printJson({{"event", "done"}, {"imported", imported->keys.size()}, {"rows", imported->rows}});
  else
    printLine(QStringLiteral("Imported %1 labels from %2 (%3 rows or tasks read).")
                  .arg(imported->keys.size())
                  .arg(path)
                  .arg(imported->rows));
  return kExitSuccess;
}

}  // namespace

int commandLabels(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("labels"),
      .usage = QStringLiteral(
          "usage: attune-cli labels PROJECT.attune (--import FILE | --export FILE [--predictions] | "
          "--export-folders DIR) "
          "[--format csv|label-studio] [--json]"),
      .description = QStringLiteral(
          "Labels in and out of a project: --import reads a CSV (file or text, label) or a Label Studio "
          "export into the project's label journal, --export writes every item and its label, "
          "--export-folders copies the labelled images into one folder per class."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options =
          {
              {QStringLiteral("import"),
               QStringLiteral("Read labels from this CSV or Label Studio JSON file."),
               QStringLiteral("file")},
              {QStringLiteral("export"), QStringLiteral("Write every item and its label to this file."),
               QStringLiteral("file")},
              {QStringLiteral("export-folders"),
               QStringLiteral("Copy the labelled images into one folder per class here."),
               QStringLiteral("dir")},
              {QStringLiteral("format"),
               QStringLiteral("csv or label-studio (default: by the file's extension)."),
               QStringLiteral("format")},
              {QStringLiteral("predictions"),
               QStringLiteral("Label Studio export: add the latest model's suggestions as predictions.")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const int actions = int(command.isSet(QStringLiteral("import"))) +
                      int(command.isSet(QStringLiteral("export"))) +
                      int(command.isSet(QStringLiteral("export-folders")));
  if (actions != 1) return command.usageError();
  const bool asJson = command.asJson();
  const QString file = command.isSet(QStringLiteral("import")) ? command.value(QStringLiteral("import"))
                                                               : command.value(QStringLiteral("export"));
  const QString format = formatOf(command, file);
  if (format != QLatin1String("csv") && format != QLatin1String("label-studio"))
    return command.usageError(QStringLiteral("--format takes csv or label-studio."));
  auto project = command.loadProject();
  if (!project) return kExitFailure;

  if (command.isSet(QStringLiteral("import"))) return importLabels(*project, file, format, asJson);
  if (command.isSet(QStringLiteral("export-folders"))) {
    const QString directory = command.value(QStringLiteral("export-folders"));
    auto copied = exportClassFolders(*project, directory);
    if (!copied) return reportFailure(asJson, copied.error().text());
    if (asJson)
      printJson({{"event", "done"}, {"copied", *copied}, {"folder", directory.toStdString()}});
    else
      printLine(QStringLiteral("Copied %1 labelled images into class folders under %2.")
                    .arg(*copied)
                    .arg(directory));
    return kExitSuccess;
  }
  QHash<QString, ItemPrediction> predictions;
  QString modelVersion;
  if (command.isSet(QStringLiteral("predictions"))) {
    auto suggestions = suggestLabels(*project);
    if (!suggestions) return reportFailure(asJson, suggestions.error().text());
    modelVersion = QStringLiteral("attune run %1").arg(suggestions->runId);
    for (qsizetype i = 0; i < suggestions->keys.size(); ++i) {
      const std::vector<float>& p = suggestions->probabilities[size_t(i)];
      if (p.empty()) continue;
      const auto top = std::max_element(p.begin(), p.end());
      predictions.insert(suggestions->keys[i],
                         {suggestions->classes.value(qsizetype(top - p.begin())), double(*top)});
    }
  }
  const Status written = format == QLatin1String("csv")
                             ? exportLabelsCsv(*project, file)
                             : exportLabelStudio(*project, file, predictions, modelVersion);
  if (!written) return reportFailure(asJson, written.error().text());
  if (asJson)
    printJson({{"event", "done"}, {"file", file.toStdString()}, {"predictions", predictions.size()}});
  else
    printLine(QStringLiteral("Wrote %1.").arg(file));
  return kExitSuccess;
}

}  // namespace attune::cli
