#include "app/cli/CatalogDownload.h"
#include "app/cli/CliOutput.h"
#include "app/cli/Commands.h"
#include "app/cli/ConsoleObserver.h"
#include "core/project/ProjectFile.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QEventLoop>
#include <QTimer>

#include <atomic>
#include <csignal>

namespace attune::cli {
namespace {

std::atomic<bool> g_interrupted{false};

// First Ctrl-C: stop after the current step with a checkpoint. A second one ends the process.
extern "C" void onInterrupt(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace

int commandTrain(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("The .attune project."));
  parser.addOptions({
      {QStringLiteral("set"), QStringLiteral("Change a setting for this run (key=value)."),
       QStringLiteral("key=value")},
      {QStringLiteral("json"), QStringLiteral("One JSON event per line on stdout.")},
      {QStringLiteral("resume"), QStringLiteral("Continue a stopped run exactly where it stopped."),
       QStringLiteral("run")},
      {QStringLiteral("from"),
       QStringLiteral("Start a new run from an earlier run's model: RUN (its best), or RUN:best, RUN:last "
                      "or RUN:EPOCH."),
       QStringLiteral("run[:checkpoint]")},
  });
  const QString usage = QStringLiteral(
      "usage: attune-cli train PROJECT.attune [--set key=value]... [--json] [--resume RUN | --from "
      "RUN[:best|last|EPOCH]]");
  if (!parser.parse(QStringList{QStringLiteral("train")} + arguments) ||
      parser.positionalArguments().size() != 1) {
    printError(parser.errorText().isEmpty() ? usage : parser.errorText());
    return kExitUsage;
  }
  const QString resumeRun = parser.value(QStringLiteral("resume"));
  if (!resumeRun.isEmpty() && parser.isSet(QStringLiteral("set"))) {
    printError(QStringLiteral("--resume continues a run with its own settings; --set cannot change them.\n") +
               usage);
    return kExitUsage;
  }
  // --from RUN[:CHECKPOINT]; the run id itself has no ':' (a folder path might: the last ':' splits).
  QString fromRun = parser.value(QStringLiteral("from"));
  QString fromCheckpoint = QStringLiteral("best");
  if (!fromRun.isEmpty() && !resumeRun.isEmpty()) {
    printError(QStringLiteral("--resume and --from cannot be used together.\n") + usage);
    return kExitUsage;
  }
  if (const qsizetype colon = fromRun.lastIndexOf(QLatin1Char(':')); colon > 0) {
    fromCheckpoint = fromRun.mid(colon + 1);
    fromRun.truncate(colon);
    if (!isCheckpointChoice(fromCheckpoint)) {
      printError(QStringLiteral("--from takes RUN, RUN:best, RUN:last or RUN:EPOCH (an epoch number).\n") +
                 usage);
      return kExitUsage;
    }
  }
  const bool asJson = parser.isSet(QStringLiteral("json"));
  auto fail = [asJson](const QString& message) { return reportFailure(asJson, message); };

  const QString projectPath = parser.positionalArguments().first();
  auto project = ProjectFile::load(projectPath);
  if (!project) return fail(project.error().text());

  Project runProject = project.value();  // --set changes this run only, not the saved project
  if (auto s = applySettings(runProject.config, parser.values(QStringLiteral("set"))); !s) {
    printError(s.error().text());
    return kExitUsage;
  }

  if (auto fetched = ensureCatalogWeights(runProject.config.weightsPath, asJson); !fetched)
    return fail(fetched.error().text());
  auto job = !resumeRun.isEmpty() ? prepareResumedJob(runProject, resumeRun)
             : !fromRun.isEmpty() ? prepareContinuedJob(runProject, fromRun, fromCheckpoint)
                                  : prepareTrainingJob(runProject);
  if (!job) return fail(job.error().text());

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
  g_interrupted.store(false);
  std::signal(SIGINT, onInterrupt);

  RunSummary summary;
  {
    TrainingThread thread(std::make_unique<TrainingSession>(std::move(job.value())));
    QEventLoop loop;
    QTimer timer;
    QObject::connect(&timer, &QTimer::timeout, [&] {
      if (g_interrupted.load()) thread.session().requestStop();
      observer.show(thread.session().metrics().drain());
      if (!thread.isRunning()) loop.quit();
    });
    timer.start(100);
    loop.exec();
    thread.wait();
    observer.show(thread.session().metrics().drain());
    summary = thread.session().summary();
  }
  std::signal(SIGINT, SIG_DFL);

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
