// attune-cli runs: the Runs tab from the command line. Every run of the project, newest first, with its
// best validation accuracy and epochs; --compare A B lists the settings in which two runs differ (and
// the data version, when the data changed in between), as the tab's differences table does.
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/eval/SavedRun.h"

#include <nlohmann/json.hpp>

#include <QDir>

namespace attune::cli {

int commandRuns(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("runs"),
      .usage = QStringLiteral("usage: attune-cli runs PROJECT.attune [--compare RUN_A RUN_B] [--json]"),
      .description = QStringLiteral(
          "The project's runs, newest first, with their best validation accuracy. --compare lists the "
          "settings in which two runs differ, and the data version when the data changed between them."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")},
                      {QStringLiteral("[RUN_A RUN_B]"), QStringLiteral("With --compare: the two run ids.")}},
      .maxPositionals = 3,
      .options =
          {
              {QStringLiteral("compare"),
               QStringLiteral("Compare the settings of the two runs named after it.")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const bool asJson = command.asJson();
  const QStringList positionals = command.positionals();
  const bool compare = command.isSet(QStringLiteral("compare"));
  if (compare ? positionals.size() != 3 : positionals.size() != 1) return command.usageError();
  auto project = command.loadProject();
  if (!project) return kExitFailure;

  if (!compare) {
    QStringList skipped;
    const std::vector<SavedRun> runs = savedRunsOf(*project, &skipped);
    printNotes(asJson, skipped);
    for (const SavedRun& run : runs) {
      const EpochRecord* best = run.epoch(run.bestEpoch());
      const double accuracy = best ? best->valAccuracy : 0.0;
      if (asJson) {
        printJson({{"event", "run"},
                   {"id", run.id.toStdString()},
                   {"started_at", run.startedAt.toStdString()},
                   {"architecture", run.config.architecture.toStdString()},
                   {"epochs", run.epochs.size()},
                   {"best_epoch", run.bestEpoch()},
                   {"best_val_accuracy", accuracy}});
      } else {
        printLine(
            QStringLiteral("%1  %2  %3 epochs  best %4 (epoch %5)")
                .arg(run.id, run.config.architecture)
                .arg(run.epochs.size())
                .arg(best ? QStringLiteral("%1%").arg(100.0 * accuracy, 0, 'f', 1) : QStringLiteral("-"))
                .arg(run.bestEpoch()));
      }
    }
    if (runs.empty() && !asJson)
      printLine(QStringLiteral("No runs yet: attune-cli train %1").arg(project->filePath));
    return kExitSuccess;
  }

  // A run id is a folder name under runs/: nothing else of the disk is read as a run.
  for (const QString& id : {positionals[1], positionals[2]})
    if (id.isEmpty() || id.contains(QLatin1Char('/')) || id.contains(QLatin1Char('\\')) ||
        id.startsWith(QLatin1Char('.')))
      return command.fail(
          QStringLiteral("'%1' is not a run id (attune-cli runs %2 lists them).").arg(id, project->filePath));
  const QDir runsFolder(project->directory() + QStringLiteral("/runs"));
  auto first = readSavedRun(runsFolder.filePath(positionals[1]));
  if (!first) return command.fail(first.error().text());
  auto second = readSavedRun(runsFolder.filePath(positionals[2]));
  if (!second) return command.fail(second.error().text());
  const std::vector<SettingDifference> differences = settingDifferences(*first, *second);
  for (const SettingDifference& d : differences) {
    if (asJson)
      printJson({{"event", "difference"},
                 {"key", d.key.toStdString()},
                 {"first", d.first.toStdString()},
                 {"second", d.second.toStdString()}});
    else
      printLine(QStringLiteral("%1: %2 -> %3")
                    .arg(d.key, d.first.isEmpty() ? QStringLiteral("(none)") : d.first,
                         d.second.isEmpty() ? QStringLiteral("(none)") : d.second));
  }
  if (asJson)
    printJson({{"event", "done"}, {"differences", differences.size()}});
  else if (differences.empty())
    printLine(QStringLiteral("Runs %1 and %2 have the same settings and data.")
                  .arg(positionals[1], positionals[2]));
  return kExitSuccess;
}

}  // namespace attune::cli
