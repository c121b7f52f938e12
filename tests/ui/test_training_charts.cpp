// TrainingCharts fed with made-up metrics: a plain run keeps its three validation curves, a k-fold
// run gets one accuracy and one loss curve per fold and fold boundaries on the step plot, epochs
// flagged as overfitting are marked, and clear() forgets all of it.

#include "ui/TrainingCharts.h"

#include <qcustomplot.h>

#include <QtTest>

#include <cmath>
#include <set>

using namespace attune;
using namespace attune::ui;

namespace {

constexpr int kStepsPerEpoch = 3;

// Made-up but plausible numbers: the loss falls and the accuracy rises with the epoch, each fold a
// little different. The expectations below are read back from the same functions.
double valLossOf(int fold, int epoch) {
  const double rise = (fold == 3 && epoch > 4) ? 0.06 * (epoch - 4) : 0.0;  // fold 3 starts to overfit
  return 1.2 / (epoch + 0.5) + 0.05 * fold + rise;
}
double valAccuracyOf(int fold, int epoch) {
  return std::min(0.99, 0.5 + 0.08 * epoch - 0.02 * fold);
}

struct Metrics {
  std::vector<StepMetrics> steps;
  std::vector<EpochMetrics> epochs;
};

// `folds` == 0: a plain run. Steps count on across folds, as the k-fold runner numbers them.
// `overfittingAt`: (fold, epoch) pairs flagged as overfitting.
Metrics makeMetrics(int folds, int epochs, const std::set<std::pair<int, int>>& overfittingAt = {}) {
  Metrics metrics;
  int64_t step = 0;
  for (int fold = (folds == 0 ? 0 : 1); fold <= folds; ++fold) {
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      for (int i = 0; i < kStepsPerEpoch; ++i) {
        StepMetrics s;
        s.fold = fold;
        s.epoch = epoch;
        s.step = ++step;
        s.trainLoss = 1.5 / (epoch + 0.3 * i) * (1.0 + 0.15 * std::sin(1.7 * double(step)));
        metrics.steps.push_back(s);
      }
      EpochMetrics e;
      e.fold = fold;
      e.epoch = epoch;
      e.epochsTotal = epochs;
      e.trainLoss = 1.0 / epoch;
      e.valLoss = valLossOf(fold, epoch);
      e.valAccuracy = valAccuracyOf(fold, epoch);
      e.overfitting = overfittingAt.count({fold, epoch}) > 0;
      metrics.epochs.push_back(e);
    }
  }
  return metrics;
}

bool inLegend(QCustomPlot* plot, QCPGraph* graph) {
  return plot->legend->itemWithPlottable(graph) != nullptr;
}

}  // namespace

class TestTrainingCharts : public QObject {
  Q_OBJECT

 private slots:
  void plainRunKeepsItsCurves();
  void kFoldRunHasCurvesPerFold();
  void overfittingEpochIsMarked_data();
  void overfittingEpochIsMarked();
  void clearResetsFolds();
  void kFoldChartsInWindow();
};

void TestTrainingCharts::plainRunKeepsItsCurves() {
  TrainingCharts charts;
  const Metrics metrics = makeMetrics(0, 2);
  charts.append(metrics.steps, metrics.epochs);
  QCustomPlot* plot = charts.validationPlot();
  // graph(0) validation loss, graph(1) epoch training loss, graph(2) accuracy, as before k-fold.
  QCOMPARE(plot->graph(0)->dataCount(), 2);
  QCOMPARE(plot->graph(1)->dataCount(), 2);
  QCOMPARE(plot->graph(2)->dataCount(), 2);
  QCOMPARE(plot->graph(2)->valueAxis(), plot->yAxis2);
  QCOMPARE(plot->graph(0)->data()->at(1)->value, valLossOf(0, 2));
  QCOMPARE(plot->graph(2)->data()->at(1)->value, valAccuracyOf(0, 2) * 100.0);
  for (int g = 0; g < 3; ++g) QVERIFY(inLegend(plot, plot->graph(g)));
  QCOMPARE(plot->legend->itemCount(), 3);  // no fold entries, no empty overfitting entry
  QVERIFY(charts.foldAccuracyGraph(1) == nullptr);
  QVERIFY(charts.overfittingGraph()->data()->isEmpty());
  QCOMPARE(plot->yAxis->label(), QStringLiteral("loss"));
  QCOMPARE(charts.foldBoundaryCount(), 0);
  QCOMPARE(charts.lossPlot()->graph(0)->dataCount(), 2 * kStepsPerEpoch);
  // The trend is one unbroken line.
  QCOMPARE(charts.lossPlot()->graph(1)->dataCount(), 2 * kStepsPerEpoch);
}

void TestTrainingCharts::kFoldRunHasCurvesPerFold() {
  constexpr int kFolds = 3;
  constexpr int kEpochs = 2;
  TrainingCharts charts;
  const Metrics metrics = makeMetrics(kFolds, kEpochs);
  // Delivered in two drains, split inside fold 2, as the GUI's timer would.
  const size_t half = metrics.epochs.size() / 2 + 1;
  charts.append({metrics.steps.begin(), metrics.steps.begin() + half * kStepsPerEpoch},
                {metrics.epochs.begin(), metrics.epochs.begin() + half});
  charts.append({metrics.steps.begin() + half * kStepsPerEpoch, metrics.steps.end()},
                {metrics.epochs.begin() + half, metrics.epochs.end()});

  QCustomPlot* plot = charts.validationPlot();
  std::set<QRgb> colours;
  for (int fold = 1; fold <= kFolds; ++fold) {
    QCPGraph* accuracy = charts.foldAccuracyGraph(fold);
    QCPGraph* loss = charts.foldLossGraph(fold);
    QVERIFY(accuracy && loss);
    QCOMPARE(accuracy->dataCount(), kEpochs);
    QCOMPARE(loss->dataCount(), kEpochs);
    QCOMPARE(accuracy->valueAxis(), plot->yAxis2);
    QCOMPARE(loss->valueAxis(), plot->yAxis);
    for (int epoch = 1; epoch <= kEpochs; ++epoch) {
      QCOMPARE(accuracy->data()->at(epoch - 1)->key, double(epoch));  // the epoch within the fold
      QCOMPARE(accuracy->data()->at(epoch - 1)->value, valAccuracyOf(fold, epoch) * 100.0);
      QCOMPARE(loss->data()->at(epoch - 1)->value, valLossOf(fold, epoch));
    }
    QCOMPARE(accuracy->name(), QStringLiteral("fold %1").arg(fold));
    QVERIFY(inLegend(plot, accuracy));
    QCOMPARE(loss->pen().color(), accuracy->pen().color());
    colours.insert(accuracy->pen().color().rgb());
  }
  QCOMPARE(int(colours.size()), kFolds);
  QVERIFY(charts.foldAccuracyGraph(kFolds + 1) == nullptr);
  // The plain run's curves stay empty and out of the legend, which names just the folds.
  for (int g = 0; g < 3; ++g) {
    QVERIFY(plot->graph(g)->data()->isEmpty());
    QVERIFY(!inLegend(plot, plot->graph(g)));
  }
  QCOMPARE(plot->legend->itemCount(), kFolds);
  QVERIFY(plot->xAxis->range().contains(1.0) && plot->xAxis->range().contains(kEpochs));

  // Steps: one continuous count, a boundary before folds 2 and 3, the trend restarted in each fold.
  QCustomPlot* lossPlot = charts.lossPlot();
  QCOMPARE(lossPlot->graph(0)->dataCount(), kFolds * kEpochs * kStepsPerEpoch);
  QCOMPARE(charts.foldBoundaryCount(), kFolds - 1);
  QCPGraph* trend = lossPlot->graph(1);
  QCOMPARE(trend->dataCount(), kFolds * kEpochs * kStepsPerEpoch + kFolds - 1);  // + a gap per boundary
  const int foldStart = kEpochs * kStepsPerEpoch;  // index of fold 2's first step in the raw losses
  QVERIFY(std::isnan(trend->data()->at(foldStart)->value));
  // A restarted trend begins at the raw loss of the fold's first step.
  QCOMPARE(trend->data()->at(foldStart + 1)->value, lossPlot->graph(0)->data()->at(foldStart)->value);
}

void TestTrainingCharts::overfittingEpochIsMarked_data() {
  QTest::addColumn<int>("folds");
  QTest::addColumn<int>("fold");
  QTest::addColumn<int>("epoch");
  QTest::newRow("plain run, epoch 4") << 0 << 0 << 4;
  QTest::newRow("k-fold, fold 2 epoch 3") << 3 << 2 << 3;
}

void TestTrainingCharts::overfittingEpochIsMarked() {
  QFETCH(int, folds);
  QFETCH(int, fold);
  QFETCH(int, epoch);
  TrainingCharts charts;
  const Metrics before = makeMetrics(folds, 4);
  charts.append(before.steps, before.epochs);
  QVERIFY(charts.overfittingGraph()->data()->isEmpty());
  QVERIFY(!inLegend(charts.validationPlot(), charts.overfittingGraph()));

  charts.clear();
  const Metrics metrics = makeMetrics(folds, 4, {{fold, epoch}});
  charts.append(metrics.steps, metrics.epochs);
  QCPGraph* marks = charts.overfittingGraph();
  QCOMPARE(marks->dataCount(), 1);
  QCOMPARE(marks->data()->at(0)->key, double(epoch));
  QCOMPARE(marks->data()->at(0)->value, valLossOf(fold, epoch));  // on the validation loss curve
  QCOMPARE(marks->valueAxis(), charts.validationPlot()->yAxis);
  QVERIFY(marks->scatterStyle().shape() != QCPScatterStyle::ssNone);
  QVERIFY(inLegend(charts.validationPlot(), marks));
  QCOMPARE(marks->name(), QStringLiteral("overfitting?"));
}

void TestTrainingCharts::clearResetsFolds() {
  TrainingCharts charts;
  const int graphsAtStart = charts.validationPlot()->graphCount();
  const int itemsAtStart = charts.lossPlot()->itemCount();
  const int legendAtStart = charts.validationPlot()->legend->itemCount();
  const Metrics kFold = makeMetrics(3, 2, {{3, 2}});
  charts.append(kFold.steps, kFold.epochs);
  QVERIFY(charts.validationPlot()->graphCount() > graphsAtStart);

  charts.clear();
  QCustomPlot* plot = charts.validationPlot();
  QCOMPARE(plot->graphCount(), graphsAtStart);
  QCOMPARE(charts.lossPlot()->itemCount(), itemsAtStart);
  QCOMPARE(plot->legend->itemCount(), legendAtStart);
  QVERIFY(charts.foldAccuracyGraph(1) == nullptr);
  QCOMPARE(charts.foldBoundaryCount(), 0);
  for (int g = 0; g < plot->graphCount(); ++g) QVERIFY(plot->graph(g)->data()->isEmpty());
  QVERIFY(charts.lossPlot()->graph(0)->data()->isEmpty());
  QCOMPARE(plot->yAxis->label(), QStringLiteral("loss"));

  // A plain run afterwards looks as in plainRunKeepsItsCurves.
  const Metrics plain = makeMetrics(0, 2);
  charts.append(plain.steps, plain.epochs);
  QCOMPARE(plot->graph(0)->dataCount(), 2);
  QCOMPARE(plot->legend->itemCount(), 3);
  QCOMPARE(charts.lossPlot()->graph(1)->dataCount(), 2 * kStepsPerEpoch);
}

void TestTrainingCharts::kFoldChartsInWindow() {
  constexpr int kEpochs = 6;
  TrainingCharts charts;
  charts.resize(1000, 720);
  const Metrics metrics = makeMetrics(3, kEpochs, {{3, kEpochs}});
  charts.append(metrics.steps, metrics.epochs);
  charts.show();
  QVERIFY(QTest::qWaitForWindowExposed(&charts));
  QCoreApplication::processEvents();
  // Every fold's epochs and every validation loss are on the chart.
  QCustomPlot* plot = charts.validationPlot();
  QVERIFY(plot->xAxis->range().contains(1.0) && plot->xAxis->range().contains(kEpochs));
  for (int fold = 1; fold <= 3; ++fold) QVERIFY(plot->yAxis->range().contains(valLossOf(fold, 1)));
  QVERIFY(charts.lossPlot()->xAxis->range().contains(double(metrics.steps.back().step)));

  // The README's picture of a k-fold run: written only when asked for (ATTUNE_SCREENSHOT=<png>).
  const QString screenshot = qEnvironmentVariable("ATTUNE_SCREENSHOT");
  if (!screenshot.isEmpty()) {
    plot->replot();
    charts.lossPlot()->replot();
    QVERIFY(charts.grab().save(screenshot));
  }
}

QTEST_MAIN(TestTrainingCharts)
#include "test_training_charts.moc"
