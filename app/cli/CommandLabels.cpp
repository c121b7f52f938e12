// attune-cli labels: labels in and out of a project. --import reads a CSV (file or text, label) or a
// Label Studio JSON export into the project's label journal (the user's files stay as they are);
// --export writes the items and their labels as CSV or Label Studio tasks (--predictions adds the
// latest model's suggestions for the unlabelled items); --export-folders copies the labelled images
// into one folder per class. --add-class, --rename-class OLD=NEW (a merge when NEW is a class already)
// and --delete-class change the classes as the Label tab's Classes menu does, through the journal.
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/dataset/LabelExchange.h"
#include "core/dataset/ProjectData.h"
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

// The project's classes now (the data's, renamed, merged and deleted, and those added in Attune).
Result<QStringList> currentClasses(const Project& project) {
  if (project.task == TaskKind::TextClassification) {
    auto texts = readProjectTexts(project);
    if (!texts) return texts.error();
    return texts->classes;
  }
  auto images = readProjectImagePool(project);
  if (!images) return images.error();
  return images->report.classes;
}

int changeClasses(const CommandLine& command, const Project& project, bool asJson) {
  auto classes = currentClasses(project);
  if (!classes) return command.fail(classes.error().text());
  auto journal = LabelJournal::open(LabelJournal::pathFor(project.filePath));
  if (!journal) return command.fail(journal.error().text());
  for (const QString& name : (*journal)->state().addedClasses)
    if (!classes->contains(name)) *classes << name;
  LabelChange change;
  QString done;
  if (command.isSet(QStringLiteral("add-class"))) {
    const QString name = command.value(QStringLiteral("add-class")).trimmed();
    if (name.isEmpty()) return command.usageError(QStringLiteral("A class needs a name."));
    if (classes->contains(name))
      return command.fail(QStringLiteral("There is a class '%1' already.").arg(name));
    change = {LabelChange::AddClass, {}, name, {}};
    done = QStringLiteral("Added class '%1'.").arg(name);
  } else {
    const bool rename = command.isSet(QStringLiteral("rename-class"));
    const QString value =
        command.value(rename ? QStringLiteral("rename-class") : QStringLiteral("delete-class"));
    const QString from = rename ? value.section(QLatin1Char('='), 0, 0).trimmed() : value.trimmed();
    const QString to = rename ? value.section(QLatin1Char('='), 1).trimmed() : QString();
    if (rename && (!value.contains(QLatin1Char('=')) || to.isEmpty()))
      return command.usageError(
          QStringLiteral("--rename-class takes OLD=NEW, for example --rename-class cat=cats."));
    if (!classes->contains(from))
      return command.fail(QStringLiteral("There is no class '%1' (the classes: %2).")
                              .arg(from, classes->join(QStringLiteral(", "))));
    if (rename && to == from)
      return command.fail(QStringLiteral("The class is called '%1' already.").arg(from));
    change = rename ? LabelChange{LabelChange::RenameClass, {}, from, to}
                    : LabelChange{LabelChange::DeleteClass, {}, from, {}};
    done = !rename ? QStringLiteral("Deleted class '%1': its items have no label now.").arg(from)
           : classes->contains(to) ? QStringLiteral("Merged class '%1' into '%2'.").arg(from, to)
                                   : QStringLiteral("Renamed class '%1' to '%2'.").arg(from, to);
  }
  if (auto written = (*journal)->append({change}); !written) return command.fail(written.error().text());
  if (asJson)
    printJson({{"event", "done"}, {"what", done.toStdString()}});
  else
    printLine(done);
  return kExitSuccess;
}

}  // namespace

int commandLabels(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("labels"),
      .usage = QStringLiteral(
          "usage: attune-cli labels PROJECT.attune (--import FILE | --export FILE [--predictions] | "
          "--export-folders DIR | --add-class NAME | --rename-class OLD=NEW | --delete-class NAME) "
          "[--format csv|label-studio] [--json]"),
      .description = QStringLiteral(
          "Labels in and out of a project: --import reads a CSV (file or text, label) or a Label Studio "
          "export into the project's label journal, --export writes every item and its label, "
          "--export-folders copies the labelled images into one folder per class; --add-class, "
          "--rename-class (a merge when the new name is a class already) and --delete-class change the "
          "classes as the Label tab's Classes menu does."),
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
              {QStringLiteral("add-class"), QStringLiteral("Add a class (for labels made later)."),
               QStringLiteral("name")},
              {QStringLiteral("rename-class"),
               QStringLiteral("Rename class OLD to NEW; when NEW is a class already, the two are merged."),
               QStringLiteral("old=new")},
              {QStringLiteral("delete-class"), QStringLiteral("Delete a class: its items lose their label."),
               QStringLiteral("name")},
              {QStringLiteral("format"),
               QStringLiteral("csv or label-studio (default: by the file's extension)."),
               QStringLiteral("format")},
              {QStringLiteral("predictions"),
               QStringLiteral("Label Studio export: add the latest model's suggestions as predictions.")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const int classActions = int(command.isSet(QStringLiteral("add-class"))) +
                           int(command.isSet(QStringLiteral("rename-class"))) +
                           int(command.isSet(QStringLiteral("delete-class")));
  const int actions = int(command.isSet(QStringLiteral("import"))) +
                      int(command.isSet(QStringLiteral("export"))) +
                      int(command.isSet(QStringLiteral("export-folders"))) + classActions;
  if (actions != 1) return command.usageError();
  if (classActions == 1) {
    auto project = command.loadProject();
    if (!project) return kExitFailure;
    return changeClasses(command, *project, command.asJson());
  }
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
