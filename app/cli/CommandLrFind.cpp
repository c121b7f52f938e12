// attune-cli lr-find: the learning-rate range test on a project, with the suggestion and its reason;
// --apply writes the suggested rates into the project.
#include "app/cli/CatalogDownload.h"
#include "app/cli/CliOutput.h"
#include "app/cli/Commands.h"
#include "core/project/ProjectFile.h"
#include "core/training/LrFinder.h"
#include "core/training/TrainingJob.h"

#include <QCommandLineParser>

#include <atomic>
#include <cmath>
#include <csignal>

namespace attune::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void onLrFindInterrupt(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);
}

QString rateText(double lr) {
  return QString::number(lr, 'e', 2);
}

}  // namespace

int commandLrFind(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("The .attune project."));
  parser.addOptions({
      {QStringLiteral("set"), QStringLiteral("Change a setting for this test (key=value)."),
       QStringLiteral("key=value")},
      {QStringLiteral("json"), QStringLiteral("One JSON event per line on stdout.")},
      {QStringLiteral("steps"), QStringLiteral("Steps of the test (default 100)."), QStringLiteral("n")},
      {QStringLiteral("apply"), QStringLiteral("Save the suggested rates in the project.")},
  });
  const QString usage = QStringLiteral(
      "usage: attune-cli lr-find PROJECT.attune [--set key=value]... [--steps N] [--apply] [--json]");
  if (!parser.parse(QStringList{QStringLiteral("lr-find")} + arguments) ||
      parser.positionalArguments().size() != 1) {
    printError(parser.errorText().isEmpty() ? usage : parser.errorText());
    return kExitUsage;
  }
  LrFinderOptions options;
  if (parser.isSet(QStringLiteral("steps"))) {
    bool ok = false;
    options.steps = parser.value(QStringLiteral("steps")).toInt(&ok);
    if (!ok || options.steps < 10 || options.steps > 10000) {
      printError(QStringLiteral("--steps takes a whole number from 10 to 10000.\n") + usage);
      return kExitUsage;
    }
  }
  const bool asJson = parser.isSet(QStringLiteral("json"));
  auto fail = [asJson](const QString& message) { return reportFailure(asJson, message); };
  const QString projectPath = parser.positionalArguments().first();
  auto project = ProjectFile::load(projectPath);
  if (!project) return fail(project.error().text());
  Project testProject = *project;
  if (auto s = applySettings(testProject.config, parser.values(QStringLiteral("set"))); !s) {
    printError(s.error().text());
    return kExitUsage;
  }
  if (auto fetched = ensureCatalogWeights(testProject.config.weightsPath, asJson); !fetched)
    return fail(fetched.error().text());
  auto job = prepareTrainingJob(testProject);
  if (!job) return fail(job.error().text());

  g_stop.store(false);
  std::signal(SIGINT, onLrFindInterrupt);
  int lastShown = 0;
  auto found = findLearningRate(*job, options, g_stop, [&](int step, int steps, double lr, double smoothed) {
    if (asJson) {
      printJson(
          {{"event", "point"}, {"step", step}, {"steps", steps}, {"lr", lr}, {"smoothed_loss", smoothed}});
    } else if (step - lastShown >= std::max(1, steps / 10)) {
      lastShown = step;
      printLine(QStringLiteral("step %1/%2  rate %3  loss %4")
                    .arg(step)
                    .arg(steps)
                    .arg(rateText(lr))
                    .arg(smoothed, 0, 'f', 4));
    }
  });
  std::signal(SIGINT, SIG_DFL);
  if (!found) return fail(found.error().text());

  TrainingConfig suggested = project->config;
  applySuggestedRate(suggested, found->suggestedLr);
  if (asJson) {
    printJson({{"event", "done"},
               {"suggested_lr", found->suggestedLr},
               {"lr_head", suggested.lrHead},
               {"lr_backbone", suggested.lrBackbone},
               {"reason", found->reason.toStdString()},
               {"points", found->lrs.size()},
               {"diverged", found->diverged},
               {"applied", parser.isSet(QStringLiteral("apply"))}});
  } else {
    printLine(QStringLiteral("Suggested learning rate for the new layer: %1 (pre-trained layers: %2).")
                  .arg(rateText(suggested.lrHead), rateText(suggested.lrBackbone)));
    printLine(found->reason);
  }
  if (parser.isSet(QStringLiteral("apply"))) {
    Project saved = *project;
    saved.config = suggested;
    if (auto s = ProjectFile::save(saved, projectPath); !s) return fail(s.error().text());
    if (!asJson) printLine(QStringLiteral("Saved in %1.").arg(projectPath));
  }
  return kExitSuccess;
}

}  // namespace attune::cli
