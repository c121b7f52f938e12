#pragma once
// Field-by-field comparison of TrainingConfig, shared by the project tests. QCOMPARE returns from
// this helper only: callers check QTest::currentTestFailed() afterwards. Enums compare as int:
// QCOMPARE's unqualified toString() would find attune::toString(), which returns a QString.

#include "core/project/TrainingConfig.h"

#include <QTest>

namespace attune::test {

inline void compareEveryField(const TrainingConfig& actual, const TrainingConfig& expected) {
  QCOMPARE(actual.architecture, expected.architecture);
  QCOMPARE(actual.weightsPath, expected.weightsPath);
  QCOMPARE(actual.inputSize.has_value(), expected.inputSize.has_value());
  QCOMPARE(actual.inputSize.value_or(-1), expected.inputSize.value_or(-1));
  QCOMPARE(actual.cutLayer, expected.cutLayer);
  QCOMPARE(actual.epochs, expected.epochs);
  QCOMPARE(actual.batchSize, expected.batchSize);
  QCOMPARE(actual.seed, expected.seed);
  QCOMPARE(int(actual.optimizer), int(expected.optimizer));
  QCOMPARE(actual.lrHead, expected.lrHead);
  QCOMPARE(actual.lrBackbone, expected.lrBackbone);
  QCOMPARE(actual.momentum, expected.momentum);
  QCOMPARE(actual.weightDecay, expected.weightDecay);
  QCOMPARE(int(actual.schedule), int(expected.schedule));
  QCOMPARE(actual.warmupFraction, expected.warmupFraction);
  QCOMPARE(int(actual.freeze), int(expected.freeze));
  QCOMPARE(actual.labelSmoothing, expected.labelSmoothing);
  QCOMPARE(actual.randomResizedCrop, expected.randomResizedCrop);
  QCOMPARE(actual.horizontalFlip, expected.horizontalFlip);
  QCOMPARE(actual.threads.has_value(), expected.threads.has_value());
  QCOMPARE(actual.threads.value_or(-1), expected.threads.value_or(-1));
  QCOMPARE(actual.loaderWorkers.has_value(), expected.loaderWorkers.has_value());
  QCOMPARE(actual.loaderWorkers.value_or(-1), expected.loaderWorkers.value_or(-1));
  QCOMPARE(actual.maxBadSteps, expected.maxBadSteps);
  QCOMPARE(actual.headDropout, expected.headDropout);
  QCOMPARE(int(actual.preset), int(expected.preset));
  QCOMPARE(actual.nesterov, expected.nesterov);
  QCOMPARE(actual.layerDecay, expected.layerDecay);
  QCOMPARE(actual.groupLrs.size(), expected.groupLrs.size());
  for (const auto& [name, rate] : expected.groupLrs) {
    QVERIFY2(actual.groupLrs.count(name) == 1, qPrintable(name));
    QCOMPARE(actual.groupLrs.at(name), rate);
  }
  QCOMPARE(actual.clipGradNorm, expected.clipGradNorm);
  QCOMPARE(actual.accumulateSteps, expected.accumulateSteps);
  QCOMPARE(actual.findLr, expected.findLr);
  QCOMPARE(actual.stepEvery, expected.stepEvery);
  QCOMPARE(actual.gamma, expected.gamma);
  QCOMPARE(actual.plateauPatience, expected.plateauPatience);
  QCOMPARE(actual.freezeGroups, expected.freezeGroups);
  QCOMPARE(actual.unfreezeEvery, expected.unfreezeEvery);
  QVERIFY(actual.unfreezeAt == expected.unfreezeAt);
  QCOMPARE(actual.l2sp, expected.l2sp);
  QCOMPARE(int(actual.classBalance), int(expected.classBalance));
  QCOMPARE(int(actual.monitor), int(expected.monitor));
  QCOMPARE(actual.patience, expected.patience);
  QCOMPARE(actual.minDelta, expected.minDelta);
  QCOMPARE(actual.folds, expected.folds);
  QCOMPARE(int(actual.precision), int(expected.precision));
  QCOMPARE(int(actual.featureCache), int(expected.featureCache));
}

// A config in which every field differs from its default.
inline TrainingConfig nonDefaultConfig() {
  TrainingConfig c;
  c.architecture = QStringLiteral("mobilenet_v2");
  c.weightsPath = QStringLiteral("/models/mobilenet_v2.safetensors");
  c.inputSize = 160;
  c.cutLayer = QStringLiteral("block_16_project_BN");
  c.epochs = 12;
  c.batchSize = 8;
  c.seed = 7;
  c.optimizer = OptimizerKind::Sgd;
  c.lrHead = 0.05;
  c.lrBackbone = 0.002;
  c.momentum = 0.8;
  c.weightDecay = 5e-4;
  c.schedule = ScheduleKind::Constant;
  c.warmupFraction = 0.1;
  c.freeze = FreezeMode::Backbone;
  c.labelSmoothing = 0.0;
  c.randomResizedCrop = false;
  c.horizontalFlip = false;
  c.threads = 3;
  c.loaderWorkers = 4;
  c.maxBadSteps = 5;
  c.headDropout = 0.3;
  c.preset = Preset::Balanced;
  c.nesterov = true;
  c.layerDecay = 0.6;
  c.groupLrs = {{QStringLiteral("stage 4"), 2e-4}, {QStringLiteral("stem"), 0.0}};
  c.clipGradNorm = 1.5;
  c.accumulateSteps = 4;
  c.findLr = true;
  c.stepEvery = 5;
  c.gamma = 0.5;
  c.plateauPatience = 4;
  c.freezeGroups = 2;
  c.unfreezeEvery = 3;
  c.unfreezeAt = {4, 6};
  c.l2sp = 0.01;
  c.classBalance = ClassBalance::BalancedSampling;
  c.monitor = MonitorMetric::ValLoss;
  c.patience = 3;
  c.minDelta = 0.001;
  c.folds = 5;
  c.precision = Precision::BFloat16;
  c.featureCache = FeatureCacheMode::Off;
  return c;
}

}  // namespace attune::test
