#include "core/data/ImageTransform.h"

#include "TestImages.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <vector>

using namespace attune;
using namespace attune::test;

namespace {

constexpr int kOutput = 32;
constexpr int kPlane = kOutput * kOutput;

float normalised(int value, int channel, const Normalization& norm = {}) {
  return (float(value) / 255.0f - norm.mean[size_t(channel)]) / norm.std[size_t(channel)];
}

std::vector<float> transform(const QImage& image, const TransformOptions& options, uint64_t seed = 0) {
  std::vector<float> out(size_t(3 * options.outputSize * options.outputSize), -1000.0f);
  std::mt19937_64 rng(seed);
  transformImage(image, options, rng, out.data());
  return out;
}

TransformOptions evaluation(int outputSize = kOutput) {
  TransformOptions options;
  options.outputSize = outputSize;
  options.mode = TransformMode::Evaluation;
  return options;
}

// The RGB colour at (x, y) of a CHW output, back in 0-255 units.
QColor colourAt(const std::vector<float>& chw, int x, int y, int size = kOutput) {
  const Normalization norm;
  int rgb[3];
  for (int c = 0; c < 3; ++c) {
    const float value = chw[size_t(c * size * size + y * size + x)];
    rgb[c] = int(std::lround((value * norm.std[size_t(c)] + norm.mean[size_t(c)]) * 255.0f));
  }
  return QColor(rgb[0], rgb[1], rgb[2]);
}

}  // namespace

class TestImageTransform : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void uniformColourIsExact_data() {
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("mode");
    QTest::newRow("no resize needed") << QSize(37, 37) << int(TransformMode::Evaluation);
    QTest::newRow("downscaled") << QSize(500, 375) << int(TransformMode::Evaluation);
    QTest::newRow("upscaled") << QSize(20, 30) << int(TransformMode::Evaluation);
    QTest::newRow("random resized crop") << QSize(300, 200) << int(TransformMode::Training);
  }

  void uniformColourIsExact() {
    QFETCH(QSize, size);
    QFETCH(int, mode);
    const QColor colour(200, 100, 30);
    TransformOptions options = evaluation();
    options.mode = TransformMode(mode);
    const std::vector<float> out = transform(solidImage(size.width(), size.height(), colour), options, 3);
    const int expected[3] = {colour.red(), colour.green(), colour.blue()};
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < kPlane; ++i) QCOMPARE(out[size_t(c * kPlane + i)], normalised(expected[c], c));
  }

  void centreCropTakesTheCentre() {
    // 37 = round(32 / 0.875): no resize, so the crop alone decides what is kept. A red frame of
    // 2-3 pixels around a green 32 x 32 centre: nothing red may survive.
    QImage image = solidImage(37, 37, Qt::red);
    for (int y = 2; y < 34; ++y)
      for (int x = 2; x < 34; ++x) image.setPixelColor(x, y, Qt::green);  // round(5 / 2) = 2: even
    const std::vector<float> out = transform(image, evaluation());
    for (int y = 0; y < kOutput; ++y)
      for (int x = 0; x < kOutput; ++x) QCOMPARE(colourAt(out, x, y), QColor(Qt::green));
  }

  void quadrantsKeepTheirPlace() {
    const std::vector<float> out = transform(quadrantImage(400, 300), evaluation());
    QCOMPARE(colourAt(out, 0, 0), QColor(Qt::red));
    QCOMPARE(colourAt(out, kOutput - 1, 0), QColor(Qt::green));
    QCOMPARE(colourAt(out, 0, kOutput - 1), QColor(Qt::blue));
    QCOMPARE(colourAt(out, kOutput - 1, kOutput - 1), QColor(Qt::white));
  }

  void flipMirrorsAboutHalfTheTime() {
    const QImage image = quadrantImage(64, 64);
    TransformOptions flipOnly = evaluation();
    flipOnly.mode = TransformMode::Training;
    flipOnly.randomResizedCrop = false;
    flipOnly.horizontalFlip = true;
    const std::vector<float> plain = transform(image, evaluation());
    std::vector<float> mirrored(plain.size());
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < kOutput; ++y)
        for (int x = 0; x < kOutput; ++x)
          mirrored[size_t(c * kPlane + y * kOutput + x)] =
              plain[size_t(c * kPlane + y * kOutput + kOutput - 1 - x)];

    int flipped = 0;
    constexpr int kDraws = 200;
    for (int seed = 0; seed < kDraws; ++seed) {
      const std::vector<float> out = transform(image, flipOnly, uint64_t(seed));
      QVERIFY(out == plain || out == mirrored);
      flipped += out == mirrored ? 1 : 0;
    }
    QVERIFY2(flipped > kDraws / 4 && flipped < 3 * kDraws / 4, qPrintable(QString::number(flipped)));
    QCOMPARE(colourAt(mirrored, 0, 0), QColor(Qt::green));
  }

  void evaluationIgnoresTrainingSwitches() {
    TransformOptions options = evaluation();
    options.horizontalFlip = true;
    options.randomResizedCrop = true;
    const QImage image = photoLikeImage(90, 70, 1);
    QCOMPARE(transform(image, options, 1), transform(image, options, 2));
  }

  void randomResizedCropIsSeededAndInRange() {
    TransformOptions options = evaluation();
    options.mode = TransformMode::Training;
    const QImage image = photoLikeImage(160, 120, 2);
    const std::vector<float> a = transform(image, options, 11);
    QCOMPARE(transform(image, options, 11), a);
    QVERIFY(transform(image, options, 12) != a);
    for (size_t i = 0; i < a.size(); ++i) {
      const int c = int(i) / kPlane;
      QVERIFY(std::isfinite(a[i]));
      QVERIFY(a[i] >= normalised(0, c) - 1e-5f && a[i] <= normalised(255, c) + 1e-5f);
    }
  }

  void randomResizedCropHandlesExtremeShapes_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("tall strip") << QSize(3, 400);
    QTest::newRow("wide strip") << QSize(400, 3);
    QTest::newRow("one pixel") << QSize(1, 1);
  }

  void randomResizedCropHandlesExtremeShapes() {
    QFETCH(QSize, size);
    TransformOptions options = evaluation();
    options.mode = TransformMode::Training;
    const std::vector<float> out =
        transform(solidImage(size.width(), size.height(), QColor(10, 20, 30)), options, 4);
    QCOMPARE(out[0], normalised(10, 0));
    QCOMPARE(out.back(), normalised(30, 2));
  }

  void evaluationSurvivesExtremeAspectRatios() {
    // Enlarging the shorter side of a 1 x 5000 strip to 256 would need a 1.3 GB image.
    const std::vector<float> out = transform(solidImage(1, 5000, QColor(10, 20, 30)), evaluation(224));
    QCOMPARE(out.front(), normalised(10, 0));
    QCOMPARE(out.back(), normalised(30, 2));
  }

  void decodeMakesRgb_data() {
    QTest::addColumn<QImage>("image");
    QTest::addColumn<QByteArray>("format");
    QImage gray(10, 8, QImage::Format_Grayscale8);
    gray.fill(QColor(77, 77, 77));
    QImage paletted(10, 8, QImage::Format_Indexed8);
    paletted.setColorTable({qRgb(1, 2, 3), qRgb(40, 50, 60)});
    paletted.fill(1);
    QImage alpha(10, 8, QImage::Format_ARGB32);
    alpha.fill(QColor(40, 50, 60, 128));
    QTest::newRow("grayscale png") << gray << QByteArray("PNG");
    QTest::newRow("paletted png") << paletted << QByteArray("PNG");
    QTest::newRow("alpha png") << alpha << QByteArray("PNG");
    QTest::newRow("bmp") << solidImage(10, 8, QColor(40, 50, 60)) << QByteArray("BMP");
  }

  void decodeMakesRgb() {
    QFETCH(QImage, image);
    QFETCH(QByteArray, format);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("image.") + QString::fromLatin1(format).toLower());
    QVERIFY(saveImage(image, path, format.constData()));
    const Result<QImage> decoded = decodeImage(path, 256);
    QVERIFY(decoded.ok());
    QCOMPARE(decoded->format(), QImage::Format_RGB888);
    QCOMPARE(decoded->size(), QSize(10, 8));
    const QColor expected =
        image.format() == QImage::Format_Grayscale8 ? QColor(77, 77, 77) : QColor(40, 50, 60);
    QCOMPARE(decoded->pixelColor(5, 4), expected);

    const Result<QImage> packed = decodeImage(path, 256, QImage::Format_RGB32);
    QVERIFY(packed.ok());
    QCOMPARE(packed->format(), QImage::Format_RGB32);
    QCOMPARE(packed->convertToFormat(QImage::Format_RGB888), *decoded);
  }

  void inputLayoutDoesNotChangeTheOutput() {
    const QImage rgb888 = photoLikeImage(120, 90, 5);
    TransformOptions options = evaluation();
    options.mode = TransformMode::Training;
    for (QImage::Format format : {QImage::Format_RGB32, QImage::Format_ARGB32, QImage::Format_RGBX8888})
      QCOMPARE(transform(rgb888.convertToFormat(format), options, 8), transform(rgb888, options, 8));
  }

  void decodeErrors() {
    QTemporaryDir dir;
    const Result<QImage> missing = decodeImage(dir.filePath(QStringLiteral("missing.png")), 256);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::FileUnreadable);
    QVERIFY(missing.error().message.contains(QStringLiteral("missing.png")));

    const QString corrupt = dir.filePath(QStringLiteral("corrupt.jpg"));
    QVERIFY(writeCorruptJpeg(corrupt));
    const Result<QImage> bad = decodeImage(corrupt, 256);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::BadFormat);
    QVERIFY(bad.error().message.contains(QStringLiteral("corrupt.jpg")));
  }

  void scaledJpegDecoding_data() {
    QTest::addColumn<QSize>("size");
    QTest::addColumn<QByteArray>("format");
    QTest::addColumn<int>("minSide");
    QTest::addColumn<QSize>("expected");
    QTest::newRow("large jpeg shrinks") << QSize(1200, 900) << QByteArray("JPEG") << 256 << QSize(341, 256);
    QTest::newRow("large portrait jpeg") << QSize(600, 1000) << QByteArray("JPEG") << 256 << QSize(256, 426);
    QTest::newRow("just under twice") << QSize(700, 511) << QByteArray("JPEG") << 256 << QSize(700, 511);
    QTest::newRow("small jpeg full size") << QSize(500, 375) << QByteArray("JPEG") << 256 << QSize(500, 375);
    QTest::newRow("png is never scaled") << QSize(1200, 900) << QByteArray("PNG") << 256 << QSize(1200, 900);
    QTest::newRow("minSide 0 is full size")
        << QSize(1200, 900) << QByteArray("JPEG") << 0 << QSize(1200, 900);
  }

  void scaledJpegDecoding() {
    QFETCH(QSize, size);
    QFETCH(QByteArray, format);
    QFETCH(int, minSide);
    QFETCH(QSize, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("photo.") + QString::fromLatin1(format).toLower());
    QVERIFY(saveImage(photoLikeImage(size.width(), size.height(), 3), path, format.constData()));
    const Result<QImage> decoded = decodeImage(path, minSide);
    QVERIFY(decoded.ok());
    QCOMPARE(decoded->size(), expected);
  }

  void exifOrientationIsApplied_data() {
    QTest::addColumn<QSize>("stored");
    QTest::addColumn<int>("minSide");
    QTest::addColumn<QSize>("expected");
    QTest::newRow("full size") << QSize(300, 200) << 256 << QSize(200, 300);
    QTest::newRow("scaled") << QSize(1200, 800) << 256 << QSize(256, 384);
  }

  void exifOrientationIsApplied() {
    QFETCH(QSize, stored);
    QFETCH(int, minSide);
    QFETCH(QSize, expected);
    // Orientation 6: the camera was turned clockwise; the stored top row is the picture's right edge.
    QImage image = solidImage(stored.width(), stored.height(), Qt::blue);
    for (int y = 0; y < stored.height() / 4; ++y)
      for (int x = 0; x < stored.width(); ++x) image.setPixelColor(x, y, Qt::red);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("rotated.jpg"));
    QVERIFY(writeBytes(path, withExifOrientation(jpegBytes(image), 6)));
    const Result<QImage> decoded = decodeImage(path, minSide);
    QVERIFY(decoded.ok());
    QCOMPARE(decoded->size(), expected);
    const QColor right = decoded->pixelColor(expected.width() - 2, expected.height() / 2);
    const QColor left = decoded->pixelColor(1, expected.height() / 2);
    QVERIFY2(right.red() > 200 && right.blue() < 60, qPrintable(right.name()));
    QVERIFY2(left.blue() > 200 && left.red() < 60, qPrintable(left.name()));
  }

  void decodeMinSideFollowsTheTransform() {
    TransformOptions options;
    options.outputSize = 224;
    QCOMPARE(evaluationResizeSide(224), 256);
    QCOMPARE(decodeMinSide(options), 256);
    options.mode = TransformMode::Training;
    QCOMPARE(decodeMinSide(options), 448);
    options.randomResizedCrop = false;
    QCOMPARE(decodeMinSide(options), 256);
  }
};

QTEST_GUILESS_MAIN(TestImageTransform)
#include "test_image_transform.moc"
