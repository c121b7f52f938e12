#include "core/training/LearningRateSchedule.h"

#include <QTest>

#include <cmath>

using namespace attune;

class TestLearningRateSchedule : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void warmupRisesLinearlyThenCosineDecays() {
    LearningRateSchedule schedule(ScheduleKind::WarmupCosine, 110, 10);
    QCOMPARE(schedule.factor(0), 0.1);
    QCOMPARE(schedule.factor(4), 0.5);
    QCOMPARE(schedule.factor(9), 1.0);
    QCOMPARE(schedule.factor(10), 1.0);                    // cosine starts at its peak
    QVERIFY(std::abs(schedule.factor(60) - 0.5) < 1e-12);  // half way through the decay
    QVERIFY(schedule.factor(109) < 0.001);
    for (int step = 11; step < 110; ++step) QVERIFY(schedule.factor(step) < schedule.factor(step - 1));
  }

  void constantIsOne() {
    LearningRateSchedule schedule(ScheduleKind::Constant, 50, 10);
    for (int step = 0; step < 50; ++step) QCOMPARE(schedule.factor(step), 1.0);
  }

  void warmupFractionOfTheRun() {
    TrainingConfig config;
    config.warmupFraction = 0.1;
    QCOMPARE(LearningRateSchedule::fromConfig(config, 200).warmupSteps(), int64_t(20));
    config.warmupFraction = 0.0;
    const auto noWarmup = LearningRateSchedule::fromConfig(config, 200);
    QCOMPARE(noWarmup.factor(0), 1.0);
  }

  void singleStepRunIsSafe() {
    LearningRateSchedule schedule(ScheduleKind::WarmupCosine, 1, 5);
    QVERIFY(std::isfinite(schedule.factor(0)));
    QVERIFY(schedule.factor(0) > 0.0);
  }
};

QTEST_GUILESS_MAIN(TestLearningRateSchedule)
#include "test_learning_rate_schedule.moc"
