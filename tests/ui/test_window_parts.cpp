// The parts the main window is composed of (issue 19), each on its own: BackgroundJob (a worker's
// result delivered, a result for another project dropped, an exception turned into a plain error, its
// thread gone after delivery), HandOffInbox (calls from workers run on the GUI thread in order, dropped
// with the inbox, not held back by a nested event loop),
// ProjectDocument (the modified flag, save as taking the label journal along, the question before
// discarding changes), the Classes menu answered through InputDialogHook, and a check of the source
// tree that every dialog of the GUI goes through a test hook.

#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "tests/support/TestEnvironment.h"
#include "ui/BackgroundJob.h"
#include "ui/FileDialogHook.h"
#include "ui/GuiHandOff.h"
#include "ui/InputDialogHook.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/MessageBoxHook.h"
#include "ui/ProjectDocument.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QEventLoop>
#include <QFile>
#include <QMenu>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentMap>
#include <QtTest>

#include <algorithm>
#include <stdexcept>
#include <thread>

using namespace attune;
using namespace attune::ui;

class TestWindowParts : public QObject {
  Q_OBJECT

 private slots:
  void cleanup();
  void backgroundJobDeliversResult();
  void backgroundJobDropsResultOfAnotherProject();
  void backgroundJobTurnsExceptionIntoError();
  void backgroundJobRefusesSecondStart();
  void backgroundJobsLeaveTheGlobalPoolToNestedWork();
  void backgroundJobEndsItsThread();
  void inboxRunsCallsOnItsThreadInOrder();
  void inboxDropsCallsWhenDestroyed();
  void inboxRunsLaterCallsInsideANestedEventLoop();
  void documentTracksModifiedAndAsksBeforeDiscarding();
  void documentSaveAsTakesLabelsAlong();
  void classesMenuAsksThroughInputHook();
  void everyDialogGoesThroughAHook();
};

void TestWindowParts::cleanup() {
  MessageBoxHook::setTestHandler({});
  FileDialogHook::setTestHandler({});
  InputDialogHook::setTestHandler({});
}

void TestWindowParts::backgroundJobDeliversResult() {
  QString current = QStringLiteral("a.attune");
  BackgroundJob job([&] { return current; });
  std::optional<Result<int>> delivered;
  QVERIFY(job.start(
      current, [] { return Result<int>(42); }, [&](Result<int> value) { delivered = std::move(value); }));
  QSignalSpy finished(&job, &BackgroundJob::finished);
  QVERIFY(finished.wait(10'000));
  QVERIFY(delivered && delivered->ok());
  QCOMPARE(**delivered, 42);
  QVERIFY(!job.isRunning());
}

void TestWindowParts::backgroundJobDropsResultOfAnotherProject() {
  QString current = QStringLiteral("a.attune");
  BackgroundJob job([&] { return current; });
  bool delivered = false;
  bool stale = false;
  std::atomic<bool> release{false};
  QVERIFY(job.start(
      current,
      [&] {
        while (!release) QThread::msleep(1);
        return Result<int>(1);
      },
      [&](Result<int>) { delivered = true; }, [&] { stale = true; }));
  current = QStringLiteral("b.attune");  // the user opened another project meanwhile
  release = true;
  QSignalSpy finished(&job, &BackgroundJob::finished);
  QVERIFY(finished.wait(10'000));
  QVERIFY(!delivered);
  QVERIFY(stale);
}

void TestWindowParts::backgroundJobTurnsExceptionIntoError() {
  BackgroundJob job([] { return QString(); });
  std::optional<Status> delivered;
  QVERIFY(job.start(
      QString(),
      []() -> Status {
        // What LibTorch throws: a first line, then a C++ backtrace.
        throw std::runtime_error(
            "shape '[2, 3]' is invalid for input of size 5\nException raised from "
            "operator() at aten/src/ATen/native/TensorShape.cpp:42");
      },
      [&](Status status) { delivered = std::move(status); }));
  QSignalSpy finished(&job, &BackgroundJob::finished);
  QVERIFY(finished.wait(10'000));
  QVERIFY(delivered && !delivered->ok());
  const QString text = delivered->error().text();
  QVERIFY2(text.contains(QStringLiteral("shape '[2, 3]' is invalid")), qPrintable(text));
  QVERIFY2(!text.contains(QStringLiteral("TensorShape.cpp")), qPrintable(text));  // no backtrace
}

void TestWindowParts::backgroundJobRefusesSecondStart() {
  BackgroundJob job([] { return QString(); });
  std::atomic<bool> release{false};
  int deliveries = 0;
  QVERIFY(job.start(
      QString(),
      [&] {
        while (!release) QThread::msleep(1);
        return Result<int>(1);
      },
      [&](Result<int>) { ++deliveries; }));
  QVERIFY(job.isRunning());
  QVERIFY(!job.start(
      QString(), [] { return Result<int>(2); }, [&](Result<int>) { ++deliveries; }));
  release = true;
  QSignalSpy finished(&job, &BackgroundJob::finished);
  QVERIFY(finished.wait(10'000));
  QCOMPARE(deliveries, 1);
}

// More jobs at once than Qt's global pool has threads, each running a parallel step on the global pool
// (as core's image folder scan does with QtConcurrent::blockingMap): all finish. On the global pool
// the jobs held every thread and waited for map tasks no thread was left to run (test_soak found an
// evaluation and the model's suggestions frozen so on 2 cores, the window's painting with them).
void TestWindowParts::backgroundJobsLeaveTheGlobalPoolToNestedWork() {
  const int jobCount = QThreadPool::globalInstance()->maxThreadCount() + 1;
  std::atomic<int> started{0};
  std::vector<std::unique_ptr<BackgroundJob>> jobs;
  int delivered = 0;
  for (int i = 0; i < jobCount; ++i) {
    jobs.push_back(std::make_unique<BackgroundJob>([] { return QString(); }));
    QVERIFY(jobs.back()->start(
        QString(),
        [&started, jobCount] {
          // Every job holds its thread before its parallel step, as a slow disk would make them.
          ++started;
          QDeadlineTimer deadline(3'000);
          while (started < jobCount && !deadline.hasExpired()) QThread::msleep(1);
          std::vector<int> values(64, 1);
          QtConcurrent::blockingMap(values, [](int& value) { value *= 2; });
          return Result<int>(int(std::count(values.begin(), values.end(), 2)));
        },
        [&delivered](Result<int> doubled) { delivered += doubled.ok() && *doubled == 64; }));
  }
  QDeadlineTimer deadline(60'000);
  while (delivered < jobCount && !deadline.hasExpired())
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
  // A deadlock cannot be joined (each job's destructor would wait for ever): end here, saying so.
  if (delivered < jobCount)
    qFatal("%d of %d background jobs are stuck in a parallel step on Qt's global thread pool",
           jobCount - delivered, jobCount);
  QCOMPARE(started.load(), jobCount);
}

namespace {

// The threads of this process now (Linux: /proc/self/task).
int threadCount() {
  return int(QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size());
}

}  // namespace

// A job's thread exists while its work runs and is gone once the result was delivered: nothing is
// left behind per job (the soak test counts threads over hundreds of them).
void TestWindowParts::backgroundJobEndsItsThread() {
  const int before = threadCount();
  BackgroundJob job([] { return QString(); });
  std::atomic<bool> release{false};
  QVERIFY(job.start(
      QString(),
      [&] {
        while (!release) QThread::msleep(1);
        return Result<int>(7);
      },
      [](Result<int>) {}));
  QCOMPARE(threadCount(), before + 1);
  release = true;
  QSignalSpy finished(&job, &BackgroundJob::finished);
  QVERIFY(finished.wait(10'000));
  QVERIFY(!job.isRunning());
  QCOMPARE(threadCount(), before);
}

// Calls posted from other threads run on the inbox's thread (here the GUI thread), each thread's in
// the order it posted them, and see what the posting thread wrote before posting.
void TestWindowParts::inboxRunsCallsOnItsThreadInOrder() {
  HandOffInbox inbox;
  constexpr int kThreads = 3;
  constexpr int kCalls = 200;
  std::vector<std::vector<int>> seen(kThreads);
  std::vector<std::unique_ptr<std::vector<int>>> written(kThreads);
  bool allOnGuiThread = true;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t)
    posters.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto payload = std::make_shared<std::vector<int>>(64, i);  // written here, read there
        inbox.post([&, t, i, payload] {
          allOnGuiThread = allOnGuiThread && QThread::currentThread() == qApp->thread();
          if (payload->size() == 64 && payload->back() == i) seen[t].push_back(i);
        });
      }
    });
  for (std::thread& poster : posters) poster.join();
  QTRY_VERIFY_WITH_TIMEOUT(
      std::all_of(seen.begin(), seen.end(), [](const std::vector<int>& s) { return s.size() == kCalls; }),
      10'000);
  QVERIFY(allOnGuiThread);
  for (const std::vector<int>& s : seen) QVERIFY(std::is_sorted(s.begin(), s.end()));
}

// An inbox destroyed with calls still queued drops them: they refer to an owner that is gone.
void TestWindowParts::inboxDropsCallsWhenDestroyed() {
  bool ran = false;
  {
    HandOffInbox inbox;
    std::thread poster([&] { inbox.post([&] { ran = true; }); });
    poster.join();
  }
  HandOffInbox other;  // a later inbox's calls still run
  bool otherRan = false;
  std::thread poster([&] { other.post([&] { otherRan = true; }); });
  poster.join();
  QTRY_VERIFY_WITH_TIMEOUT(otherRan, 10'000);
  QVERIFY(!ran);
}

// A call that runs a nested event loop (a message box after a job) does not hold back the calls
// posted after it: they run inside that loop.
void TestWindowParts::inboxRunsLaterCallsInsideANestedEventLoop() {
  HandOffInbox inbox;
  bool laterRan = false;
  bool laterRanInsideTheLoop = false;
  inbox.post([&] {
    QEventLoop loop;
    inbox.post([&] {
      laterRan = true;
      loop.quit();
    });
    QTimer::singleShot(10'000, &loop, &QEventLoop::quit);
    loop.exec();
    laterRanInsideTheLoop = laterRan;
  });
  QTRY_VERIFY_WITH_TIMEOUT(laterRan, 12'000);
  QVERIFY(laterRanInsideTheLoop);
}

void TestWindowParts::documentTracksModifiedAndAsksBeforeDiscarding() {
  QTemporaryDir dir;
  QWidget window;
  LabelStore labels;
  ProjectDocument document(&labels, &window);
  QSignalSpy replaced(&document, &ProjectDocument::projectReplaced);
  Project project;
  project.name = QStringLiteral("Birds");
  const QString path = dir.filePath(QStringLiteral("birds.attune"));
  QVERIFY(ProjectFile::save(project, path));
  QVERIFY(document.open(path));
  QCOMPARE(replaced.count(), 1);
  QVERIFY(!document.isModified());

  document.edit().config.epochs = 7;
  document.setModified(true);
  QList<MessageRequest> asked;
  MessageBoxHook::setTestHandler([&](const MessageRequest& request) {
    asked << request;
    return QMessageBox::Cancel;
  });
  QVERIFY(!document.maybeSave());  // Cancel keeps the project open and modified
  QCOMPARE(asked.size(), 1);
  QVERIFY(asked.first().text.contains(QStringLiteral("Birds")));
  QVERIFY(document.isModified());
  MessageBoxHook::setTestHandler([](const MessageRequest&) { return QMessageBox::Save; });
  QVERIFY(document.maybeSave());
  QVERIFY(!document.isModified());
  auto onDisk = ProjectFile::load(path);
  QVERIFY(onDisk);
  QCOMPARE(onDisk->config.epochs, 7);

  // While a run writes into the project, no other project is opened.
  document.setRunInProgress(true);
  QVERIFY(!document.open(path));
  QCOMPARE(replaced.count(), 1);
}

void TestWindowParts::documentSaveAsTakesLabelsAlong() {
  QTemporaryDir dir;
  QWidget window;
  LabelStore labels;
  ProjectDocument document(&labels, &window);
  const QString first = dir.filePath(QStringLiteral("first.attune"));
  Project project;
  QVERIFY(ProjectFile::save(project, first));
  QVERIFY(document.open(first));
  QVERIFY(labels.setLabels({QStringLiteral("img/a.png")}, {QStringLiteral("cat")}));
  const QString second = dir.filePath(QStringLiteral("moved/second.attune"));
  QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("moved"))));
  QVERIFY(document.saveAs(second));
  QCOMPARE(document.filePath(), QFileInfo(second).absoluteFilePath());
  QVERIFY(QFileInfo::exists(LabelJournal::pathFor(document.filePath())));
  QCOMPARE(labels.projectPath(), document.filePath());
  QCOMPARE(labels.state().itemLabels.at(QStringLiteral("img/a.png")), QStringLiteral("cat"));
}

void TestWindowParts::classesMenuAsksThroughInputHook() {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("p.attune"));
  Project project;
  QVERIFY(ProjectFile::save(project, path));
  LabelStore store;
  QVERIFY(store.setProjectPath(path));
  LabelView view(&store, nullptr);
  QList<InputRequest> asked;
  InputDialogHook::setTestHandler([&](const InputRequest& request) -> std::optional<QString> {
    asked << request;
    return QStringLiteral("heron");
  });
  auto* button = view.findChild<QToolButton*>(QStringLiteral("classesButton"));
  QVERIFY(button && button->menu());
  QAction* add = button->menu()->actions().value(0);
  QVERIFY(add && add->text().startsWith(QStringLiteral("Add Class")));
  add->trigger();
  QCOMPARE(asked.size(), 1);
  QVERIFY(asked.first().items.isEmpty());  // a name to type
  QVERIFY(store.state().addedClasses.contains(QStringLiteral("heron")));

  // Cancel: nothing changes.
  InputDialogHook::setTestHandler([](const InputRequest&) -> std::optional<QString> { return std::nullopt; });
  button->menu()->actions().value(3)->trigger();  // Delete Class…
  QVERIFY(store.state().addedClasses.contains(QStringLiteral("heron")));
}

void TestWindowParts::everyDialogGoesThroughAHook() {
  // A dialog called directly blocks a test (or the CI) forever: the GUI's dialogs go through
  // FileDialogHook, MessageBoxHook and InputDialogHook, whose own sources are the only callers.
  const QDir ui(testing::testPath("ATTUNE_SOURCE_DIR") + QStringLiteral("/ui"));
  QVERIFY(ui.exists());
  const QRegularExpression direct(
      QStringLiteral(R"(\b(QFileDialog::get\w+|QMessageBox::(warning|information|question|critical|about)|)"
                     R"(QInputDialog::get\w+)\s*\(|\bQ(Message|File|Input)Dialog\s+\w+\s*[({;])"));
  QStringList offenders;
  int files = 0;
  for (QDirIterator it(ui.path(), {QStringLiteral("*.cpp"), QStringLiteral("*.h")}, QDir::Files,
                       QDirIterator::Subdirectories);
       it.hasNext();) {
    const QString path = it.next();
    if (QFileInfo(path).baseName().endsWith(QLatin1String("Hook"))) continue;
    ++files;
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i)
      if (!lines[i].trimmed().startsWith(QLatin1String("//")) && direct.match(lines[i]).hasMatch())
        offenders
            << QStringLiteral("%1:%2: %3").arg(QFileInfo(path).fileName()).arg(i + 1).arg(lines[i].trimmed());
  }
  QVERIFY(files > 20);
  QVERIFY2(offenders.isEmpty(), qPrintable(offenders.join(QLatin1Char('\n'))));
}

QTEST_MAIN(TestWindowParts)
#include "test_window_parts.moc"
