// How many image workers an automatic run starts with and adds (core/training/LoaderPolicy.h): half
// the cores from 1 to 4 at the start; more only while the model waits more than 5% of the time, up to
// every core (at least 2); a set runtime.loader_workers is used as it is.

#include "core/training/LoaderPolicy.h"

#include <QTest>
#include <QThread>

#include <cmath>

using namespace attune;

class TestLoaderPolicy : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void startsWithHalfTheCoresFromOneToFour() {
    QCOMPARE(startingLoaderWorkers(1), 1);
    QCOMPARE(startingLoaderWorkers(2), 1);
    QCOMPARE(startingLoaderWorkers(4), 2);
    QCOMPARE(startingLoaderWorkers(8), 4);
    QCOMPARE(startingLoaderWorkers(64), 4);
  }

  void addsWorkersOnlyWhileTheModelWaits() {
    QVERIFY(!moreLoaderWorkers(1, 0.0, 2));
    QVERIFY(!moreLoaderWorkers(1, kMostDataWaitShare, 2));  // at the bound: enough
    QVERIFY(!moreLoaderWorkers(1, std::nan(""), 2));
    QCOMPARE(moreLoaderWorkers(1, 0.3, 2), std::optional<int>(2));
    QVERIFY(!moreLoaderWorkers(2, 0.3, 2));                          // every core already prepares images
    QCOMPARE(moreLoaderWorkers(1, 0.06, 1), std::optional<int>(2));  // two even on one core (the disk)
    QCOMPARE(moreLoaderWorkers(2, 0.5, 8), std::optional<int>(4));
    QCOMPARE(moreLoaderWorkers(4, 0.5, 8), std::optional<int>(8));
    QCOMPARE(moreLoaderWorkers(6, 0.5, 8), std::optional<int>(8));
    QVERIFY(!moreLoaderWorkers(8, 0.5, 8));
  }

  void aSetNumberIsUsedAsItIs() {
    TrainingConfig config;
    QVERIFY(!config.loaderWorkers.has_value());  // automatic by default
    QCOMPARE(loaderWorkersFor(config), startingLoaderWorkers(std::max(1, QThread::idealThreadCount())));
    config.loaderWorkers = 3;
    QCOMPARE(loaderWorkersFor(config), 3);
  }
};

QTEST_GUILESS_MAIN(TestLoaderPolicy)
#include "test_loader_policy.moc"
