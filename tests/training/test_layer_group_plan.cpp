// Layer groups, their rates and when they train (no LibTorch: what the GUI's table and preview use),
// and the LR finder's reading of a curve.

#include "core/training/LayerGroupPlan.h"
#include "core/training/LrFinder.h"

#include <QTest>

#include <cmath>

using namespace attune;

namespace {

// The groups of an architecture with its other settings at their defaults.
std::vector<LayerGroupSpec> groupsOf(const QString& architecture) {
  TrainingConfig config;
  config.architecture = architecture;
  return layerGroupsFor(modelChoiceOf(config));
}

}  // namespace

class TestLayerGroupPlan : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyArchitectureHasGroupsEndingInTheHead_data() {
    QTest::addColumn<QString>("architecture");
    QTest::addColumn<int>("count");
    QTest::newRow("resnet18") << QStringLiteral("resnet18") << 6;
    QTest::newRow("mobilenet_v2") << QStringLiteral("mobilenet_v2") << -1;
    QTest::newRow("efficientnet_b0") << QStringLiteral("efficientnet_b0") << -1;
    QTest::newRow("convnext_tiny") << QStringLiteral("convnext_tiny") << -1;
    QTest::newRow("vit_b_16") << QStringLiteral("vit_b_16") << 15;  // embeddings, 12 layers, norm, head
    QTest::newRow("tfjs") << QStringLiteral("tfjs") << 4;
    // No model folder yet: the catalog's bert-base-uncased and distilbert-base-uncased.
    QTest::newRow("bert") << QStringLiteral("bert") << 15;  // embeddings, 12 layers, pooler, head
    QTest::newRow("distilbert") << QStringLiteral("distilbert") << 8;
    QTest::newRow("word_vectors") << QStringLiteral("word_vectors") << 2;  // embeddings, head
  }
  void everyArchitectureHasGroupsEndingInTheHead() {
    QFETCH(QString, architecture);
    QFETCH(int, count);
    const auto groups = groupsOf(architecture);
    QVERIFY(groups.size() >= 2);
    if (count > 0) QCOMPARE(int(groups.size()), count);
    QCOMPARE(groups.back().name, QStringLiteral("head"));
    QVERIFY(groupsOf(QStringLiteral("nonsense")).empty());
  }

  void frozenCountFollowsTheUnfreezingSchedule() {
    TrainingConfig config;
    config.freeze = FreezeMode::Backbone;
    QCOMPARE(frozenGroupCount(config, 5, 1), 5);
    QCOMPARE(frozenGroupCount(config, 5, 9), 5);  // no unfreezing set
    config.unfreezeEvery = 2;
    QCOMPARE(frozenGroupCount(config, 5, 1), 5);
    QCOMPARE(frozenGroupCount(config, 5, 2), 5);
    QCOMPARE(frozenGroupCount(config, 5, 3), 4);
    QCOMPARE(frozenGroupCount(config, 5, 5), 3);
    QCOMPARE(frozenGroupCount(config, 5, 20), 0);
    config.unfreezeEvery = 0;
    config.unfreezeAt = {2, 4};
    QCOMPARE(frozenGroupCount(config, 5, 1), 5);
    QCOMPARE(frozenGroupCount(config, 5, 2), 4);
    QCOMPARE(frozenGroupCount(config, 5, 3), 4);
    QCOMPARE(frozenGroupCount(config, 5, 4), 3);
    config.freeze = FreezeMode::None;
    config.freezeGroups = 2;
    config.unfreezeAt.clear();
    QCOMPARE(frozenGroupCount(config, 5, 1), 2);
    config.freezeGroups = 9;
    QCOMPARE(frozenGroupCount(config, 5, 1), 5);
  }

  void planGivesRatesAndTheEpochEachGroupStarts() {
    TrainingConfig config;
    config.epochs = 6;
    config.lrHead = 1e-2;
    config.lrBackbone = 1e-3;
    config.layerDecay = 0.1;
    config.freeze = FreezeMode::Backbone;
    config.unfreezeEvery = 2;
    const auto plan = planLayerGroups(config, groupsOf(QStringLiteral("resnet18")));
    QCOMPARE(plan.size(), size_t(6));
    QVERIFY(plan.back().isHead);
    QCOMPARE(plan.back().baseLr, 1e-2);
    QCOMPARE(plan.back().trainsFromEpoch, 1);
    QCOMPARE(plan[4].name, QStringLiteral("stage 4"));
    QCOMPARE(plan[4].baseLr, 1e-3);
    QCOMPARE(plan[4].trainsFromEpoch, 3);
    QVERIFY(std::abs(plan[3].baseLr - 1e-4) < 1e-18);
    QCOMPARE(plan[3].trainsFromEpoch, 5);
    QCOMPARE(plan[2].trainsFromEpoch, 0);  // still frozen when the run ends
    QCOMPARE(plan[0].trainsFromEpoch, 0);
    config.groupLrs[QStringLiteral("stem")] = 5e-6;
    config.groupLrs[QStringLiteral("no such group")] = 1.0;
    const auto specs = groupsOf(QStringLiteral("resnet18"));
    QCOMPARE(planLayerGroups(config, specs).front().baseLr, 5e-6);
    QCOMPARE(unknownGroupNames(config, specs), QStringList{QStringLiteral("no such group")});
  }

  void previewIsZeroWhileFrozenAndFollowsTheSchedule() {
    TrainingConfig config;
    config.epochs = 4;
    config.schedule = ScheduleKind::Constant;
    config.freeze = FreezeMode::Backbone;
    config.unfreezeAt = {3};
    const auto plan = planLayerGroups(config, groupsOf(QStringLiteral("resnet18")));
    const auto preview = previewRates(config, plan, 10, 40);
    QCOMPARE(preview.rates.size(), plan.size());
    QCOMPARE(preview.steps.size(), size_t(40));
    for (size_t p = 0; p < preview.steps.size(); ++p) {
      const int epoch = int(preview.steps[p]) / 10 + 1;
      QCOMPARE(preview.rates.back()[p], config.lrHead);
      QCOMPARE(preview.rates[4][p], epoch >= 3 ? config.lrBackbone : 0.0);
      QCOMPARE(preview.rates[0][p], 0.0);
    }
  }

  // The steepest fall of a synthetic loss curve, before its minimum.
  void suggestionIsTheSteepestFall() {
    LrFinderResult curve;
    for (int i = 0; i < 60; ++i) {
      const double lr = 1e-6 * std::pow(10.0, i / 10.0);  // 1e-6 .. 1e-0.1
      const double x = std::log10(lr);
      // Falls fastest around 1e-3, lowest near 1e-2, then rises.
      curve.lrs.push_back(lr);
      const double loss =
          2.0 - 1.5 / (1.0 + std::exp(-3.0 * (x + 3.0))) + (x > -2.0 ? 5.0 * (x + 2.0) * (x + 2.0) : 0.0);
      curve.losses.push_back(loss);
      curve.smoothedLosses.push_back(loss);
    }
    auto suggestion = suggestLearningRate(curve);
    QVERIFY(suggestion.ok());
    QVERIFY2(std::abs(std::log10(suggestion->suggestedLr) + 3.0) <= 0.11,
             qPrintable(QString::number(suggestion->suggestedLr)));
    QVERIFY(!suggestion->reason.isEmpty());

    // A sharp drop in the first few points (the moving average settling) is not a suggestion.
    LrFinderResult settling = curve;
    settling.smoothedLosses[0] = 9.0;
    settling.smoothedLosses[1] = 5.0;
    settling.smoothedLosses[2] = 3.0;
    auto settled = suggestLearningRate(settling);
    QVERIFY(settled.ok());
    QCOMPARE(settled->suggestedLr, suggestion->suggestedLr);

    LrFinderResult rising;
    for (int i = 0; i < 20; ++i) {
      rising.lrs.push_back(std::pow(10.0, -6 + i * 0.3));
      rising.smoothedLosses.push_back(1.0 + i);
    }
    QVERIFY(!suggestLearningRate(rising).ok());
    LrFinderResult shortCurve;
    shortCurve.lrs = {1e-5, 1e-4};
    shortCurve.smoothedLosses = {1.0, 0.5};
    QVERIFY(!suggestLearningRate(shortCurve).ok());
  }

  void applyingASuggestionKeepsTheRatios() {
    TrainingConfig config;
    config.lrHead = 1e-3;
    config.lrBackbone = 1e-4;
    config.groupLrs[QStringLiteral("stem")] = 1e-5;
    applySuggestedRate(config, 4e-3);
    QCOMPARE(config.lrHead, 4e-3);
    QVERIFY(std::abs(config.lrBackbone - 4e-4) < 1e-15);
    QVERIFY(std::abs(config.groupLrs.at(QStringLiteral("stem")) - 4e-5) < 1e-16);
  }
};

QTEST_GUILESS_MAIN(TestLayerGroupPlan)
#include "test_layer_group_plan.moc"
