// Training steps in float32 versus bfloat16 (runtime.precision): images per second after a warm-up,
// and the training loss after the same steps from the same seed, to show that bfloat16 still trains.
//   bench_precision DATA_FOLDER [--cases resnet18:160,vit_b_16:112] [--batch 8] [--threads 2]
//                   [--workers 2] [--warmup 3] [--steps 15] [--set key=value]...
// Random initialisation; augmentation off so that both precisions see the same pixels. Asserts nothing.

#include "BenchRun.h"
#include "core/training/Runtime.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>

using namespace attune;

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("data"),
                               QStringLiteral("Image folder, one sub-folder per class."));
  const QCommandLineOption casesOption(QStringLiteral("cases"),
                                       QStringLiteral("architecture:input side, ..."), QStringLiteral("list"),
                                       QStringLiteral("resnet18:160,vit_b_16:112"));
  const QCommandLineOption batchOption(QStringLiteral("batch"), QStringLiteral("Batch size."),
                                       QStringLiteral("n"), QStringLiteral("8"));
  parser.addOptions({casesOption, batchOption});
  const bench::RuntimeOptions runtime;
  const bench::StepCountOptions stepCounts(3, 15);
  runtime.addTo(parser);
  stepCounts.addTo(parser);
  parser.addHelpOption();
  parser.process(app);
  if (parser.positionalArguments().size() != 1) parser.showHelp(2);

  QTemporaryDir work;
  const int warmup = stepCounts.warmupSteps(parser);
  const int measured = stepCounts.measuredSteps(parser);
  std::printf(
      "# Attune (LibTorch %s, %s): %s, batch %s, %d warm-up + %d measured steps; loss: first measured "
      "step, mean of the last 5\n",
      qPrintable(torchVersion()), qPrintable(computeDeviceName()), qPrintable(runtime.describe(parser)),
      qPrintable(parser.value(batchOption)), warmup, measured);
  std::printf("%-14s %5s %-9s %10s %10s %11s %11s\n", "architecture", "input", "precision", "images/s",
              "ms/step", "first loss", "last loss");
  for (const QString& item : parser.value(casesOption).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    const QString architecture = item.section(QLatin1Char(':'), 0, 0);
    const QString side = item.section(QLatin1Char(':'), 1, 1);
    double float32Rate = 0.0;
    for (const char* precision : {"float32", "bfloat16"}) {
      Project project = bench::folderProject(work.path(), parser.positionalArguments().first(), 0.1);
      const QStringList settings = {
          QStringLiteral("model.architecture=") + architecture,
          QStringLiteral("model.input_size=") + (side.isEmpty() ? QStringLiteral("224") : side),
          QStringLiteral("batch_size=") + parser.value(batchOption),
          QStringLiteral("augment.random_resized_crop=false"),
          QStringLiteral("augment.horizontal_flip=false"),
          QStringLiteral("freeze.backbone=false"),
          QStringLiteral("runtime.feature_cache=off"),
          QStringLiteral("runtime.precision=") + QLatin1String(precision),
      };
      if (!bench::applySettings(project.config, runtime.settings(parser, settings))) return 2;
      project.config.weightsPath.clear();
      bench::RunTrace trace;
      auto result = bench::measureSteps(project, warmup, measured, &trace);
      if (!result) {
        std::fprintf(stderr, "%s %s: %s\n", qPrintable(architecture), precision,
                     qPrintable(result.error().text()));
        return 1;
      }
      if (float32Rate == 0.0) float32Rate = result->imagesPerSecond;
      std::printf("%-14s %5d %-9s %10.2f %10.1f %11.4f %11.4f", qPrintable(architecture),
                  *project.config.inputSize, precision, result->imagesPerSecond, result->msPerStep,
                  result->firstLoss, result->meanLastLoss);
      if (float32Rate > 0.0 && result->imagesPerSecond != float32Rate)
        std::printf("   x%.2f", result->imagesPerSecond / float32Rate);
      const QString notes =
          bench::eventsMentioning(trace, {QStringLiteral("bfloat16"), QStringLiteral("precision")});
      std::printf("%s%s\n", notes.isEmpty() ? "" : "   # ", qPrintable(notes));
      std::fflush(stdout);
    }
  }
  return 0;
}
