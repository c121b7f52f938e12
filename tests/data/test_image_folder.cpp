#include "core/data/ImageFolderScanner.h"

#include "TestImages.h"

#include <QImageWriter>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace attune;
using namespace attune::test;

namespace {

// Writes `count` small PNGs into root/<className>/.
void addImages(const QString& root, const QString& className, int count, const char* format = "PNG") {
  const QString suffix = QString::fromLatin1(format).toLower();
  for (int i = 0; i < count; ++i)
    QVERIFY(saveImage(solidImage(8, 6, QColor(i, 100, 200)),
                      QStringLiteral("%1/%2/img%3.%4").arg(root, className).arg(i).arg(suffix), format));
}

const SkippedFile* findSkipped(const DataReport& report, const QString& fileName) {
  for (const SkippedFile& file : report.skipped)
    if (QFileInfo(file.path).fileName() == fileName) return &file;
  return nullptr;
}

}  // namespace

class TestImageFolder : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sortsClassesAndSkipsWhatItCannotUse() {
    QTemporaryDir dir;
    const QString root = dir.path();
    // Code-point order: upper case before lower case, on every machine and locale.
    addImages(root, QStringLiteral("zebra"), 3, "PNG");
    addImages(root, QStringLiteral("Apple"), 2, "BMP");
    addImages(root, QStringLiteral("mango"), 2, "JPEG");
    QVERIFY(saveImage(solidImage(8, 8, Qt::red), root + QStringLiteral("/mango/SHOUTING.JPG"), "JPEG"));
    QVERIFY(writeCorruptJpeg(root + QStringLiteral("/zebra/corrupt.jpg")));
    QVERIFY(writeBytes(root + QStringLiteral("/zebra/notes.txt"), "hello"));
    QVERIFY(writeBytes(root + QStringLiteral("/zebra/.DS_Store"), QByteArray(16, '\0')));
    QVERIFY(saveImage(solidImage(8, 8, Qt::red), root + QStringLiteral("/zebra/png-named.jpg"), "PNG"));
    QVERIFY(saveImage(solidImage(8, 8, Qt::red), root + QStringLiteral("/stray.png"), "PNG"));
    addImages(root, QStringLiteral(".hidden"), 2);  // e.g. .git or .thumbnails: not a class
    addImages(root, QStringLiteral("zebra/nested"), 1);

    const Result<ImageFolder> folder = scanImageFolder(root);
    QVERIFY2(folder.ok(), folder.ok() ? "" : qPrintable(folder.error().text()));
    const QStringList expectedClasses = {QStringLiteral("Apple"), QStringLiteral("mango"),
                                         QStringLiteral("zebra")};
    QCOMPARE(folder->classes, expectedClasses);
    QCOMPARE(folder->report.classes, expectedClasses);
    QCOMPARE(folder->report.classCounts, (std::vector<int>{2, 3, 4}));
    QCOMPARE(folder->root, QFileInfo(root).absoluteFilePath());

    QCOMPARE(int(folder->samples.size()), 9);
    for (size_t i = 1; i < folder->samples.size(); ++i) {
      const ImageSample& a = folder->samples[i - 1];
      const ImageSample& b = folder->samples[i];
      QVERIFY(a.label < b.label || (a.label == b.label && a.path < b.path));
    }
    for (const ImageSample& sample : folder->samples) {
      QVERIFY(QFileInfo(sample.path).isAbsolute());
      QCOMPARE(QFileInfo(sample.path).dir().dirName(), expectedClasses[sample.label]);
    }
    QCOMPARE(QFileInfo(folder->samples[2].path).fileName(), QStringLiteral("SHOUTING.JPG"));

    const DataReport& report = folder->report;
    QCOMPARE(int(report.skipped.size()), 4);
    QVERIFY(findSkipped(report, QStringLiteral("corrupt.jpg")));
    QVERIFY(findSkipped(report, QStringLiteral("corrupt.jpg"))
                ->reason.startsWith(QStringLiteral("cannot be decoded")));
    QCOMPARE(findSkipped(report, QStringLiteral("notes.txt"))->reason, QStringLiteral("not an image"));
    QCOMPARE(findSkipped(report, QStringLiteral(".DS_Store"))->reason, QStringLiteral("not an image"));
    // An image at the top of the folder has no class yet: it is in the unlabelled pool.
    QVERIFY(!findSkipped(report, QStringLiteral("stray.png")));
    QCOMPARE(folder->unlabelled.size(), size_t(1));
    QCOMPARE(QFileInfo(folder->unlabelled.front()).fileName(), QStringLiteral("stray.png"));
    QCOMPARE(report.unlabelled, 1);
    QVERIFY(findSkipped(report, QStringLiteral("nested")));
    QCOMPARE(report.imageCount(), 9);
  }

  // Images without a class, at the top of the folder or in an "unsorted" folder, are the unlabelled
  // pool: listed for labelling, not classes, and not enough to train on alone.
  void unlabelledImagesFormAPool() {
    QTemporaryDir dir;
    const QString root = dir.path();
    addImages(root, QStringLiteral("Unsorted"), 3);
    addImages(root, QStringLiteral("cat"), 2);
    QVERIFY(saveImage(solidImage(8, 8, Qt::red), root + QStringLiteral("/loose.png"), "PNG"));
    const Result<ImageFolder> pool = scanImagePool(root);
    QVERIFY2(pool.ok(), pool.ok() ? "" : qPrintable(pool.error().text()));
    QCOMPARE(pool->classes, QStringList{QStringLiteral("cat")});
    QCOMPARE(pool->samples.size(), size_t(2));
    QCOMPARE(pool->unlabelled.size(), size_t(4));
    QCOMPARE(pool->report.unlabelled, 4);
    QVERIFY(std::is_sorted(pool->unlabelled.begin(), pool->unlabelled.end()));
    QVERIFY(pool->report.summary().contains(QStringLiteral("4 images without a class yet")));

    const Result<ImageFolder> strict = scanImageFolder(root);
    QVERIFY(!strict.ok());
    QVERIFY2(strict.error().hint.contains(QStringLiteral("label its 4 unlabelled images")),
             qPrintable(strict.error().text()));

    // A folder of images and no class folder at all is one pool.
    QTemporaryDir flat;
    for (int i = 0; i < 3; ++i)
      QVERIFY(saveImage(solidImage(8, 8, Qt::blue), flat.filePath(QStringLiteral("%1.png").arg(i)), "PNG"));
    const Result<ImageFolder> all = scanImagePool(flat.path());
    QVERIFY(all.ok());
    QVERIFY(all->classes.isEmpty());
    QCOMPARE(all->unlabelled.size(), size_t(3));
  }

  void acceptsWebp() {
    // WebP is a supported input: its plugin (qt6-image-formats-plugins) is a dependency, not an option.
    QVERIFY2(QImageWriter::supportedImageFormats().contains("webp"), "Qt's WebP plugin is not installed");
    QTemporaryDir dir;
    addImages(dir.path(), QStringLiteral("a"), 2, "WEBP");
    addImages(dir.path(), QStringLiteral("b"), 2, "PNG");
    const Result<ImageFolder> folder = scanImageFolder(dir.path());
    QVERIFY(folder.ok());
    QCOMPARE(folder->report.classCounts, (std::vector<int>{2, 2}));
    QVERIFY(folder->report.skipped.empty());
  }

  void errors_data() {
    QTest::addColumn<QStringList>("classes");  // "name:count"; "name:count:corrupt" adds corrupt files
    QTest::addColumn<bool>("removeRoot");
    QTest::addColumn<int>("code");
    QTest::addColumn<QStringList>("messageParts");

    QTest::newRow("missing folder") << QStringList{} << true << int(ErrorCode::FileNotFound)
                                    << QStringList{QStringLiteral("does not exist")};
    QTest::newRow("empty folder") << QStringList{} << false << int(ErrorCode::NotEnoughData)
                                  << QStringList{QStringLiteral("at least two classes")};
    QTest::newRow("one class") << QStringList{QStringLiteral("cat:5")} << false
                               << int(ErrorCode::NotEnoughData)
                               << QStringList{
                                      QStringLiteral("1 class folder"),
                                      QStringLiteral("Attune needs at least two classes: put each class's "
                                                     "images in its own sub-folder of")};
    QTest::newRow("class with one image")
        << QStringList{QStringLiteral("cat:5"), QStringLiteral("dog:1")} << false
        << int(ErrorCode::NotEnoughData) << QStringList{QStringLiteral("'dog' has 1 usable image")};
    QTest::newRow("class with only unreadable images")
        << QStringList{QStringLiteral("cat:5"), QStringLiteral("dog:0:3")} << false
        << int(ErrorCode::NotEnoughData)
        << QStringList{QStringLiteral("'dog' has 0 usable images (3 could not be read)")};
    QTest::newRow("two small classes")
        << QStringList{QStringLiteral("ant:1"), QStringLiteral("bee:5"), QStringLiteral("cat:0")} << false
        << int(ErrorCode::NotEnoughData) << QStringList{QStringLiteral("'ant'"), QStringLiteral("'cat'")};
  }

  void errors() {
    QFETCH(QStringList, classes);
    QFETCH(bool, removeRoot);
    QFETCH(int, code);
    QFETCH(QStringList, messageParts);

    QTemporaryDir dir;
    const QString root = dir.path() + QStringLiteral("/dataset");
    QDir().mkpath(root);
    for (const QString& spec : classes) {
      const QStringList parts = spec.split(QLatin1Char(':'));
      QDir().mkpath(root + QLatin1Char('/') + parts[0]);
      addImages(root, parts[0], parts[1].toInt());
      for (int i = 0; i < (parts.size() > 2 ? parts[2].toInt() : 0); ++i)
        QVERIFY(writeCorruptJpeg(QStringLiteral("%1/%2/bad%3.jpg").arg(root, parts[0]).arg(i)));
    }
    if (removeRoot) QVERIFY(QDir(root).removeRecursively());

    const Result<ImageFolder> folder = scanImageFolder(root);
    QVERIFY(!folder.ok());
    QCOMPARE(int(folder.error().code), code);
    QVERIFY(!folder.error().hint.isEmpty());
    for (const QString& part : messageParts)
      QVERIFY2(folder.error().text().contains(part), qPrintable(folder.error().text()));
  }

  void rootThatIsAFileIsRefused() {
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/file.png");
    QVERIFY(saveImage(solidImage(4, 4, Qt::red), path, "PNG"));
    const Result<ImageFolder> folder = scanImageFolder(path);
    QVERIFY(!folder.ok());
    QCOMPARE(folder.error().code, ErrorCode::BadFormat);
  }

  void warnings_data() {
    QTest::addColumn<int>("countA");
    QTest::addColumn<int>("countB");
    QTest::addColumn<QStringList>("expected");  // one fragment per expected warning

    QTest::newRow("balanced and large enough") << 10 << 12 << QStringList{};
    QTest::newRow("few images") << 4 << 10 << QStringList{QStringLiteral("Class 'a' has only 4 images")};
    QTest::newRow("imbalanced") << 10 << 30
                                << QStringList{
                                       QStringLiteral("unbalanced: 'b' has 30 images but 'a' only 10")};
    QTest::newRow("just under the ratio") << 10 << 29 << QStringList{};
    QTest::newRow("both") << 3 << 12
                          << QStringList{QStringLiteral("Class 'a' has only 3 images"),
                                         QStringLiteral("unbalanced")};
  }

  void warnings() {
    QFETCH(int, countA);
    QFETCH(int, countB);
    QFETCH(QStringList, expected);
    QTemporaryDir dir;
    addImages(dir.path(), QStringLiteral("a"), countA);
    addImages(dir.path(), QStringLiteral("b"), countB);
    const Result<ImageFolder> folder = scanImageFolder(dir.path());
    QVERIFY(folder.ok());
    QCOMPARE(folder->report.warnings.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i)
      QVERIFY2(folder->report.warnings[i].contains(expected[i]), qPrintable(folder->report.warnings[i]));
  }
};

QTEST_GUILESS_MAIN(TestImageFolder)
#include "test_image_folder.moc"
