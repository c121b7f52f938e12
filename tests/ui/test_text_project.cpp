// A text project in the main window, driven through its widgets: the data panel reads the table and
// shows the column mapping and per-class counts, the Texts tab lists every text with a class filter
// and a search, the settings offer text models only, a real (tiny) word-vector run is trained with
// the Train button, and "Try it" classifies a typed sentence with the run's model. Likely label
// mistakes listed on the Evaluation tab are relabelled or kept with one click, into the project's
// label journal, and the data panel, the Texts tab and a reopened project follow.

#include "core/dataset/ProjectData.h"
#include "core/eval/EpochValidation.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TinyTexts.h"
#include "ui/ConfusionMatrixModel.h"
#include "ui/EvaluationView.h"
#include "ui/MainWindow.h"
#include "ui/MessageBoxHook.h"
#include "ui/TextDataPanel.h"
#include "ui/TextsView.h"
#include "ui/TryPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace attune;
using namespace attune::ui;
using namespace attune::testing::texts;

namespace {

constexpr int kReviewsPerClass = 20;
const int kTrainingTimeout_ms =
    180'000 * attune::testing::testSlowdown();  // a 2-core machine shared with compilers
const int kAnswerTimeout_ms = 60'000 * attune::testing::testSlowdown();

template <typename T>
T* child(QObject& parent, const char* name) {
  return parent.findChild<T*>(QString::fromLatin1(name));
}

}  // namespace

class TestTextProject : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void showsTheTextsAndTheirClasses();
  void columnMappingChangesTheData();
  void trainThenTryASentence();
  void relabelLikelyMistakesFromTheEvaluation();

 private:
  QString makeProject(const QString& name);
  void open(MainWindow& window, const QString& path);

  QTemporaryDir m_dir;
  QTemporaryDir m_settingsDir;
  QString m_reviews;
  QString m_vectors;
  QList<MessageRequest> m_messages;
};

void TestTextProject::initTestCase() {
  QVERIFY(m_dir.isValid() && m_settingsDir.isValid());
  QCoreApplication::setOrganizationName(QStringLiteral("AttuneTest"));
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
  m_reviews = writeReviews(m_dir.filePath(QStringLiteral("reviews.csv")), kReviewsPerClass);
  m_vectors = writeTinyVectors(m_dir.filePath(QStringLiteral("vectors.safetensors")));
  QVERIFY(!m_reviews.isEmpty() && !m_vectors.isEmpty());
}

void TestTextProject::init() {
  m_messages.clear();
  MessageBoxHook::setTestHandler([this](const MessageRequest& request) {
    m_messages << request;
    return request.buttons.testFlag(QMessageBox::Discard) ? QMessageBox::Discard : QMessageBox::Ok;
  });
}

void TestTextProject::cleanup() {
  MessageBoxHook::setTestHandler({});
}

QString TestTextProject::makeProject(const QString& name) {
  const QString path = m_dir.filePath(name + QStringLiteral(".attune"));
  Project project = reviewProject(path, m_reviews, QStringLiteral("word_vectors"), m_vectors);
  project.classes = {QStringLiteral("neg"), QStringLiteral("pos")};
  project.config.threads = 1;  // the machine is shared; speed is not what is tested
  const Status saved = ProjectFile::save(project, path);
  if (!saved) qWarning() << saved.error().text();
  return path;
}

void TestTextProject::open(MainWindow& window, const QString& path) {
  QVERIFY2(window.openProject(path), m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(!window.isWindowModified());
}

void TestTextProject::showsTheTextsAndTheirClasses() {
  MainWindow window;
  open(window, makeProject(QStringLiteral("show")));

  // The text data panel, not the image folder panel, with the mapping and the counts per class.
  QCOMPARE(child<QComboBox>(window, "textColumnCombo")->currentText(), QStringLiteral("text"));
  QCOMPARE(child<QComboBox>(window, "labelColumnCombo")->currentText(), QStringLiteral("label"));
  QVERIFY(child<QLineEdit>(window, "textTableEdit")->isVisible());
  QVERIFY(!child<QLineEdit>(window, "dataFolderEdit")->isVisible());
  auto* classes = child<QTreeWidget>(window, "textClassTree");
  QCOMPARE(classes->topLevelItemCount(), 2);
  for (int i = 0; i < 2; ++i) QCOMPARE(classes->topLevelItem(i)->text(1), QString::number(kReviewsPerClass));
  QCOMPARE(classes->topLevelItem(0)->text(0), QStringLiteral("neg"));
  QVERIFY(child<QLabel>(window, "textDataStatusLabel")->text().contains(QStringLiteral("40 labelled texts")));

  // Only text models are offered.
  auto* models = child<QComboBox>(window, "architectureCombo");
  QVERIFY(models->findData(QStringLiteral("word_vectors")) >= 0);
  QVERIFY(models->findData(QStringLiteral("bert")) >= 0);
  QCOMPARE(models->findData(QStringLiteral("resnet18")), -1);
  QCOMPARE(models->currentData().toString(), QStringLiteral("word_vectors"));
  // Input size and augmentation are about pictures: not offered for texts.
  QVERIFY(child<QSpinBox>(window, "inputSizeSpin")->isHidden());
  QVERIFY(child<QCheckBox>(window, "flipCheck")->isHidden());

  // The Texts tab: every text with its label and line; the class filter and the search narrow it.
  auto* tabs = child<QTabWidget>(window, "mainTabs");
  auto* texts = child<TextsView>(window, "textsView");
  QVERIFY(tabs->isTabVisible(tabs->indexOf(texts)));
  tabs->setCurrentWidget(texts);
  QAbstractItemModel* shown = child<QTableView>(window, "textTable")->model();
  QCOMPARE(shown->rowCount(), 2 * kReviewsPerClass);
  QCOMPARE(shown->index(0, TextTableModel::LineColumn).data().toInt(), 2);  // line 1 is the header
  QCOMPARE(shown->index(0, TextTableModel::LabelColumn).data().toString(), QStringLiteral("neg"));
  // The review with a line break is one row, shown on one line, whole in its tooltip.
  bool foundMultiline = false;
  for (int row = 0; row < shown->rowCount(); ++row) {
    const QString full = shown->index(row, TextTableModel::TextColumn).data(Qt::ToolTipRole).toString();
    if (!full.contains(QLatin1Char('\n'))) continue;
    foundMultiline = true;
    QVERIFY(!shown->index(row, TextTableModel::TextColumn).data().toString().contains(QLatin1Char('\n')));
  }
  QVERIFY(foundMultiline);
  auto* classFilter = child<QComboBox>(window, "textClassFilter");
  classFilter->setCurrentIndex(classFilter->findData(QStringLiteral("pos")));
  QCOMPARE(shown->rowCount(), kReviewsPerClass);
  for (int row = 0; row < shown->rowCount(); ++row)
    QCOMPARE(shown->index(row, TextTableModel::LabelColumn).data().toString(), QStringLiteral("pos"));
  auto* search = child<QLineEdit>(window, "textSearchEdit");
  QTest::keyClicks(search, QStringLiteral("superb"));
  QVERIFY(shown->rowCount() > 0 && shown->rowCount() < kReviewsPerClass);
  for (int row = 0; row < shown->rowCount(); ++row)
    QVERIFY(shown->index(row, TextTableModel::TextColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("superb")));
  QVERIFY(child<QLabel>(window, "textCountLabel")->text().endsWith(QStringLiteral("of 40 texts")));
  QVERIFY(!window.isWindowModified());  // looking changes nothing

  // No run yet: "Try it" says to train first and cannot classify.
  auto* tryPanel = child<TryPanel>(window, "tryPanel");
  tryPanel->setText(QStringLiteral("great fun"));
  QVERIFY(!child<QPushButton>(window, "tryClassifyButton")->isEnabled());
  QVERIFY(child<QLabel>(window, "tryModelLabel")->text().contains(QStringLiteral("Train a model first")));
}

void TestTextProject::columnMappingChangesTheData() {
  MainWindow window;
  const QString path = makeProject(QStringLiteral("mapping"));
  open(window, path);
  auto* labels = child<QComboBox>(window, "labelColumnCombo");
  // No label column: every text is unlabelled, there are no classes to train.
  labels->setCurrentIndex(labels->findData(QString()));
  QVERIFY(window.isWindowModified());
  QCOMPARE(window.project().data.labelColumn, QString());
  QVERIFY(window.project().classes.isEmpty());
  QCOMPARE(child<QTreeWidget>(window, "textClassTree")->topLevelItemCount(), 0);
  QVERIFY(
      child<QLabel>(window, "textDataStatusLabel")->text().contains(QStringLiteral("40 without a label")));
  // The same column for both: refused with a message in the panel, nothing trains on it.
  labels->setCurrentIndex(labels->findData(QStringLiteral("text")));
  QVERIFY(!child<QLabel>(window, "textDataStatusLabel")->text().isEmpty());
  QCOMPARE(child<QTableView>(window, "textTable")->model()->rowCount(), 0);
  // Back to the label column, saved and reopened as chosen.
  labels->setCurrentIndex(labels->findData(QStringLiteral("label")));
  QCOMPARE(window.project().classes, QStringList({QStringLiteral("neg"), QStringLiteral("pos")}));
  QVERIFY(window.saveProject());
  auto reopened = ProjectFile::load(path);
  QVERIFY(reopened.ok());
  QVERIFY(reopened->task == TaskKind::TextClassification);
  QCOMPARE(reopened->data.labelColumn, QStringLiteral("label"));
  QCOMPARE(reopened->data.table, m_reviews);
}

void TestTextProject::trainThenTryASentence() {
  MainWindow window;
  open(window, makeProject(QStringLiteral("train")));
  auto* train = child<QPushButton>(window, "trainButton");
  QVERIFY(train && train->isEnabled());
  QTest::mouseClick(train, Qt::LeftButton);
  QVERIFY2(window.isTraining(), m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  QTRY_VERIFY_WITH_TIMEOUT(!window.isTraining(), kTrainingTimeout_ms);
  QCOMPARE(window.project().runs.size(), size_t(1));
  const RunRecord& run = window.project().runs.front();
  QVERIFY2(run.status == RunStatus::Finished, qPrintable(run.message));
  QVERIFY(run.bestValAccuracy >= 0.9);

  // "Try it" now answers with the run's model.
  auto* tryPanel = child<TryPanel>(window, "tryPanel");
  QCOMPARE(tryPanel->runDirectory(), QFileInfo(run.bestCheckpoint).absolutePath());
  QVERIFY(child<QLabel>(window, "tryModelLabel")->text().contains(run.id));
  child<QTabWidget>(window, "mainTabs")->setCurrentWidget(tryPanel);
  QSignalSpy answered(tryPanel, &TryPanel::answered);
  tryPanel->setText(QStringLiteral("the plot was superb and great fun"));
  auto* classify = child<QPushButton>(window, "tryClassifyButton");
  QVERIFY(classify->isEnabled());
  QTest::mouseClick(classify, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 1, kAnswerTimeout_ms);
  QVERIFY2(child<QLabel>(window, "tryMessageLabel")->text().startsWith(QStringLiteral("Most likely: pos")),
           qPrintable(child<QLabel>(window, "tryMessageLabel")->text()));
  QCOMPARE(tryPanel->shownClasses(), QStringList({QStringLiteral("neg"), QStringLiteral("pos")}));
  QCOMPARE(int(tryPanel->shownProbabilities().size()), 2);
  QVERIFY(tryPanel->shownProbabilities()[1] > 0.5);
  QVERIFY(std::abs(tryPanel->shownProbabilities()[0] + tryPanel->shownProbabilities()[1] - 1.0) < 1e-6);
  auto* results = child<QTableWidget>(window, "tryResultsTable");
  QCOMPARE(results->rowCount(), 2);
  QCOMPARE(results->item(0, 0)->text(), QStringLiteral("pos"));  // most likely first
  auto* bar = qobject_cast<QProgressBar*>(results->cellWidget(0, 1));
  QVERIFY(bar && bar->value() > 500);

  // The second sentence reuses the loaded model (Ctrl+Enter) and flips the answer.
  tryPanel->setText(QStringLiteral("awful boring and dull acting"));
  child<QWidget>(window, "tryTextEdit")->setFocus();
  QTest::keyClick(child<QWidget>(window, "tryTextEdit"), Qt::Key_Return, Qt::ControlModifier);
  QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 2, kAnswerTimeout_ms);
  QVERIFY(tryPanel->shownProbabilities()[0] > 0.5);
  QCOMPARE(results->item(0, 0)->text(), QStringLiteral("neg"));

  // The Evaluation tab scores the run's model on its validation split, as training did.
  auto* evaluation = child<EvaluationView>(window, "evaluationView");
  child<QTabWidget>(window, "mainTabs")->setCurrentWidget(evaluation);
  QTest::mouseClick(child<QPushButton>(window, "evaluateButton"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(evaluation->evaluation() != nullptr, kAnswerTimeout_ms);
  QVERIFY(std::abs(evaluation->evaluation()->metrics.accuracy - run.bestValAccuracy) < 1e-6);
  QCOMPARE(evaluation->evaluation()->metrics.count, 10);  // a quarter of 40 reviews
  QVERIFY(child<QPushButton>(window, "evaluateButton")->isEnabled());

  // The epoch slider shows the run's validation after every epoch, from the answers training saved;
  // at the evaluated epoch they are the evaluation's own (the same model on the same texts).
  auto* slider = child<QSlider>(window, "epochSlider");
  QVERIFY(slider->isVisibleTo(&window));
  QCOMPARE(slider->maximum() + 1, 8);
  const int evaluatedEpoch = evaluation->evaluation()->epoch;
  QCOMPARE(evaluation->shownEpoch(), evaluatedEpoch);
  const auto epochs =
      validationByEpoch(evaluation->evaluation()->runDirectory, evaluation->evaluation()->classes);
  QVERIFY(epochs.ok());
  QCOMPARE(epochs->size(), size_t(8));
  const ClassificationMetrics& atEvaluated = (*epochs)[size_t(evaluatedEpoch - 1)].metrics;
  QVERIFY(std::abs(atEvaluated.accuracy - evaluation->evaluation()->metrics.accuracy) < 1e-9);
  QCOMPARE(atEvaluated.confusion, evaluation->evaluation()->metrics.confusion);
  slider->setValue(0);
  QCOMPARE(evaluation->shownEpoch(), 1);
  QVERIFY(child<QLabel>(window, "epochLabel")->text().startsWith(QStringLiteral("Epoch 1 of 8")));
  int total = 0;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) {
      const int count = evaluation->matrixModel()->index(r, c).data(ConfusionMatrixModel::CountRole).toInt();
      QCOMPARE(count, (*epochs)[0].metrics.confusion[size_t(r)][size_t(c)]);
      total += count;
    }
  QCOMPARE(total, 10);
  // The examples behind a cell are the evaluated model's: clicking one goes back to its epoch.
  evaluation->showCell(0, 0);
  QCOMPARE(evaluation->shownEpoch(), evaluatedEpoch);
  QCOMPARE(slider->value(), evaluatedEpoch - 1);

  // Save Report… writes the run report of what is shown, as a web page or a PDF.
  QVERIFY(child<QPushButton>(window, "saveReportButton")->isEnabled());
  const QString html = m_dir.filePath(QStringLiteral("report.html"));
  const auto savedHtml = evaluation->saveReport(html);
  QVERIFY2(savedHtml.ok(), savedHtml ? "" : qPrintable(savedHtml.error().text()));
  QFile page(html);
  QVERIFY(page.open(QIODevice::ReadOnly));
  const QString text = QString::fromUtf8(page.readAll());
  QVERIFY(text.contains(QStringLiteral("<h1>Run report: ")));
  QVERIFY(text.contains(QStringLiteral("Texts were cut to")));
  const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
  const auto savedPdf = evaluation->saveReport(pdf);
  QVERIFY2(savedPdf.ok(), savedPdf ? "" : qPrintable(savedPdf.error().text()));
  QFile document(pdf);
  QVERIFY(document.open(QIODevice::ReadOnly));
  QVERIFY(document.readAll().startsWith("%PDF-"));
  QVERIFY(!evaluation->saveReport(m_dir.filePath(QStringLiteral("report.doc"))).ok());

  if (const QByteArray shot = qgetenv("ATTUNE_SCREENSHOT"); !shot.isEmpty())
    window.grab().save(QString::fromLocal8Bit(shot));
}

void TestTextProject::relabelLikelyMistakesFromTheEvaluation() {
  const QString path = makeProject(QStringLiteral("relabel"));
  auto window = std::make_unique<MainWindow>();
  open(*window, path);
  auto* data = child<TextDataPanel>(*window, "textDataPanel");
  QVERIFY(data && data->dataset());
  const std::vector<TextSample> texts = data->dataset()->labelled;
  const std::vector<int> countsBefore = data->dataset()->classCounts();
  QCOMPARE(countsBefore, (std::vector<int>{kReviewsPerClass, kReviewsPerClass}));
  // Three of the project's texts as an evaluation would give them: the first two with answers that
  // doubt their labels (the second less), the third answered right.
  const TextSample& neg = *std::find_if(texts.begin(), texts.end(), [](auto& t) { return t.label == 0; });
  const TextSample& pos = *std::find_if(texts.begin(), texts.end(), [](auto& t) { return t.label == 1; });
  const TextSample& right = *std::find_if(texts.rbegin(), texts.rend(), [](auto& t) { return t.label == 1; });
  auto made = std::make_shared<RunEvaluation>();
  made->runId = QStringLiteral("by-hand");
  made->epoch = 1;
  made->classes = {QStringLiteral("neg"), QStringLiteral("pos")};
  made->examples.task = TaskKind::TextClassification;
  made->examples.source = QStringLiteral("three texts");
  made->examples.items = {pos.text, neg.text, right.text};
  made->examples.lines = {pos.line, neg.line, right.line};
  made->examples.labels = {1, 0, 1};
  for (const TextSample* t : {&pos, &neg, &right}) made->examples.keys << textItemKey(m_reviews, t->line);
  made->probabilities = {{0.85, 0.15}, {0.05, 0.95}, {0.1, 0.9}};
  made->failures = QStringList(3, QString());
  made->metrics = computeMetrics(made->classes, made->examples.labels, made->probabilities);

  auto* evaluation = child<EvaluationView>(*window, "evaluationView");
  child<QTabWidget>(*window, "mainTabs")->setCurrentWidget(evaluation);
  evaluation->setEvaluation(made);
  auto* relabel = child<QPushButton>(*window, "relabelButton");
  auto* keep = child<QPushButton>(*window, "keepLabelButton");
  QVERIFY(relabel->isHidden() && keep->isHidden());
  QTest::mouseClick(child<QPushButton>(*window, "labelMistakesButton"), Qt::LeftButton);
  QCOMPARE(evaluation->shownExamples(), (std::vector<int>{1, 0}));  // the most doubted first
  auto* table = child<QTableWidget>(*window, "examplesTable");
  QCOMPARE(table->item(0, 1)->text(), QStringLiteral("neg"));  // given
  QCOMPARE(table->item(0, 2)->text(), QStringLiteral("pos"));  // suggested
  QCOMPARE(table->horizontalHeaderItem(2)->text(), QStringLiteral("Suggested"));
  QVERIFY(relabel->isVisible() && keep->isVisible());
  QVERIFY(!relabel->isEnabled());  // nothing selected yet

  // Relabel the first (neg → pos) with one click; keep the second's label.
  table->selectRow(0);
  QVERIFY(relabel->isEnabled());
  QTest::mouseClick(relabel, Qt::LeftButton);
  QCOMPARE(evaluation->shownExamples(), (std::vector<int>{0}));
  QVERIFY2(child<QLabel>(*window, "examplesTitle")->text().contains(QLatin1String("Relabelled 1")),
           qPrintable(child<QLabel>(*window, "examplesTitle")->text()));
  table->selectRow(0);
  QTest::mouseClick(keep, Qt::LeftButton);
  QVERIFY(evaluation->shownExamples().empty());
  QVERIFY(relabel->isHidden());
  QVERIFY(m_messages.isEmpty());

  // The journal has both decisions, and the data panel and the Texts tab count the new label.
  auto journal = LabelJournal::open(LabelJournal::pathFor(path));
  QVERIFY(journal);
  const auto& labels = (*journal)->state().itemLabels;
  QCOMPARE(labels.size(), size_t(2));
  QCOMPARE(labels.at(textItemKey(m_reviews, neg.line)), QStringLiteral("pos"));
  QCOMPARE(labels.at(textItemKey(m_reviews, pos.line)), QStringLiteral("pos"));
  const std::vector<int> countsAfter{kReviewsPerClass - 1, kReviewsPerClass + 1};
  // (Changes in quick succession reach the data panel a moment later.)
  QTRY_COMPARE(data->dataset()->classCounts(), countsAfter);
  QCOMPARE(window->project().classes, (QStringList{"neg", "pos"}));
  auto* textsView = child<TextsView>(*window, "textsView");
  int shownPos = 0;
  for (int row = 0; row < textsView->model()->rowCount(); ++row)
    shownPos +=
        textsView->model()->index(row, 0).data(TextTableModel::ClassRole).toString() == QLatin1String("pos");
  QCOMPARE(shownPos, kReviewsPerClass + 1);
  QVERIFY(!window->isWindowModified());  // the labels are saved already

  // Reopened, the project has the labels, and decided texts are not suggested again.
  window.reset();
  MainWindow reopened;
  open(reopened, path);
  QCOMPARE(child<TextDataPanel>(reopened, "textDataPanel")->dataset()->classCounts(), countsAfter);
  auto* again = child<EvaluationView>(reopened, "evaluationView");
  again->setEvaluation(made);
  again->showLikelyLabelMistakes();
  QVERIFY(again->shownExamples().empty());

  // Save As takes the labels along.
  const QString moved = m_dir.filePath(QStringLiteral("relabel-copy.attune"));
  QVERIFY(reopened.saveProjectAs(moved));
  auto copied = LabelJournal::open(LabelJournal::pathFor(moved));
  QVERIFY(copied);
  QCOMPARE((*copied)->state().itemLabels.size(), size_t(2));
}

QTEST_MAIN(TestTextProject)
#include "test_text_project.moc"
