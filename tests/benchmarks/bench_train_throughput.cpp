// Training throughput of Attune's whole loop (decode, random resized crop + flip, normalise, forward,
// backward, AdamW step) on a folder of real images, in images per second after a warm-up. The same
// run in PyTorch is bench_train_throughput.py; run_throughput.sh runs both and prints the ratio.
//   bench_train_throughput DATA_FOLDER [--arch resnet18,mobilenet_v2] [--size 160] [--batch 32]
//                          [--threads 2] [--workers 2] [--warmup 5] [--steps 20] [--set key=value]...
// Prints one line per architecture: "attune ARCH INPUT BATCH IMAGES_PER_S MS_PER_STEP", then where an
// average measured step's time went: "phases attune ARCH DATA_WAIT TO_TENSOR FORWARD BACKWARD UPDATE
// OTHER" (ms; StepPhases in core/training/RunMetrics.h) and the same in words, then "memory attune ARCH
// MB peak resident" (the process's peak during that architecture's run). Asserts nothing.

#include "BenchRun.h"
#include "core/common/ProcessMemory.h"
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
  const QCommandLineOption archOption(QStringLiteral("arch"), QStringLiteral("Architectures."),
                                      QStringLiteral("list"), QStringLiteral("resnet18,mobilenet_v2"));
  const QCommandLineOption sizeOption(QStringLiteral("size"), QStringLiteral("Input side."),
                                      QStringLiteral("px"), QStringLiteral("160"));
  const QCommandLineOption batchOption(QStringLiteral("batch"), QStringLiteral("Batch size."),
                                       QStringLiteral("n"), QStringLiteral("32"));
  parser.addOptions({archOption, sizeOption, batchOption});
  const bench::RuntimeOptions runtime;
  const bench::StepCountOptions stepCounts(5, 20);
  runtime.addTo(parser);
  stepCounts.addTo(parser);
  parser.addHelpOption();
  parser.process(app);
  if (parser.positionalArguments().size() != 1) parser.showHelp(2);

  QTemporaryDir work;
  const int warmup = stepCounts.warmupSteps(parser);
  const int measured = stepCounts.measuredSteps(parser);
  std::printf("# Attune (LibTorch %s, %s): %s, %d warm-up + %d measured steps\n", qPrintable(torchVersion()),
              qPrintable(computeDeviceName()), qPrintable(runtime.describe(parser)), warmup, measured);
  for (const QString& architecture : parser.value(archOption).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    Project project = bench::folderProject(work.path(), parser.positionalArguments().first(), 0.1);
    TrainingConfig& config = project.config;
    // The settings bench_train_throughput.py mirrors: random initialisation, AdamW with Attune's two
    // rates and decay split, label smoothing, random resized crop + flip, float32.
    const QStringList settings = {
        QStringLiteral("model.architecture=") + architecture,
        QStringLiteral("model.input_size=") + parser.value(sizeOption),
        QStringLiteral("batch_size=") + parser.value(batchOption),
        QStringLiteral("optim.kind=adamw"),
        QStringLiteral("optim.lr_head=1e-3"),
        QStringLiteral("optim.lr_backbone=1e-4"),
        QStringLiteral("optim.weight_decay=1e-2"),
        QStringLiteral("loss.label_smoothing=0.1"),
        QStringLiteral("augment.random_resized_crop=true"),
        QStringLiteral("augment.horizontal_flip=true"),
        QStringLiteral("freeze.backbone=false"),
        QStringLiteral("runtime.precision=float32"),
    };
    if (!bench::applySettings(config, runtime.settings(parser, settings))) return 2;
    config.weightsPath.clear();
    // Each architecture's peak on its own (the loader's workers are threads of this process).
    const bool peakReset = resetPeakResident();
    auto result = bench::measureSteps(project, warmup, measured);
    if (!result) {
      std::fprintf(stderr, "%s: %s\n", qPrintable(architecture), qPrintable(result.error().text()));
      return 1;
    }
    std::printf("attune %-14s %5d %5d %10.2f %10.1f\n", qPrintable(architecture), *config.inputSize,
                config.batchSize, result->imagesPerSecond, result->msPerStep);
    const StepPhases& p = result->phases;
    std::printf("phases attune %-14s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", qPrintable(architecture),
                p.dataWaitMs, p.toTensorMs, p.forwardMs, p.backwardMs, p.updateMs, result->otherMs);
    std::printf("# attune %s, a step: %s\n", qPrintable(architecture),
                qPrintable(bench::describePhases(p, result->otherMs)));
    const auto peak = peakResidentBytes();
    std::printf("memory attune %-14s %8.0f MB peak resident%s\n", qPrintable(architecture),
                peak ? double(*peak) / 1e6 : 0.0, peakReset ? "" : " (since the process started)");
    std::fflush(stdout);
  }
  return 0;
}
