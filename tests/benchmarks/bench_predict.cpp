// Prediction throughput of Attune's Predictor (what "Try it" and `attune-cli predict` use: decode,
// resize, centre crop, normalise, forward, softmax) on the first N images of a folder, in images per
// second. The model is trained first for one epoch on a few images per class (only to have a run to
// open; its weights do not change the speed). The same in PyTorch is bench_predict.py (torchvision
// model, no_grad, DataLoader); run_predict.sh runs both and prints the ratio.
//   bench_predict DATA_FOLDER [--arch resnet18,mobilenet_v2] [--size 96] [--images 1000]
//                 [--threads 2] [--workers 2] [--set key=value]...
// Prints "attune ARCH INPUT IMAGES IMAGES_PER_S SECONDS" per architecture. Asserts nothing.

#include "BenchRun.h"
#include "core/eval/Predictor.h"
#include "core/training/Runtime.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace attune;

namespace {

// The image files under `folder`, sorted by path (the Python twin sorts the same way).
QStringList imagesUnder(const QString& folder) {
  QStringList paths;
  QDirIterator it(folder, {QStringLiteral("*.png"), QStringLiteral("*.jpg")}, QDir::Files,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) paths << it.next();
  std::sort(paths.begin(), paths.end());
  return paths;
}

// A folder with `perClass` images of each class of `source`, for the run that makes the model.
bool copySmallFolder(const QString& source, const QString& target, int perClass) {
  for (const QString& cls : QDir(source).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    if (!QDir().mkpath(target + QLatin1Char('/') + cls)) return false;
    const QStringList files = QDir(source + QLatin1Char('/') + cls).entryList(QDir::Files, QDir::Name);
    for (int i = 0; i < std::min(perClass, int(files.size())); ++i)
      if (!QFile::copy(source + QLatin1Char('/') + cls + QLatin1Char('/') + files[i],
                       target + QLatin1Char('/') + cls + QLatin1Char('/') + files[i]))
        return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("data"),
                               QStringLiteral("Image folder, one sub-folder per class."));
  const QCommandLineOption archOption(QStringLiteral("arch"), QStringLiteral("Architectures."),
                                      QStringLiteral("list"), QStringLiteral("resnet18,mobilenet_v2"));
  const QCommandLineOption sizeOption(QStringLiteral("size"), QStringLiteral("Input side."),
                                      QStringLiteral("px"), QStringLiteral("96"));
  const QCommandLineOption imagesOption(QStringLiteral("images"), QStringLiteral("Images to classify."),
                                        QStringLiteral("n"), QStringLiteral("1000"));
  parser.addOptions({archOption, sizeOption, imagesOption});
  const bench::RuntimeOptions runtime;
  runtime.addTo(parser);
  parser.addHelpOption();
  parser.process(app);
  if (parser.positionalArguments().size() != 1) parser.showHelp(2);
  const QString data = parser.positionalArguments().first();
  QStringList images = imagesUnder(data);
  images = images.mid(0, std::max(1, parser.value(imagesOption).toInt()));

  QTemporaryDir work;
  const QString small = work.filePath(QStringLiteral("small"));
  if (!copySmallFolder(data, small, 8)) {
    std::fprintf(stderr, "Could not copy a few images of each class to %s\n", qPrintable(small));
    return 1;
  }
  std::printf("# Attune (LibTorch %s, %s): %s, batch 32 (the Predictor's), %lld images\n",
              qPrintable(torchVersion()), qPrintable(computeDeviceName()),
              qPrintable(runtime.describe(parser)), static_cast<long long>(images.size()));
  for (const QString& architecture : parser.value(archOption).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    Project project = bench::folderProject(work.path(), small, 0.25);
    const QStringList settings = {
        QStringLiteral("model.architecture=") + architecture,
        QStringLiteral("model.input_size=") + parser.value(sizeOption),
        QStringLiteral("epochs=1"),
        QStringLiteral("batch_size=16"),
        QStringLiteral("runtime.precision=float32"),
    };
    if (!bench::applySettings(project.config, runtime.settings(parser, settings))) return 2;
    project.config.weightsPath.clear();
    auto trained = bench::trainUntil(project, [](const bench::RunTrace&) { return false; });
    if (!trained) {
      std::fprintf(stderr, "%s: %s\n", qPrintable(architecture), qPrintable(trained.error().text()));
      return 1;
    }
    auto predictor = Predictor::openRun(trained->summary.runDir);
    if (!predictor) {
      std::fprintf(stderr, "%s: %s\n", qPrintable(architecture), qPrintable(predictor.error().text()));
      return 1;
    }
    // Warm-up: the first batch allocates what every later one reuses.
    (void)(*predictor)->predictImages(images.mid(0, 32));
    QElapsedTimer clock;
    clock.start();
    auto rows = (*predictor)->predictImages(images);
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    if (!rows) {
      std::fprintf(stderr, "%s: %s\n", qPrintable(architecture), qPrintable(rows.error().text()));
      return 1;
    }
    std::printf("attune %-14s %5d %6lld %10.2f %8.2f\n", qPrintable(architecture), *project.config.inputSize,
                static_cast<long long>(images.size()), double(images.size()) / seconds, seconds);
    std::fflush(stdout);
  }
  return 0;
}
