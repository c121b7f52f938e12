// Time until the validation accuracy first reaches a target, starting from a real ImageNet-pretrained
// backbone (nsfwjs's MobileNetV2 as a TF.js export, model.architecture=tfjs):
//   cached: frozen backbone, no augmentation, runtime.feature_cache=auto (features computed once)
//   frozen: the same without the cache (the backbone runs on every image every epoch)
//   full:   full fine-tuning, augmentation on
//   bench_feature_cache DATA_FOLDER [--cases cached,frozen,full] [--target 0.85] [--max-epochs 8]
//                       [--max-seconds 900]
//                       [--weights TFJS_FOLDER] [--threads 2] [--workers 2] [--set key=value]...
// Without --weights the export is fetched once (npm) by tests/weights/fetch_tfjs_data.sh into the build
// folder. A run stops at the first epoch that reaches the target. Prints seconds to the target (from
// the start of the run, validation included) and the best accuracy seen. Asserts nothing.

#include "BenchRun.h"
#include "core/training/Runtime.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>

using namespace attune;

namespace {

struct Case {
  const char* name;
  QStringList settings;
};

const Case kCases[] = {
    {"cached",
     {QStringLiteral("freeze.backbone=true"), QStringLiteral("augment.random_resized_crop=false"),
      QStringLiteral("augment.horizontal_flip=false"), QStringLiteral("runtime.feature_cache=auto")}},
    {"frozen",
     {QStringLiteral("freeze.backbone=true"), QStringLiteral("augment.random_resized_crop=false"),
      QStringLiteral("augment.horizontal_flip=false"), QStringLiteral("runtime.feature_cache=off")}},
    {"full",
     {QStringLiteral("freeze.backbone=false"), QStringLiteral("augment.random_resized_crop=true"),
      QStringLiteral("augment.horizontal_flip=true"), QStringLiteral("runtime.feature_cache=auto")}},
};

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("data"),
                               QStringLiteral("Image folder, one sub-folder per class."));
  const QCommandLineOption casesOption(QStringLiteral("cases"), QStringLiteral("cached, frozen, full."),
                                       QStringLiteral("list"), QStringLiteral("cached,frozen,full"));
  const QCommandLineOption targetOption(QStringLiteral("target"), QStringLiteral("Validation accuracy."),
                                        QStringLiteral("fraction"), QStringLiteral("0.85"));
  const QCommandLineOption epochsOption(QStringLiteral("max-epochs"), QStringLiteral("Epochs at most."),
                                        QStringLiteral("n"), QStringLiteral("8"));
  const QCommandLineOption secondsOption(QStringLiteral("max-seconds"),
                                         QStringLiteral("Wall time at most per case (stops at a step)."),
                                         QStringLiteral("s"), QStringLiteral("900"));
  const QCommandLineOption weightsOption(QStringLiteral("weights"), QStringLiteral("TF.js export folder."),
                                         QStringLiteral("folder"));
  parser.addOptions({casesOption, targetOption, epochsOption, secondsOption, weightsOption});
  const bench::RuntimeOptions runtime;
  runtime.addTo(parser);
  parser.addHelpOption();
  parser.process(app);
  if (parser.positionalArguments().size() != 1) parser.showHelp(2);

  const QString weights = bench::nsfwjsMobileNetV2(parser.value(weightsOption));
  if (weights.isEmpty()) return 1;
  const double target = parser.value(targetOption).toDouble();
  const qint64 maxMs = qint64(parser.value(secondsOption).toDouble() * 1000.0);
  const QStringList wanted = parser.value(casesOption).split(QLatin1Char(','), Qt::SkipEmptyParts);

  QTemporaryDir work;
  std::printf(
      "# Attune (LibTorch %s, %s): %s, target %.1f%% validation accuracy, at most %s epochs, weights %s\n",
      qPrintable(torchVersion()), qPrintable(computeDeviceName()), qPrintable(runtime.describe(parser)),
      target * 100.0, qPrintable(parser.value(epochsOption)), qPrintable(weights));
  std::printf("%-8s %12s %7s %14s %9s %10s\n", "case", "to target s", "epoch", "best val acc", "epochs",
              "wall s");
  for (const Case& c : kCases) {
    if (!wanted.contains(QLatin1String(c.name))) continue;
    Project project = bench::folderProject(work.path(), parser.positionalArguments().first(), 0.25);
    const QStringList common = {
        QStringLiteral("model.architecture=tfjs"),
        QStringLiteral("model.weights=") + weights,
        QStringLiteral("epochs=") + parser.value(epochsOption),
        QStringLiteral("batch_size=32"),
        QStringLiteral("runtime.precision=float32"),
    };
    if (!bench::applySettings(project.config, runtime.settings(parser, common + c.settings))) return 2;
    QElapsedTimer wall;
    wall.start();
    auto trace = bench::trainUntil(project, [&](const bench::RunTrace& t) {
      return (!t.epochs.empty() && t.epochs.back().valAccuracy >= target) || wall.elapsed() > maxMs;
    });
    if (!trace) {
      std::fprintf(stderr, "%s: %s\n", c.name, qPrintable(trace.error().text()));
      return 1;
    }
    const EpochMetrics* reached = nullptr;
    double best = 0.0;
    for (const EpochMetrics& e : trace->epochs) {
      best = std::max(best, e.valAccuracy);
      if (!reached && e.valAccuracy >= target) reached = &e;
    }
    if (reached)
      std::printf("%-8s %12.1f %7d", c.name, reached->elapsedMs / 1000.0, reached->epoch);
    else
      std::printf("%-8s %12s %7s", c.name, "not reached", "-");
    std::printf(" %13.1f%% %9zu %10.1f", best * 100.0, trace->epochs.size(), wall.elapsed() / 1000.0);
    const QString notes =
        bench::eventsMentioning(*trace, {QStringLiteral("cache"), QStringLiteral("features")});
    std::printf("%s%s\n", notes.isEmpty() ? "" : "   # ", qPrintable(notes));
    std::fflush(stdout);
  }
  return 0;
}
