// attune-cli lr-find: the learning-rate range test on a project, with the suggestion and its reason;
// --apply writes the suggested rates into the project.
#include "app/cli/CatalogDownload.h"
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "app/cli/InterruptGuard.h"
#include "core/project/ProjectFile.h"
#include "core/training/LrFinder.h"
#include "core/training/TrainingJob.h"

#include <cmath>

namespace attune::cli {
namespace {

QString rateText(double lr) {
  return QString::number(lr, 'e', 2);
}

}  // namespace

int commandLrFind(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("lr-find"),
      .usage = QStringLiteral(
          "usage: attune-cli lr-find PROJECT.attune [--set key=value]... [--steps N] [--apply] [--json]"),
      .description = QStringLiteral(
          "The learning-rate range test on the project's data and model, with the suggested rate and why. "
          "Ctrl-C stops the test early."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options =
          {
              {QStringLiteral("set"),
               QStringLiteral("Change a setting for this test (key=value; attune-cli settings lists them)."),
               QStringLiteral("key=value")},
              {QStringLiteral("json"), QStringLiteral("One JSON event per line on stdout.")},
              {QStringLiteral("steps"), QStringLiteral("Steps of the test (default 100)."),
               QStringLiteral("n")},
              {QStringLiteral("apply"), QStringLiteral("Save the suggested rates in the project.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  LrFinderOptions options;
  if (command.isSet(QStringLiteral("steps"))) {
    bool ok = false;
    options.steps = command.value(QStringLiteral("steps")).toInt(&ok);
    if (!ok || options.steps < 10 || options.steps > 10000)
      return command.usageError(QStringLiteral("--steps takes a whole number from 10 to 10000."));
  }
  const bool asJson = command.asJson();
  const QString projectPath = command.positionals().first();
  auto project = command.loadProject();
  if (!project) return kExitFailure;
  Project testProject = *project;
  if (auto s = applySettings(testProject.config, command.values(QStringLiteral("set"))); !s) {
    printError(s.error().text());
    return kExitUsage;
  }
  if (auto fetched = ensureCatalogWeights(testProject.config.weightsPath, asJson); !fetched)
    return command.fail(fetched.error().text());
  auto job = prepareTrainingJob(testProject);
  if (!job) return command.fail(job.error().text());

  int lastShown = 0;
  auto progress = [&](int step, int steps, double lr, double smoothed) {
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
  };
  // Ctrl-C stops the test while it runs; afterwards (while saving) it ends the process as usual.
  auto found = [&] {
    const InterruptGuard interrupt;
    return findLearningRate(*job, options, interrupt.stopFlag(), progress);
  }();
  if (!found) return command.fail(found.error().text());

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
               {"applied", command.isSet(QStringLiteral("apply"))}});
  } else {
    printLine(QStringLiteral("Suggested learning rate for the new layer: %1 (pre-trained layers: %2).")
                  .arg(rateText(suggested.lrHead), rateText(suggested.lrBackbone)));
    printLine(found->reason);
  }
  if (command.isSet(QStringLiteral("apply"))) {
    Project saved = *project;
    saved.config = suggested;
    if (auto s = ProjectFile::save(saved, projectPath); !s) return command.fail(s.error().text());
    if (!asJson) printLine(QStringLiteral("Saved in %1.").arg(projectPath));
  }
  return kExitSuccess;
}

}  // namespace attune::cli
