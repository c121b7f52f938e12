// The Runs tab, driven offscreen on hand-made run folders: every run listed newest first with its
// key settings and best figures, the ticked runs' curves on one chart (one point per epoch, the chosen
// metric), what differs between two selected runs (settings and data version), and a picked point
// whose model can be evaluated only when the run kept it.

#include "tests/support/HandMadeRuns.h"
#include "ui/RunHistoryModel.h"
#include "ui/RunHistoryView.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace attune;
using namespace attune::ui;
using attune::testing::runs::kOverfitting;
using attune::testing::runs::writeFile;
using attune::testing::runs::writeRun;

class TestRunHistory : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  Project m_project;

  template <typename T>
  static T* child(QWidget& parent, const char* name) {
    auto* found = parent.findChild<T*>(QString::fromLatin1(name));
    if (!found) qFatal("no child %s", name);
    return found;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_project.filePath = m_dir.filePath(QStringLiteral("birds.attune"));
    const QString runs = m_project.runsDirectory();
    // Run 1: defaults. Run 2: a higher head rate and a frozen backbone. Run 3: as run 2 on other data,
    // keeping every epoch's model, four epochs.
    writeRun(runs, QStringLiteral("20261130-1"), {{"epochs", 6}}, kOverfitting);
    writeRun(runs, QStringLiteral("20261130-2"),
             {{"epochs", 6}, {"optim", {{"lr_head", 0.003}}}, {"freeze", {{"backbone", true}}}},
             {{0.9, 0.6, 0.8, 0.65}, {0.6, 0.8, 0.6, 0.8}, {0.5, 0.85, 0.55, 0.82}});
    const QString third =
        writeRun(runs, QStringLiteral("20261130-3"),
                 {{"epochs", 4},
                  {"optim", {{"lr_head", 0.003}}},
                  {"freeze", {{"backbone", true}}},
                  {"checkpoint", {{"every_epoch", true}}}},
                 {{0.9, 0.6, 0.8, 0.6}, {0.6, 0.8, 0.6, 0.7}, {0.5, 0.85, 0.55, 0.9}, {0.4, 0.9, 0.6, 0.85}},
                 {}, QStringLiteral("def456"));
    QVERIFY(writeFile(third + QStringLiteral("/epoch-1.safetensors"), "x"));
    QVERIFY(writeFile(third + QStringLiteral("/last.safetensors"), "x"));
  }

  void listsRunsNewestFirst() {
    RunHistoryView view;
    QAbstractItemModelTester tester(view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.refresh(m_project);
    RunHistoryModel* model = view.model();
    QCOMPARE(model->rowCount(), 3);
    QCOMPARE(model->index(0, RunHistoryModel::RunColumn).data().toString(), QStringLiteral("20261130-3"));
    QCOMPARE(model->index(2, RunHistoryModel::RunColumn).data().toString(), QStringLiteral("20261130-1"));
    QCOMPARE(model->index(0, RunHistoryModel::EpochsColumn).data().toString(), QStringLiteral("4 of 4"));
    QCOMPARE(model->index(0, RunHistoryModel::BestColumn).data().toString(),
             QStringLiteral("90.0 % (epoch 3)"));
    QCOMPARE(model->index(2, RunHistoryModel::BestColumn).data().toString(),
             QStringLiteral("80.0 % (epoch 4)"));
    QCOMPARE(model->index(0, RunHistoryModel::DataColumn).data().toString(), QStringLiteral("def456"));
    QVERIFY(
        model->index(1, RunHistoryModel::SettingsColumn).data().toString().contains(QStringLiteral("0.003")));
    QVERIFY(model->index(1, RunHistoryModel::SettingsColumn)
                .data()
                .toString()
                .contains(QStringLiteral("frozen")));
    QCOMPARE(model->index(1, RunHistoryModel::ModelColumn).data().toString(), QStringLiteral("ResNet-18"));
  }

  void overlaysTheTickedRunsCurves() {
    RunHistoryView view;
    view.refresh(m_project);
    // The three newest are ticked at first: one curve each, one point per epoch.
    QVERIFY(view.graphOf(0) && view.graphOf(1) && view.graphOf(2));
    QCOMPARE(view.graphOf(0)->dataCount(), 4);
    QCOMPARE(view.graphOf(2)->dataCount(), 6);
    QCOMPARE(view.graphOf(0)->data()->at(2)->value, 90.0);  // validation accuracy in %
    // Unticking a run takes its curve away.
    QVERIFY(view.model()->setData(view.model()->index(1, RunHistoryModel::RunColumn), Qt::Unchecked,
                                  Qt::CheckStateRole));
    QVERIFY(!view.graphOf(1));
    QCOMPARE(child<QCustomPlot>(view, "historyChart")->graphCount(), 2);
    // Another metric: the validation loss, as recorded.
    view.setCurve(RunHistoryView::Curve::ValLoss);
    QCOMPARE(view.graphOf(2)->data()->at(5)->value, 0.75);
    QCOMPARE(view.graphOf(2)->data()->at(5)->key, 6.0);
  }

  void showsWhatDiffersBetweenTwoRuns() {
    RunHistoryView view;
    view.refresh(m_project);
    auto* table = child<QTableView>(view, "runsTable");
    // Selecting runs 1 and 2 (rows 2 and 1): the head rate and the freezing differ.
    table->selectionModel()->select(view.model()->index(2, 0),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
    table->selectionModel()->select(view.model()->index(1, 0),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
    auto* differences = child<QTableWidget>(view, "differencesTable");
    QCOMPARE(differences->rowCount(), 2);
    QCOMPARE(differences->item(0, 0)->text(), QStringLiteral("freeze.backbone"));
    QCOMPARE(differences->item(0, 1)->text(), QStringLiteral("false"));
    QCOMPARE(differences->item(0, 2)->text(), QStringLiteral("true"));
    QCOMPARE(differences->item(1, 0)->text(), QStringLiteral("optim.lr_head"));
    // Runs 2 and 3: epochs, keeping every epoch's model, and the data version.
    view.compare(1, 0);
    QCOMPARE(view.differenceCount(), 3);
    QStringList keys;
    for (int r = 0; r < differences->rowCount(); ++r) keys << differences->item(r, 0)->text();
    QCOMPARE(keys, (QStringList{QStringLiteral("checkpoint.every_epoch"), QStringLiteral("epochs"),
                                QStringLiteral("data version")}));
  }

  void pickingAPointOffersItsModelWhenKept() {
    RunHistoryView view;
    view.refresh(m_project);
    QSignalSpy requested(&view, &RunHistoryView::evaluateCheckpointRequested);
    auto* evaluate = child<QPushButton>(view, "evaluateEpochButton");
    // Run 3 kept epoch 1 (its own file), epoch 3 (best) and epoch 4 (last), not epoch 2.
    for (const auto& [epoch, kept] :
         {std::pair{1, true}, std::pair{2, false}, std::pair{3, true}, std::pair{4, true}}) {
      view.pickPoint(0, epoch);
      QCOMPARE(view.pickedEpoch(), epoch);
      QCOMPARE(evaluate->isEnabled(), kept);
      QCOMPARE(child<QPushButton>(view, "continueFromButton")->isEnabled(), kept);
      QCOMPARE(child<QPushButton>(view, "exportEpochButton")->isEnabled(), kept);
      QVERIFY(child<QLabel>(view, "pickedPoint")
                  ->text()
                  .contains(kept ? QStringLiteral("was kept") : QStringLiteral("was not kept")));
    }
    // Run 1 has only best.safetensors: epoch 4 (its best) is kept, its last epoch is not.
    view.pickPoint(2, 4);
    QVERIFY(evaluate->isEnabled());
    view.pickPoint(2, 6);
    QVERIFY(!evaluate->isEnabled());
    view.pickPoint(0, 3);
    QTest::mouseClick(evaluate, Qt::LeftButton);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested[0][0].toString(), QStringLiteral("20261130-3"));
    QCOMPARE(requested[0][1].toInt(), 3);
    // "Continue Training From Here" asks for a new run from the same picked model.
    QSignalSpy continueFrom(&view, &RunHistoryView::continueFromRequested);
    QTest::mouseClick(child<QPushButton>(view, "continueFromButton"), Qt::LeftButton);
    QCOMPARE(continueFrom.count(), 1);
    QCOMPARE(continueFrom[0][0].toString(), QStringLiteral("20261130-3"));
    QCOMPARE(continueFrom[0][1].toInt(), 3);
    // "Export This Epoch's Model" asks to export the same picked model.
    QSignalSpy exportRequested(&view, &RunHistoryView::exportCheckpointRequested);
    QTest::mouseClick(child<QPushButton>(view, "exportEpochButton"), Qt::LeftButton);
    QCOMPARE(exportRequested.count(), 1);
    QCOMPARE(exportRequested[0][0].toString(), QStringLiteral("20261130-3"));
    QCOMPARE(exportRequested[0][1].toInt(), 3);
  }

  void clickingACurvePicksItsPoint() {
    RunHistoryView view;
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.refresh(m_project);
    auto* plot = child<QCustomPlot>(view, "historyChart");
    plot->replot();
    QCPGraph* graph = view.graphOf(0);
    const QPointF at(graph->keyAxis()->coordToPixel(3.0), graph->valueAxis()->coordToPixel(90.0));
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at.toPoint());
    QCOMPARE(view.pickedRun(), QStringLiteral("20261130-3"));
    QCOMPARE(view.pickedEpoch(), 3);
  }

  void damagedRunsAreNamedNotFatal() {
    Project project;
    project.filePath = m_dir.filePath(QStringLiteral("other/broken.attune"));
    writeRun(project.runsDirectory(), QStringLiteral("20261130-1"), {}, kOverfitting);
    QDir().mkpath(project.runsDirectory() + QStringLiteral("/20261130-2"));
    QVERIFY(writeFile(project.runsDirectory() + QStringLiteral("/20261130-2/config.json"), "{ broken"));
    RunHistoryView view;
    view.refresh(project);
    QCOMPARE(view.model()->rowCount(), 1);
    QVERIFY(child<QLabel>(view, "historyMessage")->text().contains(QStringLiteral("damaged")));
  }
};

QTEST_MAIN(TestRunHistory)
#include "test_run_history.moc"
