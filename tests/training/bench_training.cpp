// Training throughput on this machine: images per second of the whole loop (decode, augment, forward,
// backward, optimiser step) for a few architectures and input sizes. Prints figures; asserts nothing.
//   bench_training [images_per_class]

#include "TinyDataset.h"
#include "core/training/Runtime.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>

using namespace attune;

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const int imagesPerClass = argc > 1 ? std::max(8, std::atoi(argv[1])) : 48;
  QTemporaryDir dir;
  const QString data = dir.filePath(QStringLiteral("data"));
  testing::writeTinyDataset(data, 2, imagesPerClass, 256);

  struct Case {
    const char* architecture;
    int inputSize;
    FreezeMode freeze;
  };
  const Case cases[] = {{"resnet18", 64, FreezeMode::None},
                        {"resnet18", 224, FreezeMode::None},
                        {"resnet18", 224, FreezeMode::Backbone},
                        {"mobilenet_v2", 224, FreezeMode::None},
                        {"resnet50", 224, FreezeMode::None}};
  std::printf("LibTorch %s on %s, %d threads, %d training images, batch 16\n", qPrintable(torchVersion()),
              qPrintable(computeDeviceName()), configureThreads(std::nullopt), int(imagesPerClass * 2 * 0.8));
  std::printf("%-14s %6s %-9s %12s %12s\n", "architecture", "input", "backbone", "images/s", "ms/step");
  for (const Case& c : cases) {
    Project project = testing::tinyProject(dir.filePath(QStringLiteral("bench.attune")), data);
    project.data.valFraction = 0.2;
    project.config.architecture = QString::fromUtf8(c.architecture);
    project.config.inputSize = c.inputSize;
    project.config.freeze = c.freeze;
    project.config.batchSize = 16;
    project.config.epochs = 1;
    project.config.randomResizedCrop = true;
    project.config.horizontalFlip = true;
    project.config.loaderWorkers = 2;
    auto job = prepareTrainingJob(project);
    if (!job) {
      std::fprintf(stderr, "%s\n", qPrintable(job.error().text()));
      return 1;
    }
    TrainingSession session(job.value());
    session.run();
    const auto drain = session.metrics().drain();
    if (drain.steps.size() < 3) {
      std::fprintf(stderr, "%s: too few steps (%s)\n", c.architecture, qPrintable(session.summary().message));
      return 1;
    }
    // From the end of the first step (warm-up, allocations) to the end of the last full batch.
    const auto& first = drain.steps.front();
    const auto& last = drain.steps[drain.steps.size() - 2];
    const double ms = last.elapsedMs - first.elapsedMs;
    const double steps = double(last.step - first.step);
    std::printf("%-14s %6d %-9s %12.1f %12.1f\n", c.architecture, c.inputSize,
                c.freeze == FreezeMode::Backbone ? "frozen" : "trained", steps * 16.0 / (ms / 1000.0),
                ms / steps);
  }
  return 0;
}
