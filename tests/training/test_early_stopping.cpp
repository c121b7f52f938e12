// Best-model tracking and early stopping (core/training/EarlyStopping.h), the rules the trainer saves
// best.safetensors and stops a run by. Plain C++: this program links no LibTorch.

#include "core/training/EarlyStopping.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace attune;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

class TestEarlyStopping : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void firstEpochIsTheBest() {
    EarlyStopping byAccuracy(MonitorMetric::ValAccuracy, 0.0, 0);
    QVERIFY(byAccuracy.record(1, 2.0, 0.0));  // even at zero accuracy
    QCOMPARE(byAccuracy.best().epoch, 1);
    QCOMPARE(byAccuracy.best().valLoss, 2.0);
    QCOMPARE(byAccuracy.best().valAccuracy, 0.0);
    QCOMPARE(byAccuracy.best().epochsSinceBest, 0);
    EarlyStopping byLoss(MonitorMetric::ValLoss, 0.5, 0);
    QVERIFY(byLoss.record(1, 9.0, 0.25));  // the min-delta does not apply to the first epoch
  }

  // The monitored metric's direction: loss lower is better, accuracy higher is better; the other metric
  // is ignored, except that an accuracy tie goes to the lower loss.
  void directionFollowsTheMonitoredMetric_data() {
    QTest::addColumn<int>("monitor");
    QTest::addColumn<double>("loss");
    QTest::addColumn<double>("accuracy");
    QTest::addColumn<bool>("best");
    // Against a best epoch with loss 1.0 and accuracy 0.5.
    QTest::newRow("loss: lower") << int(MonitorMetric::ValLoss) << 0.75 << 0.25 << true;
    QTest::newRow("loss: higher") << int(MonitorMetric::ValLoss) << 1.25 << 0.75 << false;
    QTest::newRow("loss: tie") << int(MonitorMetric::ValLoss) << 1.0 << 0.75 << false;
    QTest::newRow("accuracy: higher") << int(MonitorMetric::ValAccuracy) << 1.5 << 0.75 << true;
    QTest::newRow("accuracy: lower") << int(MonitorMetric::ValAccuracy) << 0.5 << 0.25 << false;
    QTest::newRow("accuracy: tie, lower loss") << int(MonitorMetric::ValAccuracy) << 0.75 << 0.5 << true;
    QTest::newRow("accuracy: tie, same loss") << int(MonitorMetric::ValAccuracy) << 1.0 << 0.5 << false;
    QTest::newRow("accuracy: tie, higher loss") << int(MonitorMetric::ValAccuracy) << 1.25 << 0.5 << false;
  }
  void directionFollowsTheMonitoredMetric() {
    QFETCH(int, monitor);
    QFETCH(double, loss);
    QFETCH(double, accuracy);
    QFETCH(bool, best);
    EarlyStopping stopping(MonitorMetric(monitor), 0.0, 3);
    QVERIFY(stopping.record(1, 1.0, 0.5));
    QCOMPARE(stopping.record(2, loss, accuracy), best);
    QCOMPARE(stopping.best().epoch, best ? 2 : 1);
    QCOMPARE(stopping.best().valLoss, best ? loss : 1.0);
    QCOMPARE(stopping.best().valAccuracy, best ? accuracy : 0.5);
    QCOMPARE(stopping.best().epochsSinceBest, best ? 0 : 1);
  }

  // An improvement must be larger than the min-delta; with one, an accuracy tie is no improvement.
  void minDeltaIsTheLeastImprovement_data() {
    QTest::addColumn<int>("monitor");
    QTest::addColumn<double>("loss");
    QTest::addColumn<double>("accuracy");
    QTest::addColumn<bool>("best");
    // Against a best epoch with loss 1.0 and accuracy 0.5, min-delta 0.125.
    QTest::newRow("loss: by less") << int(MonitorMetric::ValLoss) << 0.9375 << 0.5 << false;
    QTest::newRow("loss: by exactly") << int(MonitorMetric::ValLoss) << 0.875 << 0.5 << false;
    QTest::newRow("loss: by more") << int(MonitorMetric::ValLoss) << 0.75 << 0.5 << true;
    QTest::newRow("accuracy: by less") << int(MonitorMetric::ValAccuracy) << 1.0 << 0.5625 << false;
    QTest::newRow("accuracy: by exactly") << int(MonitorMetric::ValAccuracy) << 1.0 << 0.625 << false;
    QTest::newRow("accuracy: by more") << int(MonitorMetric::ValAccuracy) << 1.0 << 0.75 << true;
    QTest::newRow("accuracy: tie, lower loss") << int(MonitorMetric::ValAccuracy) << 0.25 << 0.5 << false;
  }
  void minDeltaIsTheLeastImprovement() {
    QFETCH(int, monitor);
    QFETCH(double, loss);
    QFETCH(double, accuracy);
    QFETCH(bool, best);
    EarlyStopping stopping(MonitorMetric(monitor), 0.125, 0);
    QVERIFY(stopping.record(1, 1.0, 0.5));
    QCOMPARE(stopping.record(2, loss, accuracy), best);
  }

  // A small step past the best that is not an improvement leaves the best where it is: the next epoch is
  // compared with the best, not with the epoch before.
  void comparisonsAreWithTheBestNotTheLastEpoch() {
    EarlyStopping stopping(MonitorMetric::ValLoss, 0.125, 0);
    QVERIFY(stopping.record(1, 1.0, 0.5));
    QVERIFY(!stopping.record(2, 0.9375, 0.5));
    QVERIFY(!stopping.record(3, 0.9375, 0.5));
    QVERIFY(stopping.record(4, 0.75, 0.5));
    QCOMPARE(stopping.best().epoch, 4);
  }

  void patienceCountsEpochsWithoutImprovement() {
    EarlyStopping stopping(MonitorMetric::ValAccuracy, 0.0, 2);
    QVERIFY(stopping.record(1, 1.0, 0.5));
    QVERIFY(!stopping.patienceRunOut());
    QVERIFY(!stopping.record(2, 1.0, 0.5));
    QCOMPARE(stopping.best().epochsSinceBest, 1);
    QVERIFY(!stopping.patienceRunOut());
    QVERIFY(!stopping.record(3, 1.5, 0.25));
    QCOMPARE(stopping.best().epochsSinceBest, 2);
    QVERIFY(stopping.patienceRunOut());
  }

  void anImprovementResetsThePatience() {
    EarlyStopping stopping(MonitorMetric::ValLoss, 0.0, 2);
    QVERIFY(stopping.record(1, 1.0, 0.5));
    QVERIFY(!stopping.record(2, 1.5, 0.5));
    QVERIFY(stopping.record(3, 0.5, 0.5));
    QCOMPARE(stopping.best().epochsSinceBest, 0);
    QCOMPARE(stopping.best().epoch, 3);
    QVERIFY(!stopping.record(4, 0.75, 0.5));
    QVERIFY(!stopping.patienceRunOut());
    QVERIFY(!stopping.record(5, 0.75, 0.5));
    QVERIFY(stopping.patienceRunOut());
  }

  void noPatienceNeverStops() {
    EarlyStopping stopping(MonitorMetric::ValLoss, 0.0, 0);
    QVERIFY(stopping.record(1, 1.0, 0.5));
    for (int epoch = 2; epoch < 50; ++epoch) QVERIFY(!stopping.record(epoch, 2.0, 0.25));
    QCOMPARE(stopping.best().epochsSinceBest, 48);
    QVERIFY(!stopping.patienceRunOut());
  }

  // An epoch whose monitored value is not a finite number is never the best, not even the first, and
  // counts as an epoch without improvement.
  void nonFiniteValuesNeverBecomeTheBest_data() {
    QTest::addColumn<int>("monitor");
    QTest::addColumn<double>("loss");
    QTest::addColumn<double>("accuracy");
    QTest::newRow("loss NaN") << int(MonitorMetric::ValLoss) << kNaN << 0.75;
    QTest::newRow("loss infinite") << int(MonitorMetric::ValLoss) << kInfinity << 0.75;
    QTest::newRow("loss -infinite") << int(MonitorMetric::ValLoss) << -kInfinity << 0.75;
    QTest::newRow("accuracy NaN") << int(MonitorMetric::ValAccuracy) << 0.5 << kNaN;
    QTest::newRow("accuracy infinite") << int(MonitorMetric::ValAccuracy) << 0.5 << kInfinity;
  }
  void nonFiniteValuesNeverBecomeTheBest() {
    QFETCH(int, monitor);
    QFETCH(double, loss);
    QFETCH(double, accuracy);
    EarlyStopping first(MonitorMetric(monitor), 0.0, 1);
    QVERIFY(!first.record(1, loss, accuracy));
    QCOMPARE(first.best().epoch, 0);
    QVERIFY(first.patienceRunOut());
    // ... and a finite epoch after it is the first best.
    QVERIFY(first.record(2, 1.0, 0.5));
    QCOMPARE(first.best().epoch, 2);
    QCOMPARE(first.best().epochsSinceBest, 0);

    EarlyStopping later(MonitorMetric(monitor), 0.0, 2);
    QVERIFY(later.record(1, 1.0, 0.5));
    QVERIFY(!later.record(2, loss, accuracy));
    QCOMPARE(later.best().epoch, 1);
    QCOMPARE(later.best().valLoss, 1.0);
    QCOMPARE(later.best().valAccuracy, 0.5);
    QCOMPARE(later.best().epochsSinceBest, 1);
  }

  // A resumed run starts from the best epoch and the count saved in its state.json.
  void aResumedRunGoesOnCounting() {
    EarlyStopping stopping(MonitorMetric::ValAccuracy, 0.0, 3, BestEpoch{4, 0.75, 0.5, 2});
    QVERIFY(!stopping.patienceRunOut());
    QVERIFY(!stopping.record(7, 0.75, 0.75));  // same accuracy, higher loss than the saved best
    QVERIFY(stopping.patienceRunOut());
    QCOMPARE(stopping.best().epoch, 4);
    EarlyStopping improved(MonitorMetric::ValAccuracy, 0.0, 3, BestEpoch{4, 0.75, 0.5, 2});
    QVERIFY(improved.record(7, 0.5, 0.875));
    QCOMPARE(improved.best().epoch, 7);
    QCOMPARE(improved.best().epochsSinceBest, 0);
  }
};

QTEST_GUILESS_MAIN(TestEarlyStopping)
#include "test_early_stopping.moc"
