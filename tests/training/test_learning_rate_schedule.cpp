#include "core/training/LearningRateSchedule.h"

#include <nlohmann/json.hpp>

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
    config.epochs = 1;
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

  void stepCutsEveryFewEpochs() {
    TrainingConfig config;
    config.schedule = ScheduleKind::Step;
    config.epochs = 7;
    config.stepEvery = 3;
    config.gamma = 0.5;
    const auto schedule = LearningRateSchedule::fromConfig(config, 10);
    QCOMPARE(schedule.factor(0), 1.0);
    QCOMPARE(schedule.factor(29), 1.0);
    QCOMPARE(schedule.factor(30), 0.5);
    QCOMPARE(schedule.factor(59), 0.5);
    QCOMPARE(schedule.factor(60), 0.25);
  }

  void linearDecaysToZeroAfterWarmup() {
    LearningRateSchedule schedule(ScheduleKind::WarmupLinear, 110, 10);
    QCOMPARE(schedule.factor(0), 0.1);
    QCOMPARE(schedule.factor(10), 1.0);
    QVERIFY(std::abs(schedule.factor(60) - 0.5) < 1e-12);
    QVERIFY(std::abs(schedule.factor(109) - 0.01) < 1e-12);
  }

  // PyTorch's OneCycleLR with its defaults: from peak/25 up to the peak over the first 30% (cosine),
  // then down to peak/25/1e4.
  void oneCycleRisesThenFalls() {
    TrainingConfig config;
    config.schedule = ScheduleKind::OneCycle;
    config.epochs = 1;
    config.warmupFraction = 0.0;
    const auto schedule = LearningRateSchedule::fromConfig(config, 100);
    QCOMPARE(schedule.warmupSteps(), int64_t(30));
    QVERIFY(std::abs(schedule.factor(0) - 0.04) < 1e-12);
    QVERIFY(std::abs(schedule.factor(29) - 1.0) < 1e-12);
    QVERIFY(std::abs(schedule.factor(99) - 0.04 / 1e4) < 1e-12);
    for (int step = 1; step < 30; ++step) QVERIFY(schedule.factor(step) > schedule.factor(step - 1));
    for (int step = 31; step < 100; ++step) QVERIFY(schedule.factor(step) < schedule.factor(step - 1));
  }

  void plateauCutsAfterPatienceAndRestores() {
    TrainingConfig config;
    config.schedule = ScheduleKind::Plateau;
    config.warmupFraction = 0.0;
    config.plateauPatience = 2;
    config.gamma = 0.1;
    auto schedule = LearningRateSchedule::fromConfig(config, 10);
    QVERIFY(!schedule.epochEnded(1.0));
    QVERIFY(!schedule.epochEnded(0.9));
    QVERIFY(!schedule.epochEnded(0.95));  // 1 epoch without improvement
    QCOMPARE(schedule.factor(5), 1.0);
    QVERIFY(schedule.epochEnded(0.92));  // 2: cut
    QVERIFY(std::abs(schedule.factor(5) - 0.1) < 1e-15);
    // The state of a resumed run continues the count exactly.
    auto resumed = LearningRateSchedule::fromConfig(config, 10);
    QVERIFY(resumed.restore(schedule.state()).ok());
    QCOMPARE(resumed.factor(5), schedule.factor(5));
    QVERIFY(!resumed.epochEnded(0.91));
    QVERIFY(!schedule.epochEnded(0.91));
    QVERIFY(resumed.epochEnded(0.95) && schedule.epochEnded(0.95));
    QCOMPARE(resumed.factor(5), schedule.factor(5));
    QVERIFY(!resumed.restore(nlohmann::json::array()).ok());
  }
};

QTEST_GUILESS_MAIN(TestLearningRateSchedule)
#include "test_learning_rate_schedule.moc"
