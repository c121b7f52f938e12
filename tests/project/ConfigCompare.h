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
  QCOMPARE(actual.loaderWorkers, expected.loaderWorkers);
  QCOMPARE(actual.maxBadSteps, expected.maxBadSteps);
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
  return c;
}

}  // namespace attune::test
