// The run history's reading of a run folder and the run report's plain-language parts, on hand-made
// run folders: epochs from metrics.csv (a row cut by a crash and a resumed run's repeated epoch), the
// best epoch by the monitored metric, what differs between two runs, the findings a person reads
// ("validation loss rose after epoch 4: the best checkpoint is from epoch 4"), and the report's charts.

#include "core/eval/ReportChart.h"
#include "core/eval/RunFindings.h"
#include "core/eval/RunReport.h"
#include "core/eval/SavedRun.h"
#include "tests/support/HandMadeRuns.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;

namespace {

using attune::testing::runs::kOverfitting;
using attune::testing::runs::writeFile;
using attune::testing::runs::writeRun;

RunEvaluation evaluationOf(const std::vector<int>& labels, const std::vector<int>& answers) {
  RunEvaluation e;
  e.runId = QStringLiteral("a");
  e.checkpoint = QStringLiteral("/x/best.safetensors");
  e.epoch = 4;
  e.classes = {QStringLiteral("finch"), QStringLiteral("robin"), QStringLiteral("wren")};
  e.examples.source = QStringLiteral("the validation split");
  for (size_t i = 0; i < labels.size(); ++i) {
    std::vector<double> p(3, 0.05);
    p[size_t(answers[i])] = 0.9;
    e.probabilities.push_back(p);
    e.examples.items << QStringLiteral("/img/%1.png").arg(i);
  }
  e.examples.labels = labels;
  e.metrics = computeMetrics(e.classes, labels, e.probabilities);
  return e;
}

bool hasFinding(const std::vector<Finding>& findings, Finding::Kind kind, const QString& text) {
  for (const Finding& f : findings)
    if (f.kind == kind && f.text.contains(text)) return true;
  return false;
}

}  // namespace

class TestRunReport : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void readsEpochsSkippingDamagedRowsAndRepeats() {
    // A resumed run repeats epoch 2 (the later row wins); the last line was cut by a crash.
    const QString dir = writeRun(m_dir.filePath(QStringLiteral("r1")), QStringLiteral("20261130-1"), {},
                                 {{1.0, 0.5, 0.9, 0.6}, {0.8, 0.6, 0.8, 0.65}},
                                 "epoch,2,,0.7,0.7,0.75,0.7,,,300\nepoch,3,,0.6,0.");
    auto run = readSavedRun(dir);
    QVERIFY2(run.ok(), run ? "" : qPrintable(run.error().text()));
    QCOMPARE(run->id, QStringLiteral("20261130-1"));
    QCOMPARE(run->classes.size(), 3);
    QCOMPARE(run->trainCount, 130);
    QCOMPARE(run->trainClassCounts, (std::vector<int>{60, 62, 8}));
    QCOMPARE(run->dataVersion, QStringLiteral("abc123"));
    QCOMPARE(run->epochs.size(), size_t(2));
    QCOMPARE(run->epochs[1].valAccuracy, 0.7);
    QCOMPARE(run->epochs[1].elapsedMs, 300.0);
    QVERIFY(run->hasBestCheckpoint);
    QVERIFY(!run->hasLastCheckpoint);
    QCOMPARE(run->config.lrHead, TrainingConfig().lrHead);  // defaults for missing keys
  }

  void refusesFoldersThatAreNotRuns() {
    const QString empty = m_dir.filePath(QStringLiteral("notarun"));
    QDir().mkpath(empty);
    QVERIFY(!readSavedRun(empty).ok());
    QVERIFY(writeFile(empty + QStringLiteral("/config.json"), "{ not json"));
    const auto damaged = readSavedRun(empty);
    QVERIFY(!damaged.ok());
    QVERIFY(damaged.error().message.contains(QStringLiteral("damaged")));
  }

  void bestEpochFollowsTheMonitoredMetric() {
    const QString runs = m_dir.filePath(QStringLiteral("best"));
    auto byAccuracy = readSavedRun(writeRun(runs, QStringLiteral("a"), {}, kOverfitting));
    QVERIFY(byAccuracy.ok());
    QCOMPARE(byAccuracy->bestEpoch(), 4);
    // By validation loss: epoch 4 too here, but a tie keeps the first epoch.
    auto byLoss = readSavedRun(writeRun(runs, QStringLiteral("b"), {{"early_stop", {{"metric", "val_loss"}}}},
                                        {{1, 0.5, 0.5, 0.9}, {1, 0.5, 0.4, 0.5}, {1, 0.5, 0.4, 0.6}}));
    QVERIFY(byLoss.ok());
    QCOMPARE(byLoss->bestEpoch(), 2);
    // As in training, an accuracy tie goes to the epoch with the lower validation loss.
    auto tie = readSavedRun(writeRun(runs, QStringLiteral("c"), {},
                                     {{1, 0.5, 0.5, 0.8}, {1, 0.5, 0.4, 0.8}, {1, 0.5, 0.45, 0.8}}));
    QVERIFY(tie.ok());
    QCOMPARE(tie->bestEpoch(), 2);
  }

  void listsRunsNewestFirstAndTheirDifferences() {
    Project project;
    project.filePath = m_dir.filePath(QStringLiteral("history/birds.attune"));
    const QString runs = project.runsDirectory();
    writeRun(runs, QStringLiteral("20261130-1"), {{"epochs", 6}, {"optim", {{"lr_head", 0.001}}}},
             kOverfitting);
    writeRun(runs, QStringLiteral("20261130-2"),
             {{"epochs", 6}, {"optim", {{"lr_head", 0.003}}}, {"freeze", {{"backbone", true}}}},
             kOverfitting);
    QDir().mkpath(runs + QStringLiteral("/stray"));
    QStringList skipped;
    const auto listed = savedRunsOf(project, &skipped);
    QCOMPARE(listed.size(), size_t(2));
    QCOMPARE(listed[0].id, QStringLiteral("20261130-2"));
    QCOMPARE(skipped.size(), 1);

    const auto differences = settingDifferences(listed[1], listed[0]);
    QCOMPARE(differences.size(), size_t(2));
    QCOMPARE(differences[0].key, QStringLiteral("freeze.backbone"));
    QCOMPARE(differences[0].first, QStringLiteral("false"));
    QCOMPARE(differences[0].second, QStringLiteral("true"));
    QCOMPARE(differences[1].key, QStringLiteral("optim.lr_head"));
    QCOMPARE(differences[1].first, QStringLiteral("0.001"));
    QCOMPARE(differences[1].second, QStringLiteral("0.003"));
    QVERIFY(settingDifferences(listed[0], listed[0]).empty());
  }

  void findingsInPlainWords() {
    auto run = readSavedRun(writeRun(m_dir.filePath(QStringLiteral("findings")), QStringLiteral("a"),
                                     {{"epochs", 8}}, kOverfitting));
    QVERIFY(run.ok());
    // wren: 10 validation examples all taken for robin; finch and robin right.
    std::vector<int> labels, answers;
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 10; ++i) {
        labels.push_back(c);
        answers.push_back(c == 2 ? 1 : c);
      }
    const RunEvaluation evaluation = evaluationOf(labels, answers);
    const auto findings = runFindings(*run, &evaluation);
    QVERIFY(
        hasFinding(findings, Finding::Warning,
                   QStringLiteral("Validation loss rose after epoch 4 (from 0.500 to 0.750 at epoch 6)")));
    QVERIFY(hasFinding(findings, Finding::Warning, QStringLiteral("The best checkpoint is from epoch 4.")));
    QVERIFY(
        hasFinding(findings, Finding::Warning, QStringLiteral("Class “wren” has too few examples: only 8")));
    QVERIFY(hasFinding(findings, Finding::Warning, QStringLiteral("The model never answers “wren”")));
    QVERIFY(hasFinding(findings, Finding::Note, QStringLiteral("The run ended after 6 of its 8 epochs")));
    QVERIFY(hasFinding(findings, Finding::Note, QStringLiteral("“wren” taken for “robin” (10 of 10")));
    QVERIFY(hasFinding(findings, Finding::Warning, QStringLiteral("Training accuracy (99.0%) is far above")));
    QVERIFY(hasFinding(findings, Finding::Good, QStringLiteral("right on 66.7% of the 30 examples")));
    // Warnings come first.
    QCOMPARE(findings.front().kind, Finding::Warning);
    QCOMPARE(findings.back().kind, Finding::Good);

    // A model that always answers one class is called out against chance.
    const RunEvaluation constant = evaluationOf(labels, std::vector<int>(labels.size(), 0));
    QVERIFY(hasFinding(runFindings(*run, &constant), Finding::Warning,
                       QStringLiteral("no better than always answering “finch”")));
  }

  void settingsInPlainWords() {
    auto run = readSavedRun(
        writeRun(m_dir.filePath(QStringLiteral("settings")), QStringLiteral("a"),
                 {{"model", {{"architecture", "resnet18"}, {"weights", "/w/resnet18.safetensors"}}},
                  {"optim", {{"lr_head", 0.001}, {"lr_backbone", 0.0001}}},
                  {"freeze", {{"backbone", true}, {"unfreeze_every", 2}}},
                  {"augment", {{"random_resized_crop", false}, {"horizontal_flip", true}}}},
                 kOverfitting));
    QVERIFY(run.ok());
    const QString text = plainSettings(*run).join(QLatin1Char('\n'));
    QVERIFY2(text.contains(QStringLiteral("Model: ResNet-18, pre-trained (weights resnet18.safetensors)")),
             qPrintable(text));
    QVERIFY(text.contains(QStringLiteral(
        "0.001 for the new output layer and 0.0001 for the pre-trained layers (10 times slower")));
    QVERIFY(text.contains(QStringLiteral("started frozen")));
    QVERIFY(text.contains(QStringLiteral("unfrozen every 2 epochs")));
    QVERIFY(text.contains(QStringLiteral("Training images were flipped left to right at random")));
  }

  void reportPageHoldsEverySection() {
    auto run =
        readSavedRun(writeRun(m_dir.filePath(QStringLiteral("page")), QStringLiteral("a"), {}, kOverfitting));
    QVERIFY(run.ok());
    std::vector<int> labels = {0, 0, 1, 1, 2, 2}, answers = {0, 1, 1, 1, 2, 0};
    const RunEvaluation evaluation = evaluationOf(labels, answers);
    const auto svg = runReport(*run, evaluation, ReportCharts::InlineSvg);
    QVERIFY(svg.charts.empty());
    QCOMPARE(svg.html.count(QStringLiteral("<svg ")), 3);
    QVERIFY(svg.html.contains(QStringLiteral("<b>Accuracy 66.7%</b> on 6 images")));
    QVERIFY(svg.html.contains(QStringLiteral("best (epoch 4)")));
    // The confusion matrix row of finch: 1 right (50%), 1 taken for robin.
    QVERIFY(svg.html.contains(QStringLiteral(">1<br><span style=\"font-size: 8pt\">50.0%</span>")));
    const auto images = runReport(*run, evaluation, ReportCharts::Images);
    QCOMPARE(images.charts.size(), size_t(3));
    QVERIFY(images.html.contains(QStringLiteral("<img src=\"chart-0.png\"")));
    QCOMPARE(images.html.count(QStringLiteral("<svg ")), 0);
    // A name with markup is escaped, never interpreted.
    run->projectName = QStringLiteral("<script>x</script>");
    QVERIFY(!runReport(*run, evaluation, ReportCharts::InlineSvg).html.contains(QStringLiteral("<script>")));
  }

  void chartsDrawEveryPoint() {
    const auto tenths = niceTicks(0.0, 1.0, 5);
    QCOMPARE(tenths.size(), size_t(6));
    for (size_t i = 0; i < tenths.size(); ++i) QVERIFY(std::abs(tenths[i] - 0.2 * double(i)) < 1e-12);
    QCOMPARE(niceTicks(1.0, 6.0, 6), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    ReportChart chart;
    chart.title = QStringLiteral("Loss");
    chart.series.push_back(
        {QStringLiteral("training"), QStringLiteral("#1f77b4"), {{1, 0.9}, {2, 0.5}, {3, 0.2}}});
    chart.fitRanges(true);
    QCOMPARE(chart.xMin, 1.0);
    QCOMPARE(chart.xMax, 3.0);
    QCOMPARE(chart.yMin, 0.0);
    QVERIFY(chart.yMax >= 0.9);
    const QString svg = chartSvg(chart, 400, 240);
    QVERIFY(svg.startsWith(QStringLiteral("<svg ")));
    // The series' polyline has its three points; the first at the plot's left edge.
    const qsizetype at = svg.indexOf(QStringLiteral("stroke=\"#1f77b4\" stroke-width=\"2\" points=\""));
    QVERIFY(at > 0);
    const QString points = svg.mid(at).section(QLatin1Char('"'), 5, 5);
    QCOMPARE(points.split(QLatin1Char(' ')).size(), 3);
    QVERIFY(points.startsWith(QStringLiteral("56.0,")));
  }
};

QTEST_GUILESS_MAIN(TestRunReport)
#include "test_run_report.moc"
