// The evaluation view with a made-up evaluation whose answers are known: the confusion matrix shows
// the counts (and row shares), clicking a cell lists exactly the examples of that true and predicted
// class in the stated order, the most confidently wrong list is the mistakes surest first, images get
// thumbnails, and the item model passes QAbstractItemModelTester.

#include "ui/ConfusionMatrixModel.h"
#include "ui/EvaluationView.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace attune;
using namespace attune::ui;

namespace {

template <typename T>
T* child(QObject& parent, const char* name) {
  return parent.findChild<T*>(QString::fromLatin1(name));
}

// Three classes; example i is labelled labels[i] with probabilities rows[i].
std::shared_ptr<RunEvaluation> madeUp(TaskKind task, const QStringList& items) {
  auto e = std::make_shared<RunEvaluation>();
  e->runId = QStringLiteral("20261130-120000");
  e->epoch = 3;
  e->classes = {QStringLiteral("cat"), QStringLiteral("dog"), QStringLiteral("fox")};
  e->examples.task = task;
  e->examples.source = QStringLiteral("made-up data");
  e->examples.items = items;
  e->examples.labels = {0, 0, 0, 1, 1, 2, 2, 0};
  if (task == TaskKind::TextClassification) e->examples.lines = {2, 3, 4, 5, 6, 7, 8, 9};
  e->probabilities = {{0.9, 0.05, 0.05}, {0.2, 0.7, 0.1}, {0.1, 0.6, 0.3}, {0.1, 0.8, 0.1},
                      {0.5, 0.4, 0.1},   {0.1, 0.1, 0.8}, {0.3, 0.1, 0.6}, {0.3, 0.3, 0.4}};
  e->failures = QStringList(items.size(), QString());
  e->metrics = computeMetrics(e->classes, e->examples.labels, e->probabilities);
  return e;
}

QStringList texts() {
  QStringList t;
  for (int i = 0; i < 8; ++i) t << QStringLiteral("example text %1\nsecond line").arg(i);
  return t;
}

}  // namespace

class TestEvaluationView : public QObject {
  Q_OBJECT

 private slots:
  void matrixShowsCountsAndShares() {
    EvaluationView view;
    auto evaluation = madeUp(TaskKind::TextClassification, texts());
    view.setEvaluation(evaluation);
    ConfusionMatrixModel* model = view.matrixModel();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), 3);
    // cat: right 1, as dog 2, as fox 1; dog: right 1, as cat 1; fox: right 2.
    const int expected[3][3] = {{1, 2, 1}, {1, 1, 0}, {0, 0, 2}};
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) {
        QCOMPARE(model->index(r, c).data(ConfusionMatrixModel::CountRole).toInt(), expected[r][c]);
        QCOMPARE(model->index(r, c).data().toString(), QString::number(expected[r][c]));
      }
    QCOMPARE(model->headerData(1, Qt::Horizontal).toString(), QStringLiteral("dog"));
    child<QCheckBox>(view, "normaliseCheck")->setChecked(true);
    QCOMPARE(model->index(0, 1).data().toString(), QStringLiteral("50.0 %"));
    QCOMPARE(model->index(2, 2).data().toString(), QStringLiteral("100.0 %"));
    QVERIFY(
        child<QLabel>(view, "evaluationSummary")->text().contains(QStringLiteral("4 of 8 examples right")));
    auto* classes = child<QTableWidget>(view, "classMetricsTable");
    QCOMPARE(classes->rowCount(), 3);
    QCOMPARE(classes->item(2, 0)->text(), QStringLiteral("fox"));
    QCOMPARE(classes->item(2, 4)->text(), QStringLiteral("2"));
  }

  void clickingACellListsItsExamples() {
    EvaluationView view;
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setEvaluation(madeUp(TaskKind::TextClassification, texts()));
    auto* matrix = child<QTableView>(view, "confusionMatrix");
    const auto click = [&](int row, int column) {
      const QRect cell = matrix->visualRect(matrix->model()->index(row, column));
      QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {}, cell.center());
    };
    // cat predicted as dog: examples 1 (0.7) and 2 (0.6), surest first.
    click(0, 1);
    QCOMPARE(view.shownExamples(), std::vector<int>({1, 2}));
    auto* examples = child<QTableWidget>(view, "examplesTable");
    QCOMPARE(examples->rowCount(), 2);
    QCOMPARE(examples->item(0, 0)->text(), QStringLiteral("example text 1 second line"));
    QVERIFY(examples->item(0, 0)->toolTip().startsWith(QStringLiteral("Line 3:")));
    QCOMPARE(examples->item(0, 1)->text(), QStringLiteral("cat"));
    QCOMPARE(examples->item(0, 2)->text(), QStringLiteral("dog"));
    QCOMPARE(examples->item(0, 3)->text(), QStringLiteral("70.0 %"));
    QVERIFY(child<QLabel>(view, "examplesTitle")
                ->text()
                .startsWith(QStringLiteral("2 examples of cat predicted as dog")));
    // The diagonal lists the least sure right answers first: fox right are 5 (0.8) and 6 (0.6).
    click(2, 2);
    QCOMPARE(view.shownExamples(), std::vector<int>({6, 5}));
    // An empty cell lists nothing.
    click(2, 0);
    QVERIFY(view.shownExamples().empty());
    QCOMPARE(examples->rowCount(), 0);

    // Mistakes, surest first: 1 (0.7), 2 (0.6), 4 (0.5), 7 (0.4).
    QTest::mouseClick(child<QPushButton>(view, "mostWrongButton"), Qt::LeftButton);
    QCOMPARE(view.shownExamples(), std::vector<int>({1, 2, 4, 7}));
    QVERIFY(child<QLabel>(view, "examplesTitle")->text().startsWith(QStringLiteral("The 4 mistakes")));
    view.showMostConfidentlyWrong(2);
    QCOMPARE(view.shownExamples(), std::vector<int>({1, 2}));
  }

  void imagesGetThumbnails() {
    QTemporaryDir dir;
    QStringList paths;
    for (int i = 0; i < 8; ++i) {
      QImage image(40, 30, QImage::Format_RGB32);
      image.fill(QColor::fromHsv(i * 40, 200, 200));
      paths << dir.filePath(QStringLiteral("%1.png").arg(i));
      QVERIFY(image.save(paths.back()));
    }
    EvaluationView view;
    view.setEvaluation(madeUp(TaskKind::ImageClassification, paths));
    view.showCell(0, 0);
    auto* examples = child<QTableWidget>(view, "examplesTable");
    QCOMPARE(examples->rowCount(), 1);
    QCOMPARE(examples->item(0, 0)->text(), QStringLiteral("0.png"));
    QVERIFY(!examples->item(0, 0)->icon().isNull());
    QCOMPARE(examples->item(0, 0)->toolTip(), paths[0]);

    view.setEvaluation(nullptr);
    QCOMPARE(view.matrixModel()->rowCount(), 0);
    QVERIFY(view.shownExamples().empty());
  }
};

QTEST_MAIN(TestEvaluationView)
#include "test_evaluation_view.moc"
