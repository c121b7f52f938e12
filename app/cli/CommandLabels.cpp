// attune-cli labels: labels in and out of a project. --import reads a CSV (file or text, label) or a
// Label Studio JSON export into the project's label journal (the user's files stay as they are);
// --export writes the items and their labels as CSV or Label Studio tasks (--predictions adds the
// latest model's suggestions for the unlabelled items); --export-folders copies the labelled images
// into one folder per class.
#include "app/cli/CliOutput.h"
#include "app/cli/Commands.h"
#include "core/eval/Suggestions.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "core/training/LabelExchange.h"

#include <QCommandLineParser>
#include <QFileInfo>

#include <algorithm>

namespace attune::cli {
namespace {

// "csv" or "label-studio": the --format given, else by the file's extension (.json: Label Studio).
QString formatOf(const QCommandLineParser& parser, const QString& path) {
  if (parser.isSet(QStringLiteral("format"))) return parser.value(QStringLiteral("format"));
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
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("The .attune project."));
  parser.addOptions({
      {QStringLiteral("import"), QStringLiteral("Read labels from this CSV or Label Studio JSON file."),
       QStringLiteral("file")},
      {QStringLiteral("export"), QStringLiteral("Write every item and its label to this file."),
       QStringLiteral("file")},
      {QStringLiteral("export-folders"),
       QStringLiteral("Copy the labelled images into one folder per class here."), QStringLiteral("dir")},
      {QStringLiteral("format"), QStringLiteral("csv or label-studio (default: by the file's extension)."),
       QStringLiteral("format")},
      {QStringLiteral("predictions"),
       QStringLiteral("Label Studio export: add the latest model's suggestions as predictions.")},
      {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
  });
  const QString usage = QStringLiteral(
      "usage: attune-cli labels PROJECT.attune (--import FILE | --export FILE [--predictions] | "
      "--export-folders DIR) "
      "[--format csv|label-studio] [--json]");
  const bool parsed = parser.parse(QStringList{QStringLiteral("labels")} + arguments);
  const int actions = int(parser.isSet(QStringLiteral("import"))) +
                      int(parser.isSet(QStringLiteral("export"))) +
                      int(parser.isSet(QStringLiteral("export-folders")));
  if (!parsed || actions != 1 || parser.positionalArguments().size() != 1) {
    printError(parser.errorText().isEmpty() ? usage : parser.errorText());
    return kExitUsage;
  }
  const bool asJson = parser.isSet(QStringLiteral("json"));
  const QString file = parser.isSet(QStringLiteral("import")) ? parser.value(QStringLiteral("import"))
                                                              : parser.value(QStringLiteral("export"));
  const QString format = formatOf(parser, file);
  if (format != QLatin1String("csv") && format != QLatin1String("label-studio")) {
    printError(QStringLiteral("--format takes csv or label-studio.\n") + usage);
    return kExitUsage;
  }
  auto project = ProjectFile::load(parser.positionalArguments().first());
  if (!project) return reportFailure(asJson, project.error().text());

  if (parser.isSet(QStringLiteral("import"))) return importLabels(*project, file, format, asJson);
  if (parser.isSet(QStringLiteral("export-folders"))) {
    const QString directory = parser.value(QStringLiteral("export-folders"));
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
  if (parser.isSet(QStringLiteral("predictions"))) {
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
