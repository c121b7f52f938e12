// The Label tab driven from the keyboard alone, offscreen, in the main window: images in class folders
// and an "unsorted" pool are labelled by class keys (20 of them), five undone and two redone with the
// Edit menu's keys, filtered, and the project reopened: the journal, the grid and the data panel
// agree at every step. Texts are labelled one at a time in the reader. Classes are added, renamed,
// merged and deleted with their labels following, and undone; a folder without classes starts from
// nothing; Shift+arrows and one key label many. The model's suggestions order the pool (least sure
// first) and are accepted with Enter; Ctrl+T retrains quickly. Data Health's fix, Show Me and Ignore;
// the Labels menu's import and exports. The item models pass QAbstractItemModelTester.
// A labelling process killed at random moments 50 times loses nothing it had shown as made.

#include "core/eval/SavedRun.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "core/training/TrainingJob.h"
#include "tests/support/ImageFiles.h"
#include "tests/support/KillProcess.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TinyTexts.h"
#include "ui/DataHealthView.h"
#include "ui/DataPanel.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/MainWindow.h"
#include "ui/MessageBoxHook.h"
#include "ui/TextDataPanel.h"

#include <nlohmann/json.hpp>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QListView>
#include <QProcess>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

#include <csignal>
#include <map>

using namespace attune;
using namespace attune::ui;

namespace {

void writeImage(const QString& path, int shade) {
  attune::testing::writeImageFile(path, QColor(shade % 256, (shade * 7) % 256, (shade * 13) % 256), 16, 12);
}

// How many items of the model have class `name` now (empty: unlabelled).
int countOf(const LabelItemsModel& model, const QString& name) {
  int count = 0;
  for (int row = 0; row < model.rowCount(); ++row)
    if (model.classOf(row) == name) ++count;
  return count;
}

// The labels made in Attune as the journal on the disk says.
LabelState journalState(const QString& projectPath) {
  auto journal = LabelJournal::open(LabelJournal::pathFor(projectPath));
  if (!journal) qFatal("%s", qPrintable(journal.error().text()));
  return (*journal)->state();
}

// One key press where the keyboard's focus is (shortcuts included).
void press(int key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
  QWidget* focus = QApplication::focusWidget();
  QVERIFY(focus);
  QTest::keyClick(focus, Qt::Key(key), modifiers);
}

void pressSequence(QKeySequence::StandardKey key) {
  QWidget* focus = QApplication::focusWidget();
  QVERIFY(focus);
  QTest::keySequence(focus, QKeySequence(key));
}

}  // namespace

class TestLabelView : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void labelImagesFromTheKeyboard();
  void labelTextsOneAtATime();
  void classesFollowAndUndo();
  void suggestionsOrderThePoolAndEnterAccepts();
  void modelInTheLoopSuggestsAndRetrainsQuickly();
  void dataHealthFixShowAndIgnore();
  void aFolderWithoutClassesStartsFromNothing();
  void selectManyAndLabelThemAtOnce();
  void labelsMenuImportsAndExports();
  void killedWhileLabellingLosesNothingShown();

 private:
  QString makeImageProject(const QString& name, int unsorted);
  void open(MainWindow& window, const QString& path);
  LabelView* labelView(MainWindow& window);

  QTemporaryDir m_dir;
  QTemporaryDir m_settingsDir;
  QList<MessageRequest> m_messages;
};

void TestLabelView::initTestCase() {
  QVERIFY(m_dir.isValid() && m_settingsDir.isValid());
  QCoreApplication::setOrganizationName(QStringLiteral("AttuneTest"));
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
  QStandardPaths::setTestModeEnabled(true);  // thumbnails go to a test cache, not the user's
}

void TestLabelView::init() {
  m_messages.clear();
  MessageBoxHook::setTestHandler([this](const MessageRequest& request) {
    m_messages << request;
    return request.buttons.testFlag(QMessageBox::Discard) ? QMessageBox::Discard : QMessageBox::Ok;
  });
}

void TestLabelView::cleanup() {
  MessageBoxHook::setTestHandler({});
}

QString TestLabelView::makeImageProject(const QString& name, int unsorted) {
  const QString root = m_dir.filePath(name + QStringLiteral("/images"));
  int shade = 0;
  for (const QString& cls : {QStringLiteral("cat"), QStringLiteral("dog")})
    for (int i = 0; i < 2; ++i) writeImage(QStringLiteral("%1/%2/%3.png").arg(root, cls).arg(i), shade += 30);
  for (int i = 0; i < unsorted; ++i)
    writeImage(QStringLiteral("%1/unsorted/u%2.png").arg(root).arg(i, 2, 10, QLatin1Char('0')), shade += 11);
  Project project;
  project.name = name;
  project.data.folder = root;
  project.config.architecture = QStringLiteral("resnet18");
  const QString path = m_dir.filePath(name + QStringLiteral("/project.attune"));
  if (auto saved = ProjectFile::save(project, path); !saved) qWarning() << saved.error().text();
  return path;
}

void TestLabelView::open(MainWindow& window, const QString& path) {
  QVERIFY2(window.openProject(path), m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  window.show();
  window.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&window));
  auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
  tabs->setCurrentWidget(labelView(window));
}

LabelView* TestLabelView::labelView(MainWindow& window) {
  return window.findChild<LabelView*>(QStringLiteral("labelView"));
}

void TestLabelView::labelImagesFromTheKeyboard() {
  const QString path = makeImageProject(QStringLiteral("images"), 24);
  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  QAbstractItemModelTester modelTester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  QAbstractItemModelTester filterTester(view->filterModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(view->model()->rowCount(), 28);
  QCOMPARE(view->model()->classes(), (QStringList{"cat", "dog"}));
  QCOMPARE(countOf(*view->model(), {}), 24);
  auto* grid = qobject_cast<QListView*>(view->itemView());
  QVERIFY(grid);

  // Show the unlabelled pool: the "Show" list, by keys (All, Unlabelled, ...).
  auto* show = view->findChild<QComboBox*>(QStringLiteral("labelShowCombo"));
  show->setFocus();
  press(Qt::Key_Down);
  QCOMPARE(show->currentText(), QStringLiteral("Unlabelled"));
  QCOMPARE(view->filterModel()->rowCount(), 24);
  grid->setFocus();
  QCOMPARE(view->currentKey(), QStringLiteral("unsorted/u00.png"));
  // The large preview shows the current image.
  QTRY_VERIFY(!view->findChild<QLabel*>(QStringLiteral("labelImagePreview"))->pixmap().isNull());

  // Ten cats, ten dogs: each key labels the current image and the next one comes up.
  std::vector<QString> labelled;
  for (int i = 0; i < 20; ++i) {
    labelled.push_back(view->currentKey());
    press(i < 10 ? Qt::Key_1 : Qt::Key_2);
  }
  QCOMPARE(view->filterModel()->rowCount(), 4);
  QCOMPARE(view->currentKey(), QStringLiteral("unsorted/u20.png"));
  LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(20));
  for (int i = 0; i < 20; ++i)
    QCOMPARE(state.itemLabels.at(labelled[size_t(i)]),
             i < 10 ? QStringLiteral("cat") : QStringLiteral("dog"));
  QCOMPARE(countOf(*view->model(), QStringLiteral("cat")), 12);
  auto* saved = window.findChild<QLabel*>(QStringLiteral("labelsSavedLabel"));
  QCOMPARE(saved->text(), QStringLiteral("All labels saved"));
  // The data panel counts the labelled pool images with their classes.
  // (while labelling fast it follows a moment later).
  auto* dataPanel = window.findChild<DataPanel*>();
  QTRY_COMPARE(dataPanel->imageCount(), 24);

  // Undo five (the last five dogs), redo two.
  for (int i = 0; i < 5; ++i) pressSequence(QKeySequence::Undo);
  state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(15));
  for (int i = 15; i < 20; ++i) QVERIFY(!state.itemLabels.count(labelled[size_t(i)]));
  QCOMPARE(view->filterModel()->rowCount(), 9);
  for (int i = 0; i < 2; ++i) pressSequence(QKeySequence::Redo);
  state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(17));
  QCOMPARE(state.itemLabels.at(labelled[15]), QStringLiteral("dog"));
  QCOMPARE(state.itemLabels.at(labelled[16]), QStringLiteral("dog"));
  QVERIFY(!state.itemLabels.count(labelled[17]));
  QCOMPARE(countOf(*view->model(), QStringLiteral("dog")), 2 + 7);
  QTRY_COMPARE(dataPanel->imageCount(), 4 + 17);

  // A class filter shows exactly that class.
  show->setFocus();
  while (show->currentText() != QStringLiteral("Class: dog")) press(Qt::Key_Down);
  QCOMPARE(view->filterModel()->rowCount(), 9);
  grid->setFocus();
  // Backspace takes a label away: the item leaves the dog filter.
  const QString unlabelled = view->currentKey();
  press(Qt::Key_Backspace);
  QCOMPARE(view->filterModel()->rowCount(), 8);
  QCOMPARE(journalState(path).itemLabels.at(unlabelled), QString());

  // Reopened: the grid and the journal agree.
  MainWindow again;
  open(again, path);
  LabelView* reopened = labelView(again);
  const LabelState final = journalState(path);
  for (int row = 0; row < reopened->model()->rowCount(); ++row) {
    const LabelItem& item = reopened->model()->items()[size_t(row)];
    QCOMPARE(reopened->model()->classOf(row), final.classOf(item.key, item.dataLabel));
    QCOMPARE(reopened->model()->classOf(row), view->model()->classOf(row));
  }
  QCOMPARE(countOf(*reopened->model(), QStringLiteral("dog")), 8);
  QVERIFY(m_messages.isEmpty());
}

void TestLabelView::labelTextsOneAtATime() {
  const QString table = m_dir.filePath(QStringLiteral("texts/notes.csv"));
  QDir().mkpath(QFileInfo(table).absolutePath());
  QFile file(table);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("text,label\n");
  for (int i = 0; i < 4; ++i)
    file.write(QStringLiteral("labelled %1,%2\n").arg(i).arg(i % 2 ? "pos" : "neg").toUtf8());
  for (int i = 0; i < 8; ++i) file.write(QStringLiteral("waiting for a label number %1,\n").arg(i).toUtf8());
  file.close();
  Project project;
  project.name = QStringLiteral("notes");
  project.task = TaskKind::TextClassification;
  project.data.table = table;
  project.data.textColumn = QStringLiteral("text");
  project.data.labelColumn = QStringLiteral("label");
  project.config.architecture = QStringLiteral("word_vectors");
  const QString path = m_dir.filePath(QStringLiteral("texts/notes.attune"));
  QVERIFY(ProjectFile::save(project, path));

  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  QAbstractItemModelTester tester(view->filterModel(),
                                  QAbstractItemModelTester::FailureReportingMode::QtTest);
  auto* tableView = qobject_cast<QTableView*>(view->itemView());
  QVERIFY(tableView);
  QCOMPARE(view->model()->rowCount(), 12);
  auto* show = view->findChild<QComboBox*>(QStringLiteral("labelShowCombo"));
  show->setFocus();
  press(Qt::Key_Down);
  tableView->setFocus();
  auto* reader = view->findChild<QTextBrowser*>(QStringLiteral("labelTextReader"));
  QCOMPARE(reader->toPlainText(), QStringLiteral("waiting for a label number 0"));
  // neg is 1, pos is 2.
  press(Qt::Key_2);
  QCOMPARE(reader->toPlainText(), QStringLiteral("waiting for a label number 1"));
  press(Qt::Key_1);
  press(Qt::Key_2);
  QCOMPARE(reader->toPlainText(), QStringLiteral("waiting for a label number 3"));
  const LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.at(QStringLiteral("notes.csv:6")), QStringLiteral("pos"));
  QCOMPARE(state.itemLabels.at(QStringLiteral("notes.csv:7")), QStringLiteral("neg"));
  QCOMPARE(state.itemLabels.at(QStringLiteral("notes.csv:8")), QStringLiteral("pos"));
  auto* panel = window.findChild<TextDataPanel*>(QStringLiteral("textDataPanel"));
  QTRY_COMPARE(panel->labelledCount(), 7);
  pressSequence(QKeySequence::Undo);
  QTRY_COMPARE(panel->labelledCount(), 6);
  QCOMPARE(view->filterModel()->rowCount(), 6);
}

void TestLabelView::classesFollowAndUndo() {
  const QString path = makeImageProject(QStringLiteral("classes"), 4);
  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  QUndoStack* undo = window.labelStore()->undoStack();
  LabelItemsModel* model = view->model();

  QVERIFY(view->addClass(QStringLiteral("bird")));
  QCOMPARE(model->classes(), (QStringList{"cat", "dog", "bird"}));
  auto* birdButton = view->findChild<QPushButton*>(QStringLiteral("classButton_2"));
  QVERIFY(birdButton && birdButton->text().contains(QStringLiteral("bird")));
  // Key 3 labels the current image (the first: cat/0.png) a bird.
  view->itemView()->setFocus();
  QCOMPARE(view->currentKey(), QStringLiteral("cat/0.png"));
  press(Qt::Key_3);
  QCOMPARE(model->classOf(model->rowOf(QStringLiteral("cat/0.png"))), QStringLiteral("bird"));

  QVERIFY(view->renameClass(QStringLiteral("dog"), QStringLiteral("puppy")));
  QCOMPARE(model->classes(), (QStringList{"cat", "puppy", "bird"}));
  QCOMPARE(model->classOf(model->rowOf(QStringLiteral("dog/1.png"))), QStringLiteral("puppy"));
  // Merge: birds become cats.
  QVERIFY(view->renameClass(QStringLiteral("bird"), QStringLiteral("cat")));
  QCOMPARE(model->classes(), (QStringList{"cat", "puppy"}));
  QCOMPARE(model->classOf(model->rowOf(QStringLiteral("cat/0.png"))), QStringLiteral("cat"));
  QVERIFY(view->deleteClass(QStringLiteral("puppy")));
  QCOMPARE(model->classes(), QStringList{"cat"});
  QCOMPARE(countOf(*model, {}), 4 + 2);
  QVERIFY(!view->addClass(QStringLiteral("  ")));  // refused, with a message
  QCOMPARE(m_messages.size(), 1);
  m_messages.clear();

  // Undo the deletion and the merge: the dogs are puppies again, cat/0.png a bird again.
  undo->undo();
  undo->undo();
  QCOMPARE(model->classes(), (QStringList{"cat", "puppy", "bird"}));
  QCOMPARE(model->classOf(model->rowOf(QStringLiteral("cat/0.png"))), QStringLiteral("bird"));
  QCOMPARE(model->classOf(model->rowOf(QStringLiteral("dog/0.png"))), QStringLiteral("puppy"));
  QVERIFY(journalState(path) == window.labelStore()->state());
  undo->undo();  // the rename
  undo->undo();  // the bird label
  undo->undo();  // the added class
  QCOMPARE(model->classes(), (QStringList{"cat", "dog"}));
  QVERIFY(journalState(path).itemLabels.empty());
  QVERIFY(journalState(path).addedClasses.isEmpty());
  QCOMPARE(journalState(path).classOf(QStringLiteral("dog/0.png"), QStringLiteral("dog")),
           QStringLiteral("dog"));
}

void TestLabelView::suggestionsOrderThePoolAndEnterAccepts() {
  const QString path = makeImageProject(QStringLiteral("suggested"), 5);
  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  QAbstractItemModelTester tester(view->filterModel(),
                                  QAbstractItemModelTester::FailureReportingMode::QtTest);
  QHash<QString, std::vector<float>> p;
  p.insert(QStringLiteral("unsorted/u00.png"), {0.95f, 0.05f});
  p.insert(QStringLiteral("unsorted/u01.png"), {0.55f, 0.45f});
  p.insert(QStringLiteral("unsorted/u02.png"), {0.2f, 0.8f});
  p.insert(QStringLiteral("unsorted/u03.png"), {0.5f, 0.5f});
  p.insert(QStringLiteral("unsorted/u04.png"), {0.3f, 0.7f});
  view->setSuggestions({QStringLiteral("cat"), QStringLiteral("dog")}, p);
  auto* show = view->findChild<QComboBox*>(QStringLiteral("labelShowCombo"));
  auto* order = view->findChild<QComboBox*>(QStringLiteral("labelOrderCombo"));
  show->setFocus();
  press(Qt::Key_Down);  // Unlabelled
  order->setFocus();
  press(Qt::Key_Down);  // Least confident first
  QCOMPARE(order->currentIndex(), 1);
  QStringList shown;
  for (int row = 0; row < view->filterModel()->rowCount(); ++row)
    shown << view->filterModel()->index(row, 0).data(LabelItemsModel::KeyRole).toString();
  QCOMPARE(shown, (QStringList{"unsorted/u03.png", "unsorted/u01.png", "unsorted/u04.png", "unsorted/u02.png",
                               "unsorted/u00.png"}));
  view->itemView()->setFocus();
  QCOMPARE(view->currentKey(), QStringLiteral("unsorted/u03.png"));
  auto* caption = view->findChild<QLabel*>(QStringLiteral("labelCaption"));
  QVERIFY2(caption->text().contains(QStringLiteral("suggests <b>cat</b> (50 %)")),
           qPrintable(caption->text()));
  // Enter: one key to accept the suggestion; the next least sure item comes up.
  press(Qt::Key_Return);
  QCOMPARE(journalState(path).itemLabels.at(QStringLiteral("unsorted/u03.png")), QStringLiteral("cat"));
  QCOMPARE(view->currentKey(), QStringLiteral("unsorted/u01.png"));
  press(Qt::Key_Return);
  press(Qt::Key_2);  // disagreeing is a class key
  QCOMPARE(journalState(path).itemLabels.at(QStringLiteral("unsorted/u04.png")), QStringLiteral("dog"));
  // Unsure suggestions: below 60 %; what is left unlabelled of them.
  while (show->currentText() != QStringLiteral("Unsure suggestions (below 60 %)")) {
    show->setFocus();
    press(Qt::Key_Down);
  }
  QCOMPARE(view->filterModel()->rowCount(), 2);  // u01 and u03, both labelled now but still unsure
  // By the model's suggested class: u02 and u04 (dog), whatever they were labelled since.
  while (show->currentText() != QStringLiteral("Model suggests: dog")) {
    show->setFocus();
    press(Qt::Key_Up);
  }
  QStringList suggestedDog;
  for (int row = 0; row < view->filterModel()->rowCount(); ++row)
    suggestedDog << view->filterModel()->index(row, 0).data(LabelItemsModel::KeyRole).toString();
  QCOMPARE(suggestedDog, (QStringList{"unsorted/u04.png", "unsorted/u02.png"}));  // least sure first
}

// After a run the model's suggestions for the unlabelled texts arrive by themselves; Enter accepts
// them; Ctrl+T retrains quickly (the Quick preset on a copy of the settings) and the suggestions
// follow the new model.
void TestLabelView::modelInTheLoopSuggestsAndRetrainsQuickly() {
  using namespace attune::testing::texts;
  QDir().mkpath(m_dir.filePath(QStringLiteral("loop")));
  const QString reviews = writeReviews(m_dir.filePath(QStringLiteral("loop/reviews.csv")), 12);
  QFile table(reviews);
  QVERIFY(table.open(QIODevice::Append));
  table.write(
      "great superb fun,\nawful boring dull,\nlovely enjoyable good,\n"
      "terrible poor bad,\nsuperb lovely great,\ndull awful poor,\n");
  table.close();
  const QString path = m_dir.filePath(QStringLiteral("loop/loop.attune"));
  Project project =
      reviewProject(path, reviews, QStringLiteral("word_vectors"),
                    writeTinyVectors(m_dir.filePath(QStringLiteral("loop/vectors.safetensors"))));
  project.config.threads = 1;
  QVERIFY(ProjectFile::save(project, path));
  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  auto* ask = view->findChild<QPushButton*>(QStringLiteral("askModelButton"));
  QVERIFY(!ask->isEnabled());  // no model yet
  QVERIFY(!view->model()->hasSuggestions());

  window.startTraining();
  QVERIFY2(window.isTraining(), m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  QTRY_VERIFY_WITH_TIMEOUT(!window.isTraining(), 180'000);
  QTRY_VERIFY_WITH_TIMEOUT(view->model()->hasSuggestions(), 60'000);
  QVERIFY(ask->isEnabled());
  const auto suggestionOfLine = [&](int fromEnd) {
    return view->model()->suggestionOf(view->model()->rowCount() - fromEnd);
  };
  for (int fromEnd = 1; fromEnd <= 6; ++fromEnd)
    QCOMPARE(suggestionOfLine(fromEnd), fromEnd % 2 == 0 ? QStringLiteral("pos") : QStringLiteral("neg"));

  auto* show = view->findChild<QComboBox*>(QStringLiteral("labelShowCombo"));
  show->setFocus();
  press(Qt::Key_Down);  // Unlabelled
  view->itemView()->setFocus();
  const QString first = view->currentKey();
  press(Qt::Key_Return);
  press(Qt::Key_Return);
  LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(2));
  QCOMPARE(state.itemLabels.at(first), QStringLiteral("pos"));
  auto* status = view->findChild<QLabel*>(QStringLiteral("labelModelStatus"));
  QVERIFY2(status->text().contains(QStringLiteral("2 items labelled since the last run")),
           qPrintable(status->text()));

  // Ctrl+T: a quick run on the labels as they are now; the project's settings stay its own.
  const size_t runs = window.project().runs.size();
  QVERIFY(view->findChild<QPushButton*>(QStringLiteral("quickRetrainButton"))->isEnabled());
  press(Qt::Key_T, Qt::ControlModifier);  // the button clicks itself a moment later, as a shortcut does
  QTRY_VERIFY_WITH_TIMEOUT(window.project().runs.size() == runs + 1 && !window.isTraining(), 180'000);
  QVERIFY2(m_messages.isEmpty(), m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  auto saved = readSavedRun(QFileInfo(window.project().runs.back().bestCheckpoint).absolutePath());
  QVERIFY(saved.ok());
  QCOMPARE(saved->config.freeze, FreezeMode::Backbone);
  QCOMPARE(saved->trainCount + saved->valCount, 24 + 2);
  QCOMPARE(window.project().config.freeze, FreezeMode::None);
  // The new model's suggestions cover the four texts still unlabelled.
  QTRY_COMPARE_WITH_TIMEOUT(status->text().contains(QStringLiteral("for 4 unlabelled items")), true, 60'000);
}

// The Data Health tab checks the data when first shown; its fix for a copy with two labels takes both
// labels away (one undoable step) and the finding goes; "Show Me" shows a finding's items in the
// Label tab; "Ignore" hides a finding for the project, also in a later check.
void TestLabelView::dataHealthFixShowAndIgnore() {
  const QString path = makeImageProject(QStringLiteral("health"), 3);
  const QString root = QFileInfo(path).absolutePath() + QStringLiteral("/images");
  QVERIFY(QFile::copy(root + QStringLiteral("/cat/0.png"), root + QStringLiteral("/dog/copy.png")));
  MainWindow window;
  open(window, path);
  auto* health = window.findChild<DataHealthView*>(QStringLiteral("dataHealthView"));
  auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
  tabs->setCurrentWidget(health);
  QTRY_VERIFY_WITH_TIMEOUT(health->hasChecked() && !health->findings().empty(), 30'000);
  QCOMPARE(health->findings().front().kind, HealthKind::DuplicateAcrossClasses);
  QCOMPARE(health->findings().front().keys, (QStringList{"cat/0.png", "dog/copy.png"}));
  auto* fix = health->findChild<QPushButton*>(QStringLiteral("healthFixButton"));
  QVERIFY(fix->isVisible());
  QCOMPARE(fix->text(), QStringLiteral("Take Their Labels Away"));
  fix->click();
  LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.at(QStringLiteral("cat/0.png")), QString());
  QCOMPARE(state.itemLabels.at(QStringLiteral("dog/copy.png")), QString());
  QTRY_VERIFY_WITH_TIMEOUT(health->hasChecked() && !health->findings().empty() &&
                               health->findings().front().kind != HealthKind::DuplicateAcrossClasses,
                           30'000);
  // Show Me: the small class's items in the Label tab.
  int small = -1;
  for (size_t i = 0; i < health->findings().size(); ++i)
    if (health->findings()[i].kind == HealthKind::SmallClass) small = int(i);
  QVERIFY(small >= 0);
  health->list()->setCurrentItem(health->list()->topLevelItem(small));
  const QStringList keys = health->findings()[size_t(small)].keys;
  health->findChild<QPushButton*>(QStringLiteral("healthShowButton"))->click();
  QCOMPARE(tabs->currentWidget(), labelView(window));
  QCOMPARE(labelView(window)->filterModel()->rowCount(), keys.size());
  QCOMPARE(labelView(window)->currentKey(), keys.first());

  // Ignore: gone now and in the next check.
  tabs->setCurrentWidget(health);
  const QString ignored = health->findings()[size_t(small)].id;
  const size_t before = health->findings().size();
  health->list()->setCurrentItem(health->list()->topLevelItem(small));
  health->findChild<QPushButton*>(QStringLiteral("healthIgnoreButton"))->click();
  QCOMPARE(health->findings().size(), before - 1);
  health->findChild<QPushButton*>(QStringLiteral("checkDataButton"))->click();
  QTRY_VERIFY_WITH_TIMEOUT(health->findChild<QPushButton*>(QStringLiteral("checkDataButton"))->isEnabled(),
                           30'000);
  for (const HealthFinding& finding : health->findings()) QVERIFY(finding.id != ignored);
  QVERIFY(health->findChild<QLabel*>(QStringLiteral("healthSummary"))
              ->text()
              .contains(QStringLiteral("1 ignored")));
  // The fix was one step: undo gives both labels back.
  window.labelStore()->undoStack()->undo();
  QVERIFY(journalState(path).itemLabels.empty());
}

// A folder of images and no class folder: classes are made in Attune and every image is labelled from
// the keyboard; the project can then be trained on.
void TestLabelView::aFolderWithoutClassesStartsFromNothing() {
  const QString root = m_dir.filePath(QStringLiteral("flat/images"));
  for (int i = 0; i < 6; ++i) writeImage(QStringLiteral("%1/%2.png").arg(root).arg(i), 40 * i);
  Project project;
  project.name = QStringLiteral("flat");
  project.data.folder = root;
  project.config.architecture = QStringLiteral("resnet18");
  const QString path = m_dir.filePath(QStringLiteral("flat/flat.attune"));
  QVERIFY(ProjectFile::save(project, path));
  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  QCOMPARE(view->model()->rowCount(), 6);
  QVERIFY(view->model()->classes().isEmpty());
  QVERIFY(window.findChild<QLabel*>(QStringLiteral("dataStatusLabel"))
              ->text()
              .contains(QStringLiteral("6 images have no class yet")));
  QVERIFY(view->addClass(QStringLiteral("round")));
  QVERIFY(view->addClass(QStringLiteral("square")));
  view->itemView()->setFocus();
  for (int key : {Qt::Key_1, Qt::Key_1, Qt::Key_1, Qt::Key_2, Qt::Key_2, Qt::Key_2}) press(key);
  const LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(6));
  QCOMPARE(state.itemLabels.at(QStringLiteral("0.png")), QStringLiteral("round"));
  QCOMPARE(state.itemLabels.at(QStringLiteral("5.png")), QStringLiteral("square"));
  QTRY_COMPARE(window.findChild<DataPanel*>()->imageCount(), 6);
  auto job = prepareTrainingJob(window.project());
  QVERIFY2(job, job ? "" : qPrintable(job.error().text()));
  QCOMPARE(job->classes, (QStringList{"round", "square"}));
}

// Shift+arrows select several images; one key labels them all, as one step that one undo takes back.
void TestLabelView::selectManyAndLabelThemAtOnce() {
  const QString path = makeImageProject(QStringLiteral("many"), 6);
  MainWindow window;
  open(window, path);
  LabelView* view = labelView(window);
  view->itemView()->setFocus();
  QCOMPARE(view->currentKey(), QStringLiteral("cat/0.png"));
  for (int i = 0; i < 3; ++i) press(Qt::Key_Right, Qt::ShiftModifier);
  QCOMPARE(view->selectedKeys(), (QStringList{"cat/0.png", "cat/1.png", "dog/0.png", "dog/1.png"}));
  press(Qt::Key_2);
  LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(4));
  for (const char* key : {"cat/0.png", "cat/1.png", "dog/0.png", "dog/1.png"})
    QCOMPARE(state.itemLabels.at(QString::fromLatin1(key)), QStringLiteral("dog"));
  QCOMPARE(window.labelStore()->undoStack()->count(), 1);
  pressSequence(QKeySequence::Undo);
  QVERIFY(journalState(path).itemLabels.empty());
}

// The Labels menu's work: a CSV of labels in (one undoable step; what did not match is said), the
// labels out as CSV and as Label Studio tasks with the model's suggestions, and class folders.
void TestLabelView::labelsMenuImportsAndExports() {
  const QString path = makeImageProject(QStringLiteral("menu"), 4);
  MainWindow window;
  open(window, path);
  const QString in = m_dir.filePath(QStringLiteral("menu/in.csv"));
  QFile file(in);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("file,label\nunsorted/u00.png,cat\nu01.png,dog\nmissing.png,cat\n");
  file.close();
  QVERIFY(window.importLabels(in));
  LabelState state = journalState(path);
  QCOMPARE(state.itemLabels.size(), size_t(2));
  QCOMPARE(state.itemLabels.at(QStringLiteral("unsorted/u01.png")), QStringLiteral("dog"));
  QCOMPARE(m_messages.size(), 1);  // what did not match is said
  QVERIFY(m_messages.first().text.contains(QStringLiteral("missing.png")));
  QCOMPARE(window.labelStore()->undoStack()->count(), 1);

  const QString csv = m_dir.filePath(QStringLiteral("menu/out.csv"));
  QVERIFY(window.exportLabels(csv));
  QFile written(csv);
  QVERIFY(written.open(QIODevice::ReadOnly));
  QCOMPARE(written.readAll(),
           QByteArray("file,label\ncat/0.png,cat\ncat/1.png,cat\ndog/0.png,dog\ndog/1.png,dog\n"
                      "unsorted/u00.png,cat\nunsorted/u01.png,dog\nunsorted/u02.png,\n"
                      "unsorted/u03.png,\n"));
  QHash<QString, std::vector<float>> p;
  p.insert(QStringLiteral("unsorted/u02.png"), {0.25f, 0.75f});
  labelView(window)->setSuggestions({QStringLiteral("cat"), QStringLiteral("dog")}, p);
  const QString json = m_dir.filePath(QStringLiteral("menu/tasks.json"));
  QVERIFY(window.exportLabels(json));
  QFile tasks(json);
  QVERIFY(tasks.open(QIODevice::ReadOnly));
  const auto document = nlohmann::json::parse(tasks.readAll().toStdString());
  int predicted = 0;
  for (const auto& task : document)
    if (!task["predictions"].empty()) {
      ++predicted;
      QCOMPARE(task["meta"]["attune_key"].get<std::string>(), std::string("unsorted/u02.png"));
      QCOMPARE(task["predictions"][0]["score"].get<double>(), 0.75);
    }
  QCOMPARE(predicted, 1);

  const QString folders = m_dir.filePath(QStringLiteral("menu-folders"));
  QVERIFY(window.exportClassFolders(folders));
  QCOMPARE(QDir(folders + QStringLiteral("/cat")).entryList(QDir::Files).size(), qsizetype(3));
  QCOMPARE(QDir(folders + QStringLiteral("/dog")).entryList(QDir::Files).size(), qsizetype(3));
  QVERIFY(!window.exportClassFolders(folders));  // not into a folder with things in it

  labelView(window)->itemView()->setFocus();
  pressSequence(QKeySequence::Undo);
  QVERIFY(journalState(path).itemLabels.empty());
}

// A labelling process (label_view_writer: a LabelView driven by random keys, undo and redo included)
// SIGKILLed at a random moment, 50 times: the journal always opens, and every item's label is what
// the process last showed, except at most the one item of the step under way when it was killed.
void TestLabelView::killedWhileLabellingLosesNothingShown() {
  const QString path = makeImageProject(QStringLiteral("killed"), 30);
  std::map<QString, QString> shown;  // item -> class the process last showed ("-": the data's own)
  QRandomGenerator random(11);
  int steps = 0;
  for (int round = 0; round < 50; ++round) {
    QProcess writer;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    writer.setProcessEnvironment(environment);
    writer.start(attune::testing::testPath("LABEL_VIEW_WRITER"), {path, QString::number(round)});
    QVERIFY(writer.waitForStarted());
    QVERIFY(writer.waitForReadyRead(30'000));  // labelling has begun
    QTest::qWait(int(random.bounded(5, 80)));
    attune::testing::signalIfRunning(writer, SIGKILL);
    QVERIFY(attune::testing::waitUntilEnded(writer));
    const QList<QByteArray> lines = writer.readAllStandardOutput().split('\n');
    // The last line may be cut short by the kill: only whole lines count.
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
      const QList<QByteArray> parts = lines[i].split('\t');
      if (parts.size() != 2) continue;
      shown[QString::fromUtf8(parts[0])] = QString::fromUtf8(parts[1]);
      ++steps;
    }
    auto journal = LabelJournal::open(LabelJournal::pathFor(path));
    QVERIFY2(journal.ok(), journal ? "" : qPrintable(journal.error().text()));
    QVERIFY((*journal)->notes().isEmpty());
    QVERIFY(ProjectFile::load(path).ok());
    int differing = 0;
    QString differs;
    for (auto& [item, label] : shown) {
      const auto& labels = (*journal)->state().itemLabels;
      const auto it = labels.find(item);
      const QString now = it == labels.end() ? QStringLiteral("-") : it->second;
      if (now != label) {
        ++differing;
        differs = item;
        label = now;  // the next round starts from what is on the disk
      }
    }
    QVERIFY2(differing <= 1,
             qPrintable(QStringLiteral("round %1: %2 items differ").arg(round).arg(differing)));
  }
  QVERIFY2(steps > 100, qPrintable(QString::number(steps)));
}

QTEST_MAIN(TestLabelView)
#include "test_label_view.moc"
