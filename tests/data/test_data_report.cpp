#include "core/data/DataReport.h"

#include <QTest>

using namespace attune;

class TestDataReport : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void imageCountSumsClasses() {
    DataReport report;
    QCOMPARE(report.imageCount(), 0);
    report.classes = {QStringLiteral("cat"), QStringLiteral("dog")};
    report.classCounts = {3, 12};
    QCOMPARE(report.imageCount(), 15);
  }

  void summaryNamesClassesSkippedFilesAndWarnings() {
    DataReport report;
    report.classes = {QStringLiteral("cat"), QStringLiteral("dog")};
    report.classCounts = {1, 12};
    report.skipped.push_back({QStringLiteral("/data/cat/notes.txt"), QStringLiteral("not an image")});
    report.warnings << QStringLiteral("Class 'cat' has only 1 image.");

    const QString summary = report.summary();
    QVERIFY2(summary.contains(QStringLiteral("13 images in 2 classes: cat (1), dog (12)")),
             qPrintable(summary));
    QVERIFY(summary.contains(QStringLiteral("1 file skipped")));
    QVERIFY(summary.contains(QStringLiteral("/data/cat/notes.txt: not an image")));
    QVERIFY(summary.contains(QStringLiteral("Warning: Class 'cat' has only 1 image.")));
  }

  void summaryShortensLongSkippedLists() {
    DataReport report;
    report.classes = {QStringLiteral("a"), QStringLiteral("b")};
    report.classCounts = {2, 2};
    for (int i = 0; i < 40; ++i)
      report.skipped.push_back({QStringLiteral("/data/a/%1.txt").arg(i), QStringLiteral("not an image")});
    const QString summary = report.summary();
    QVERIFY(summary.contains(QStringLiteral("40 files skipped")));
    QVERIFY(summary.contains(QStringLiteral("and 35 more")));
    QVERIFY(!summary.contains(QStringLiteral("/data/a/39.txt")));
  }
};

QTEST_GUILESS_MAIN(TestDataReport)
#include "test_data_report.moc"
