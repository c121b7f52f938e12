// Text training throughput of Attune's whole loop (tokenised texts, BERT forward, backward, AdamW
// step) in texts per second after a warm-up. The same run in PyTorch is bench_text_throughput.py,
// which also writes the inputs both sides read (--prepare: a BERT-base model folder and texts.csv);
// run_text_throughput.sh runs both and prints the ratio.
//   bench_text_throughput FOLDER [--tokens 64,128] [--batch 8] [--threads 2] [--warmup 2] [--steps 8]
//                         [--set key=value]...
// Prints, per token count, "attune bert-TOKENS TOKENS BATCH TEXTS_PER_S MS_PER_STEP", "phases attune
// bert-TOKENS ..." (ms; StepPhases) and "memory attune bert-TOKENS MB peak resident", as
// bench_train_throughput does for images. Asserts nothing.

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
  parser.addPositionalArgument(QStringLiteral("folder"),
                               QStringLiteral("What bench_text_throughput.py --prepare wrote."));
  const QCommandLineOption tokensOption(QStringLiteral("tokens"), QStringLiteral("Tokens per text, a list."),
                                        QStringLiteral("list"), QStringLiteral("64,128"));
  const QCommandLineOption batchOption(QStringLiteral("batch"), QStringLiteral("Batch size."),
                                       QStringLiteral("n"), QStringLiteral("8"));
  parser.addOptions({tokensOption, batchOption});
  const bench::RuntimeOptions runtime;
  const bench::StepCountOptions stepCounts(2, 8);
  runtime.addTo(parser);
  stepCounts.addTo(parser);
  parser.addHelpOption();
  parser.process(app);
  if (parser.positionalArguments().size() != 1) parser.showHelp(2);
  const QDir inputs(parser.positionalArguments().first());
  if (!inputs.exists(QStringLiteral("texts.csv")) ||
      !inputs.exists(QStringLiteral("bert-base/config.json"))) {
    std::fprintf(stderr, "%s has no texts.csv and bert-base/: run bench_text_throughput.py --prepare first\n",
                 qPrintable(inputs.path()));
    return 2;
  }

  QTemporaryDir work;
  const int warmup = stepCounts.warmupSteps(parser);
  const int measured = stepCounts.measuredSteps(parser);
  std::printf("# Attune (LibTorch %s, %s): %s, texts tokenised in advance, %d warm-up + %d measured steps\n",
              qPrintable(torchVersion()), qPrintable(computeDeviceName()),
              qPrintable(runtime.describe(parser)), warmup, measured);
  for (const QString& tokens : parser.value(tokensOption).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    Project project;
    project.filePath = QDir(work.path()).filePath(QStringLiteral("bench.attune"));
    project.name = QStringLiteral("bench");
    project.task = TaskKind::TextClassification;
    project.data.table = inputs.absoluteFilePath(QStringLiteral("texts.csv"));
    project.data.textColumn = QStringLiteral("text");
    project.data.labelColumn = QStringLiteral("label");
    project.data.valFraction = 0.1;
    TrainingConfig& config = project.config;
    // The settings bench_text_throughput.py mirrors: the model folder's encoder and a new head, AdamW
    // with two rates and the decay split, label smoothing, nothing frozen, float32.
    const QStringList settings = {
        QStringLiteral("model.architecture=bert"),
        QStringLiteral("model.weights=") + inputs.absoluteFilePath(QStringLiteral("bert-base")),
        QStringLiteral("model.max_tokens=") + tokens,
        QStringLiteral("batch_size=") + parser.value(batchOption),
        QStringLiteral("optim.kind=adamw"),
        QStringLiteral("optim.lr_head=1e-3"),
        QStringLiteral("optim.lr_backbone=2e-5"),
        QStringLiteral("optim.weight_decay=1e-2"),
        QStringLiteral("optim.layer_decay=1"),
        QStringLiteral("loss.label_smoothing=0.1"),
        QStringLiteral("freeze.backbone=false"),
        QStringLiteral("freeze.groups=0"),
        QStringLiteral("runtime.precision=float32"),
    };
    if (!bench::applySettings(config, runtime.settings(parser, settings))) return 2;
    const QString name = QStringLiteral("bert-") + tokens;
    const bool peakReset = resetPeakResident();
    auto result = bench::measureSteps(project, warmup, measured);
    if (!result) {
      std::fprintf(stderr, "%s: %s\n", qPrintable(name), qPrintable(result.error().text()));
      return 1;
    }
    std::printf("attune %-14s %5d %5d %10.2f %10.1f\n", qPrintable(name), config.maxTokens, config.batchSize,
                result->imagesPerSecond, result->msPerStep);
    const StepPhases& p = result->phases;
    std::printf("phases attune %-14s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", qPrintable(name), p.dataWaitMs,
                p.toTensorMs, p.forwardMs, p.backwardMs, p.updateMs, result->otherMs);
    std::printf("# attune %s, a step: %s\n", qPrintable(name),
                qPrintable(bench::describePhases(p, result->otherMs)));
    const auto peak = peakResidentBytes();
    std::printf("memory attune %-14s %8.0f MB peak resident%s\n", qPrintable(name),
                peak ? double(*peak) / 1e6 : 0.0, peakReset ? "" : " (since the process started)");
    std::fflush(stdout);
  }
  return 0;
}
