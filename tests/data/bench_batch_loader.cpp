// Images per second of BatchLoader (decode + augment to 224 x 224) on a generated folder of 256
// JPEGs of 500 x 375, the size of a typical web photo. Not a test: run it by hand and compare.
//   bench_batch_loader [image count] [max workers]

#include "core/data/BatchLoader.h"

#include "TestImages.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace attune;

namespace {

struct Speed {
  double imagesPerSecond = 0;
  double cpuMsPerImage = 0;  // all threads; unlike wall time, barely affected by a busy machine
};

Speed measure(const std::vector<ImageSample>& samples, TransformMode mode, int workers, int epoch) {
  BatchLoaderOptions options;
  options.batchSize = 32;
  options.workers = workers;
  options.shuffle = Shuffle::Yes;
  options.epoch = epoch;
  options.transform.outputSize = 224;
  options.transform.mode = mode;
  QElapsedTimer timer;
  timer.start();
  const std::clock_t cpuStart = std::clock();
  int images = 0;
  {
    BatchLoader loader(samples, options);
    while (std::optional<ImageBatch> batch = loader.next()) images += batch->count;
  }
  const double cpuSeconds = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
  return {images / (double(timer.nsecsElapsed()) * 1e-9), 1000.0 * cpuSeconds / std::max(1, images)};
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const int imageCount = argc > 1 ? std::max(1, atoi(argv[1])) : 256;
  const int maxWorkers = argc > 2 ? std::max(1, atoi(argv[2])) : 2;

  QTemporaryDir dir;
  std::vector<ImageSample> samples;
  for (int i = 0; i < imageCount; ++i) {
    const QString path = dir.filePath(QStringLiteral("%1.jpg").arg(i));
    if (!test::saveImage(test::photoLikeImage(500, 375, i), path, "JPEG", 90)) {
      std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
      return 1;
    }
    samples.push_back({path, i % 10});
  }
  measure(samples, TransformMode::Evaluation, 1, 0);  // warm the page cache and plugins

  std::printf("%d JPEGs of 500x375 -> 224x224, batch 32\n", imageCount);
  for (TransformMode mode : {TransformMode::Evaluation, TransformMode::Training}) {
    for (int workers = 1; workers <= maxWorkers; ++workers) {
      Speed best;
      for (int run = 0; run < 3; ++run) {
        const Speed speed = measure(samples, mode, workers, run);
        if (speed.imagesPerSecond > best.imagesPerSecond) best = speed;
      }
      std::printf("%-10s %d worker%s: %7.1f images/s, %.2f CPU ms per image\n",
                  mode == TransformMode::Training ? "training" : "evaluation", workers,
                  workers == 1 ? " " : "s", best.imagesPerSecond, best.cpuMsPerImage);
    }
  }
  return 0;
}
