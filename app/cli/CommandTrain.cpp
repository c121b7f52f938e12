#include "app/cli/CatalogDownload.h"
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "app/cli/ConsoleObserver.h"
#include "app/cli/InterruptGuard.h"
#include "core/project/ProjectFile.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"

#include <QDateTime>
#include <QEventLoop>
#include <QTimer>

namespace attune::cli {

int commandTrain(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("train"),
      .usage = QStringLiteral(
          "usage: attune-cli train PROJECT.attune [--set key=value]... [--json] [--resume RUN | --from "
          "RUN[:best|last|EPOCH]]"),
      .description = QStringLiteral(
          "Trains the project's model and adds the run to the project. The first Ctrl-C stops after the "
          "current step and saves a checkpoint (--resume continues from it); a second one ends at once."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options =
          {
              {QStringLiteral("set"),
               QStringLiteral("Change a setting for this run (key=value; attune-cli settings lists them)."),
               QStringLiteral("key=value")},
              {QStringLiteral("json"), QStringLiteral("One JSON event per line on stdout.")},
              {QStringLiteral("resume"), QStringLiteral("Continue a stopped run exactly where it stopped."),
               QStringLiteral("run")},
              {QStringLiteral("from"),
               QStringLiteral("Start a new run from an earlier run's model: RUN (its best), or RUN:best, "
                              "RUN:last or RUN:EPOCH."),
               QStringLiteral("run[:checkpoint]")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const QString resumeRun = command.value(QStringLiteral("resume"));
  if (!resumeRun.isEmpty() && command.isSet(QStringLiteral("set")))
    return command.usageError(
        QStringLiteral("--resume continues a run with its own settings; --set cannot change them."));
  // --from RUN[:CHECKPOINT]; the run id itself has no ':' (a folder path might: the last ':' splits).
  QString fromRun = command.value(QStringLiteral("from"));
  QString fromCheckpoint = QStringLiteral("best");
  if (!fromRun.isEmpty() && !resumeRun.isEmpty())
    return command.usageError(QStringLiteral("--resume and --from cannot be used together."));
  if (const qsizetype colon = fromRun.lastIndexOf(QLatin1Char(':')); colon > 0) {
    fromCheckpoint = fromRun.mid(colon + 1);
    fromRun.truncate(colon);
    if (!isCheckpointChoice(fromCheckpoint))
      return command.usageError(
          QStringLiteral("--from takes RUN, RUN:best, RUN:last or RUN:EPOCH (an epoch number)."));
  }
  const bool asJson = command.asJson();
  const QString projectPath = command.positionals().first();
  auto project = command.loadProject();
  if (!project) return kExitFailure;

  Project runProject = project.value();  // --set changes this run only, not the saved project
  if (auto s = applySettings(runProject.config, command.values(QStringLiteral("set"))); !s) {
    printError(s.error().text());
    return kExitUsage;
  }

  if (auto fetched = ensureCatalogWeights(runProject.config.weightsPath, asJson); !fetched)
    return command.fail(fetched.error().text());
  auto job = !resumeRun.isEmpty() ? prepareResumedJob(runProject, resumeRun)
             : !fromRun.isEmpty() ? prepareContinuedJob(runProject, fromRun, fromCheckpoint)
                                  : prepareTrainingJob(runProject);
  if (!job) return command.fail(job.error().text());

  const ConsoleMode mode = asJson ? ConsoleMode::JsonLines
                                  : (stdoutIsTerminal() ? ConsoleMode::ProgressBar : ConsoleMode::PlainLines);
  ConsoleObserver observer(mode);
  for (const auto& warning : job->dataReport.warnings)
    observer.show({{}, {}, {RunEvent{RunEventKind::Warning, warning}}});
  for (const auto& skipped : job->dataReport.skipped)
    observer.show({{},
                   {},
                   {RunEvent{RunEventKind::Warning,
                             QStringLiteral("Skipped %1: %2").arg(skipped.path, skipped.reason)}}});

  const QString startedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  RunSummary summary;
  {
    // Ctrl-C stops the run after its current step, with a checkpoint; once the run has ended (while
    // it is recorded in the project) it ends the process as usual.
    const InterruptGuard interrupt;
    TrainingThread thread(std::make_unique<TrainingSession>(std::move(job.value())));
    QEventLoop loop;
    QTimer timer;
    QObject::connect(&timer, &QTimer::timeout, [&] {
      if (interrupt.interrupted()) thread.session().requestStop();
      observer.show(thread.session().metrics().drain());
      if (!thread.isRunning()) loop.quit();
    });
    timer.start(100);
    loop.exec();
    thread.wait();
    observer.show(thread.session().metrics().drain());
    summary = thread.session().summary();
  }

  // Record the run in the project as it is on disk now (the user may have changed it meanwhile).
  if (!summary.runId.isEmpty()) {
    auto current = ProjectFile::load(projectPath);
    if (current) {
      recordRun(current.value(), summary, startedAt);
      if (auto saved = ProjectFile::save(current.value(), projectPath); !saved)
        printError(QStringLiteral("The run finished but could not be added to the project: ") +
                   saved.error().text());
    }
  }
  observer.showDone(summary);
  if (summary.outcome == RunOutcome::Failed) {
    printError(summary.message);
    return kExitFailure;
  }
  return summary.outcome == RunOutcome::Finished ? kExitSuccess : kExitFailure;
}

}  // namespace attune::cli
