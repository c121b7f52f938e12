#include "core/data/BatchLoader.h"

#include "TestImages.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <thread>

using namespace attune;
using namespace attune::test;

namespace {

constexpr int kOutput = 16;
constexpr int kFloatsPerImage = 3 * kOutput * kOutput;
constexpr int kClasses = 3;
// Cancelling must not wait for the rest of the epoch, only for the images being decoded.
constexpr qint64 kPromptMs = 2000;

// Sample i is a uniform PNG whose blue value is i, so every output image says which sample it is.
std::vector<ImageSample> writeSolidSamples(const QTemporaryDir& dir, int count) {
  std::vector<ImageSample> samples;
  for (int i = 0; i < count; ++i) {
    const QString path = dir.filePath(QStringLiteral("s%1.png").arg(i, 3, 10, QLatin1Char('0')));
    saveImage(solidImage(20, 24, QColor(7 * i % 256, 100, i)), path, "PNG");
    samples.push_back({path, i % kClasses});
  }
  return samples;
}

std::vector<ImageSample> writePhotoSamples(const QTemporaryDir& dir, int count, QSize size) {
  std::vector<ImageSample> samples;
  for (int i = 0; i < count; ++i) {
    const QString path = dir.filePath(QStringLiteral("p%1.jpg").arg(i, 3, 10, QLatin1Char('0')));
    saveImage(photoLikeImage(size.width(), size.height(), i), path, "JPEG");
    samples.push_back({path, i % kClasses});
  }
  return samples;
}

BatchLoaderOptions smallOptions(int batchSize, int workers, Shuffle shuffle = Shuffle::No) {
  BatchLoaderOptions options;
  options.batchSize = batchSize;
  options.workers = workers;
  options.shuffle = shuffle;
  options.seed = 99;
  options.transform.outputSize = kOutput;
  options.transform.mode = TransformMode::Evaluation;
  return options;
}

// The sample index encoded in image `n` of a batch of solid samples (its blue channel).
int sampleIndexOf(const ImageBatch& batch, int n) {
  const Normalization norm;
  const float blue = batch.pixels[size_t(n * kFloatsPerImage + 2 * kOutput * kOutput)];
  return int(std::lround((blue * norm.std[2] + norm.mean[2]) * 255.0f));
}

// Every batch of an epoch, in order; the sample indices seen, in order.
std::vector<int> epochOrder(const std::vector<ImageSample>& samples, const BatchLoaderOptions& options,
                            std::vector<ImageBatch>* batches = nullptr) {
  BatchLoader loader(samples, options);
  std::vector<int> order;
  while (std::optional<ImageBatch> batch = loader.next()) {
    for (int n = 0; n < batch->count; ++n) order.push_back(sampleIndexOf(*batch, n));
    if (batches) batches->push_back(std::move(*batch));
  }
  return order;
}

std::vector<float> allPixels(const std::vector<ImageSample>& samples, const BatchLoaderOptions& options) {
  BatchLoader loader(samples, options);
  std::vector<float> pixels;
  while (std::optional<ImageBatch> batch = loader.next())
    pixels.insert(pixels.end(), batch->pixels.begin(), batch->pixels.end());
  return pixels;
}

}  // namespace

class TestBatchLoader : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everySampleOncePerEpoch_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("batchSize");
    QTest::addColumn<int>("workers");
    QTest::addColumn<bool>("shuffle");
    QTest::newRow("1 worker, in order") << 23 << 4 << 1 << false;
    QTest::newRow("3 workers, in order") << 23 << 4 << 3 << false;
    QTest::newRow("3 workers, shuffled") << 23 << 7 << 3 << true;
    QTest::newRow("batch larger than the data") << 5 << 8 << 2 << true;
    QTest::newRow("more workers than images") << 3 << 1 << 8 << false;
  }

  void everySampleOncePerEpoch() {
    QFETCH(int, count);
    QFETCH(int, batchSize);
    QFETCH(int, workers);
    QFETCH(bool, shuffle);
    QTemporaryDir dir;
    const std::vector<ImageSample> samples = writeSolidSamples(dir, count);
    BatchLoaderOptions options = smallOptions(batchSize, workers, shuffle ? Shuffle::Yes : Shuffle::No);

    BatchLoader loader(samples, options);
    QCOMPARE(loader.batchCount(), (count + batchSize - 1) / batchSize);
    std::vector<int> seen;
    int batches = 0;
    while (std::optional<ImageBatch> batch = loader.next()) {
      ++batches;
      const int expectedCount = batches < loader.batchCount() ? batchSize : count - (batches - 1) * batchSize;
      QCOMPARE(batch->count, expectedCount);
      QCOMPARE(batch->channels, 3);
      QCOMPARE(batch->height, kOutput);
      QCOMPARE(batch->width, kOutput);
      QCOMPARE(int(batch->pixels.size()), batch->count * kFloatsPerImage);
      QCOMPARE(int(batch->labels.size()), batch->count);
      QVERIFY(batch->failedPaths.isEmpty());
      for (int n = 0; n < batch->count; ++n) {
        const int index = sampleIndexOf(*batch, n);
        QCOMPARE(batch->labels[size_t(n)], int64_t(samples[size_t(index)].label));
        seen.push_back(index);
      }
    }
    QCOMPARE(batches, loader.batchCount());
    QVERIFY(!loader.next());  // stays finished

    std::vector<int> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < count; ++i) QCOMPARE(sorted[size_t(i)], i);
    if (!shuffle) QCOMPARE(seen, sorted);
  }

  void shuffleIsSeededPerEpoch() {
    QTemporaryDir dir;
    const std::vector<ImageSample> samples = writeSolidSamples(dir, 30);
    BatchLoaderOptions options = smallOptions(8, 2, Shuffle::Yes);
    const std::vector<int> first = epochOrder(samples, options);
    QCOMPARE(epochOrder(samples, options), first);
    options.workers = 3;
    QCOMPARE(epochOrder(samples, options), first);

    options.epoch = 1;
    const std::vector<int> second = epochOrder(samples, options);
    QVERIFY(second != first);
    options.epoch = 0;
    options.seed = 100;
    QVERIFY(epochOrder(samples, options) != first);
  }

  void augmentationDoesNotDependOnWorkers() {
    QTemporaryDir dir;
    const std::vector<ImageSample> samples = writePhotoSamples(dir, 12, QSize(60, 45));
    BatchLoaderOptions options = smallOptions(5, 1, Shuffle::Yes);
    options.transform.mode = TransformMode::Training;
    const std::vector<float> oneWorker = allPixels(samples, options);
    options.workers = 4;
    QVERIFY(allPixels(samples, options) == oneWorker);
    options.epoch = 1;
    QVERIFY(allPixels(samples, options) != oneWorker);
  }

  void failedImagesAreReportedAndLeftOut() {
    QTemporaryDir dir;
    std::vector<ImageSample> samples = writeSolidSamples(dir, 6);
    const QString corrupt = dir.filePath(QStringLiteral("corrupt.jpg"));
    QVERIFY(writeCorruptJpeg(corrupt));
    const QString missing = dir.filePath(QStringLiteral("missing.png"));
    samples.insert(samples.begin() + 1, {corrupt, 2});
    samples.push_back({missing, 1});
    samples.push_back({missing, 1});  // with the previous one, the whole last batch fails

    std::vector<ImageBatch> batches;
    const std::vector<int> order = epochOrder(samples, smallOptions(3, 2), &batches);
    QCOMPARE(int(batches.size()), 3);
    QCOMPARE(batches[0].count, 2);
    QCOMPARE(batches[0].failedPaths, QStringList{corrupt});
    QCOMPARE(batches[0].failedReasons.size(), 1);
    QVERIFY(batches[0].failedReasons[0].contains(QStringLiteral("corrupt.jpg")));
    QCOMPARE(batches[0].labels, (std::vector<int64_t>{0, 1}));
    QCOMPARE(batches[1].count, 3);
    QCOMPARE(batches[2].count, 1);
    QCOMPARE(batches[2].failedPaths, (QStringList{missing, missing}));
    QCOMPARE(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));

    // A batch where everything failed still comes out, empty, so batch numbering stays intact.
    BatchLoader loader({{missing, 0}, {missing, 1}}, smallOptions(2, 1));
    std::optional<ImageBatch> empty = loader.next();
    QVERIFY(empty.has_value());
    QCOMPARE(empty->count, 0);
    QVERIFY(empty->pixels.empty());
    QVERIFY(empty->labels.empty());
    QCOMPARE(empty->failedPaths.size(), 2);
    QVERIFY(!loader.next());
  }

  void workersStayWithinThePrefetchWindow() {
    // With one batch of prefetch, nothing past batch 0 may be decoded before the consumer takes
    // it: files deleted meanwhile must fail, whatever the timing.
    QTemporaryDir dir;
    const std::vector<ImageSample> samples = writeSolidSamples(dir, 8);
    BatchLoaderOptions options = smallOptions(2, 3);
    options.prefetchBatches = 1;
    BatchLoader loader(samples, options);
    QTest::qWait(100);
    for (size_t i = 2; i < samples.size(); ++i) QVERIFY(QFile::remove(samples[i].path));
    QCOMPARE(loader.next()->count, 2);
    for (int b = 1; b < 4; ++b) QCOMPARE(loader.next()->failedPaths.size(), 2);
  }

  void emptySampleList() {
    BatchLoader loader({}, smallOptions(4, 2));
    QCOMPARE(loader.batchCount(), 0);
    QVERIFY(!loader.next());
  }

  void cancelStopsPromptly() {
    QTemporaryDir dir;
    const std::vector<ImageSample> samples = writePhotoSamples(dir, 60, QSize(200, 150));
    BatchLoaderOptions options = smallOptions(4, 2, Shuffle::Yes);
    options.transform.mode = TransformMode::Training;

    // Cancelled from another thread while the consumer waits in next().
    {
      options.prefetchBatches = 1;
      BatchLoader loader(samples, options);
      QVERIFY(loader.next().has_value());
      QElapsedTimer timer;
      timer.start();
      std::thread canceller([&] { loader.cancel(); });
      int received = 0;
      while (loader.next()) ++received;  // batches finished before the cancel may still arrive
      canceller.join();
      QVERIFY2(timer.elapsed() < kPromptMs, qPrintable(QString::number(timer.elapsed())));
      QVERIFY(received < loader.batchCount() - 1);
      QVERIFY(!loader.next());
    }

    // Destroyed mid-epoch without being drained: the destructor joins the workers quickly.
    {
      options.prefetchBatches = 4;
      QElapsedTimer timer;
      {
        BatchLoader loader(samples, options);
        QVERIFY(loader.next().has_value());
        timer.start();
      }
      QVERIFY2(timer.elapsed() < kPromptMs, qPrintable(QString::number(timer.elapsed())));
    }

    // Destroyed before anything was consumed, with workers blocked on a full window.
    {
      options.prefetchBatches = 1;
      BatchLoader loader(samples, options);
      QTest::qWait(50);
    }
  }
};

QTEST_GUILESS_MAIN(TestBatchLoader)
#include "test_batch_loader.moc"
