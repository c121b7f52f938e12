// Classification metrics against a case computed by hand: 8 examples of classes A, B, C, with a
// fourth class D that is absent from the examples and never predicted, a tie (the first class wins),
// an example without probabilities and one with a label outside the list (both skipped); then the
// empty case (no NaN anywhere) and a perfect classifier.

#include "core/eval/Metrics.h"

#include <QTest>

#include <cmath>

using namespace attune;

namespace {

const QStringList kClasses = {"A", "B", "C", "D"};

bool near(double a, double b) {
  return std::abs(a - b) < 1e-9;
}

}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void handComputedCase() {
    const std::vector<int> labels = {0, 0, 0, 1, 1, 2, 2, 2, 1, 7};
    const std::vector<std::vector<double>> p = {
        {0.9, 0.05, 0.05, 0.0},  {0.6, 0.3, 0.1, 0.0},   {0.2, 0.7, 0.1, 0.0},
        {0.1, 0.8, 0.1, 0.0},    {0.5, 0.4, 0.1, 0.0},   {0.0, 0.1, 0.9, 0.0},
        {0.1, 0.2, 0.7, 0.0},    {0.45, 0.1, 0.45, 0.0}, {},
        {0.25, 0.25, 0.25, 0.25}};
    const ClassificationMetrics m = computeMetrics(kClasses, labels, p);
    QCOMPARE(m.count, 8);
    QCOMPARE(m.skipped, 2);
    const std::vector<std::vector<int>> confusion = {{2, 1, 0, 0}, {1, 1, 0, 0}, {1, 0, 2, 0}, {0, 0, 0, 0}};
    QCOMPARE(m.confusion, confusion);
    QVERIFY(near(m.accuracy, 5.0 / 8.0));
    QVERIFY(near(m.balancedAccuracy, 11.0 / 18.0));
    const double f1A = 2 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0);
    const struct {
      double precision, recall, f1;
      int support, predicted;
    } expected[] = {
        {0.5, 2.0 / 3.0, f1A, 3, 4}, {0.5, 0.5, 0.5, 2, 2}, {1.0, 2.0 / 3.0, 0.8, 3, 2}, {0, 0, 0, 0, 0}};
    QCOMPARE(int(m.classes.size()), 4);
    for (int c = 0; c < 4; ++c) {
      QCOMPARE(m.classes[size_t(c)].name, kClasses[c]);
      QVERIFY2(near(m.classes[size_t(c)].precision, expected[c].precision), qPrintable(kClasses[c]));
      QVERIFY2(near(m.classes[size_t(c)].recall, expected[c].recall), qPrintable(kClasses[c]));
      QVERIFY2(near(m.classes[size_t(c)].f1, expected[c].f1), qPrintable(kClasses[c]));
      QCOMPARE(m.classes[size_t(c)].support, expected[c].support);
      QCOMPARE(m.classes[size_t(c)].predicted, expected[c].predicted);
    }
    QCOMPARE(m.absentClasses, QStringList({"D"}));
    // Macro averages over the three classes present; weighted by support.
    QVERIFY(near(m.macroPrecision, 2.0 / 3.0));
    QVERIFY(near(m.macroRecall, 11.0 / 18.0));
    QVERIFY(near(m.macroF1, (f1A + 0.5 + 0.8) / 3.0));
    QVERIFY(near(m.weightedPrecision, 5.5 / 8.0));
    QVERIFY(near(m.weightedRecall, 5.0 / 8.0));
    QVERIFY(near(m.weightedF1, (f1A * 3 + 0.5 * 2 + 0.8 * 3) / 8.0));
    const double logLoss = -(std::log(0.9) + std::log(0.6) + std::log(0.2) + std::log(0.8) + std::log(0.4) +
                             std::log(0.9) + std::log(0.7) + std::log(0.45)) /
                           8.0;
    QVERIFY(near(m.logLoss, logLoss));
    // Bins of width 0.1: 0.45 | 0.5 | 0.6 | 0.7 0.7 | 0.8 | 0.9 0.9.
    QCOMPARE(int(m.calibration.size()), 10);
    const int counts[] = {0, 0, 0, 0, 1, 1, 1, 2, 1, 2};
    for (int b = 0; b < 10; ++b) QCOMPARE(m.calibration[size_t(b)].count, counts[b]);
    QVERIFY(near(m.calibration[7].accuracy, 0.5));
    QVERIFY(near(m.calibration[7].meanConfidence, 0.7));
    QVERIFY(near(m.calibration[9].accuracy, 1.0));
    QVERIFY(near(m.expectedCalibrationError, (0.45 + 0.5 + 0.4 + 2 * 0.2 + 0.2 + 2 * 0.1) / 8.0));
  }

  void emptyAndPerfect() {
    const ClassificationMetrics none = computeMetrics(kClasses, {}, {});
    QCOMPARE(none.count, 0);
    for (double value : {none.accuracy, none.balancedAccuracy, none.macroF1, none.weightedF1, none.logLoss,
                         none.expectedCalibrationError})
      QVERIFY(value == 0.0);
    QCOMPARE(none.absentClasses.size(), 4);

    const ClassificationMetrics perfect =
        computeMetrics({"x", "y"}, {0, 1, 1}, {{1.0, 0.0}, {0.0, 1.0}, {0.0, 1.0}}, 5);
    QVERIFY(near(perfect.accuracy, 1.0));
    QVERIFY(near(perfect.macroF1, 1.0));
    QVERIFY(near(perfect.logLoss, 0.0));
    QCOMPARE(perfect.calibration.back().count, 3);  // a confidence of exactly 1 is in the last bin
    QVERIFY(near(perfect.expectedCalibrationError, 0.0));
  }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
