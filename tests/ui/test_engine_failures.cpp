// The engine boundary in the window: with a real LibTorch failure injected where a path's engine work
// starts (ATTUNE_FAULT_ENGINE, core/training/detail/EngineFault.h), evaluation, the model's
// suggestions, export, "Try it", the LR finder and training each show core's one-line reason where
// that action reports (the Evaluation tab, the Label tab's model status, a message box, the Try
// panel, the LR finder dialog, the run summary), the window stays up, and the same action works
// again once the fault is gone. One tiny run is trained once, in core, for all of them.

#include "core/project/ProjectFile.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "tests/support/TestEnvironment.h"
#include "ui/LrFinderDialog.h"
#include "ui/MainWindow.h"
#include "ui/MessageBoxHook.h"
#include "ui/TryPanel.h"

#include <QDateTime>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace attune;
using namespace attune::ui;

namespace {

constexpr int kImageSide_px = 32;
constexpr int kImagesPerClass = 6;
const int kWorkTimeout_ms =
    120'000 * attune::testing::testSlowdown();  // a 2-core machine shared with compilers

// The first line of the c10::Error that the injected fault raises.
const QString kLibTorchReason = QStringLiteral("shape '[5]' is invalid for input of size 6.");

template <typename T>
T* child(QObject& parent, const char* name) {
  return parent.findChild<T*>(QString::fromLatin1(name));
}

// Evaluates the latest run and waits for the Evaluation tab to show the outcome (the worker may be
// done a moment before its result reaches the view). The summary line shown.
QString evaluateLatestRun(MainWindow& window) {
  auto* summary = child<QLabel>(window, "evaluationSummary");
  window.evaluateLatestRun();
  const QString evaluating = summary->text();
  if (!QTest::qWaitFor([&] { return !window.isEvaluating() && summary->text() != evaluating; },
                       kWorkTimeout_ms))
    return QStringLiteral("(no outcome shown)");
  return summary->text();
}

// Sets ATTUNE_FAULT_ENGINE for its lifetime.
class InjectedFault {
 public:
  explicit InjectedFault(const char* site) { qputenv("ATTUNE_FAULT_ENGINE", site); }
  ~InjectedFault() { qunsetenv("ATTUNE_FAULT_ENGINE"); }
  InjectedFault(const InjectedFault&) = delete;
  InjectedFault& operator=(const InjectedFault&) = delete;
};

}  // namespace

class TestEngineFailures : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void evaluationShowsTheReason();
  void suggestionsShowTheReason();
  void exportShowsTheReason();
  void tryItShowsTheReason();
  void lrFinderShowsTheReason();
  void trainingShowsTheReason();

 private:
  void openAndShow(MainWindow& window);

  QTemporaryDir m_dir;
  QString m_projectPath;
  QString m_runId;
  QList<MessageRequest> m_messages;
};

void TestEngineFailures::initTestCase() {
  QVERIFY(m_dir.isValid());
  QCoreApplication::setOrganizationName(QStringLiteral("AttuneTest"));
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                     m_dir.filePath(QStringLiteral("settings")));
  const QString data = m_dir.filePath(QStringLiteral("images"));
  const QList<QColor> colours = {QColor(30, 60, 200), QColor(200, 40, 30)};
  const QStringList names = {QStringLiteral("blue"), QStringLiteral("red")};
  for (qsizetype c = 0; c < names.size(); ++c) {
    QVERIFY(QDir(data).mkpath(names[c]));
    for (int i = 0; i < kImagesPerClass; ++i) {
      QImage image(kImageSide_px, kImageSide_px, QImage::Format_RGB32);
      image.fill(colours[c].lighter(100 + 8 * i));
      QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(data, names[c]).arg(i)));
    }
  }
  Project project;
  project.name = QStringLiteral("Colours");
  project.data.folder = data;
  project.config.architecture = QStringLiteral("resnet18");
  project.config.inputSize = kImageSide_px;
  project.config.batchSize = 4;
  project.config.epochs = 1;
  project.config.threads = 1;
  project.config.loaderWorkers = 1;
  m_projectPath = m_dir.filePath(QStringLiteral("colours.attune"));
  QVERIFY(ProjectFile::save(project, m_projectPath));

  // One real run, trained here on the test's thread, recorded in the project as the window would.
  auto loaded = ProjectFile::load(m_projectPath);
  QVERIFY(loaded);
  auto job = prepareTrainingJob(*loaded);
  QVERIFY2(job, job ? "" : qPrintable(job.error().text()));
  TrainingSession session(std::move(*job));
  const QString startedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  session.run();
  const RunSummary summary = session.summary();
  QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));
  recordRun(*loaded, summary, startedAt);
  QVERIFY(ProjectFile::save(*loaded, m_projectPath));
  m_runId = summary.runId;
}

void TestEngineFailures::init() {
  m_messages.clear();
  MessageBoxHook::setTestHandler([this](const MessageRequest& request) {
    m_messages << request;
    return QMessageBox::Ok;
  });
}

void TestEngineFailures::cleanup() {
  MessageBoxHook::setTestHandler({});
  qunsetenv("ATTUNE_FAULT_ENGINE");
}

void TestEngineFailures::openAndShow(MainWindow& window) {
  QVERIFY(window.openProject(m_projectPath));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
}

void TestEngineFailures::evaluationShowsTheReason() {
  MainWindow window;
  openAndShow(window);
  QString summary;
  {
    const InjectedFault fault("evaluate");
    summary = evaluateLatestRun(window);
  }
  QVERIFY2(summary.startsWith(QStringLiteral("Evaluating the model failed: ") + kLibTorchReason),
           qPrintable(summary));
  QVERIFY(!summary.contains(QStringLiteral("Exception raised from")));
  QVERIFY(window.isVisible());
  QVERIFY(child<QPushButton>(window, "evaluateButton")->isEnabled());

  summary = evaluateLatestRun(window);
  QVERIFY2(!summary.contains(QStringLiteral("failed")) && summary != QLatin1String("(no outcome shown)"),
           qPrintable(summary));
  QVERIFY(m_messages.isEmpty());
}

void TestEngineFailures::suggestionsShowTheReason() {
  MainWindow window;
  openAndShow(window);
  auto* ask = child<QPushButton>(window, "askModelButton");
  auto* status = child<QLabel>(window, "labelModelStatus");
  QVERIFY(ask->isEnabled());
  {
    const InjectedFault fault("suggest");
    ask->click();
    QTRY_VERIFY_WITH_TIMEOUT(ask->isEnabled(), kWorkTimeout_ms);
  }
  QVERIFY2(status->text().contains(QStringLiteral("Suggesting labels failed: ") + kLibTorchReason),
           qPrintable(status->text()));
  QVERIFY(window.isVisible());

  ask->click();
  QTRY_VERIFY_WITH_TIMEOUT(ask->isEnabled(), kWorkTimeout_ms);
  QVERIFY2(status->text().startsWith(QStringLiteral("Suggestions from run %1").arg(m_runId)),
           qPrintable(status->text()));
}

void TestEngineFailures::exportShowsTheReason() {
  MainWindow window;
  openAndShow(window);
  const QString exports = m_dir.filePath(QStringLiteral("exports"));
  QVERIFY(QDir().mkpath(exports));
  {
    const InjectedFault fault("export");
    QVERIFY(window.exportModel(m_runId, 0, exports));
    QTRY_VERIFY_WITH_TIMEOUT(!window.isExporting() && !m_messages.isEmpty(), kWorkTimeout_ms);
  }
  QCOMPARE(m_messages.size(), 1);
  QCOMPARE(m_messages.first().icon, QMessageBox::Warning);
  QCOMPARE(m_messages.first().title, QStringLiteral("Model not exported"));
  QVERIFY2(
      m_messages.first().text.startsWith(QStringLiteral("Exporting the model failed: ") + kLibTorchReason),
      qPrintable(m_messages.first().text));
  // Nothing half-written is left.
  QCOMPARE(QDir(exports).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
  QVERIFY(window.isVisible());

  QVERIFY(window.exportModel(m_runId, 0, exports));
  QTRY_VERIFY_WITH_TIMEOUT(!window.isExporting() && m_messages.size() == 2, kWorkTimeout_ms);
  QCOMPARE(m_messages.last().title, QStringLiteral("Model exported"));
}

void TestEngineFailures::tryItShowsTheReason() {
  MainWindow window;
  openAndShow(window);
  auto* tryPanel = child<TryPanel>(window, "tryPanel");
  QSignalSpy answered(tryPanel, &TryPanel::answered);
  const QString image = m_dir.filePath(QStringLiteral("images/blue/0.png"));
  {
    const InjectedFault fault("predict");
    window.tryImages({image});
    QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 1, kWorkTimeout_ms);
  }
  QVERIFY2(
      tryPanel->message().startsWith(QStringLiteral("Classifying the images failed: ") + kLibTorchReason),
      qPrintable(tryPanel->message()));
  QVERIFY(tryPanel->shownImages().isEmpty());
  QVERIFY(window.isVisible());

  window.tryImages({image});
  QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 2, kWorkTimeout_ms);
  QCOMPARE(tryPanel->shownImages(), QStringList{image});
  QCOMPARE(tryPanel->shownImageProbabilities().front().size(), size_t(2));
}

void TestEngineFailures::lrFinderShowsTheReason() {
  MainWindow window;
  openAndShow(window);
  auto* find = child<QPushButton>(window, "findLrButton");
  // The test itself, then the model it builds.
  const std::pair<const char*, QString> faults[] = {
      {"lr_find", QStringLiteral("The learning-rate test failed: ")},
      {"prepare", QStringLiteral("Preparing the model failed: ")}};
  for (const auto& [site, failed] : faults) {
    const InjectedFault fault(site);
    QVERIFY(find->isEnabled());
    find->click();
    auto* dialog = window.findChild<LrFinderDialog*>();
    QVERIFY2(dialog, m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWorkTimeout_ms);
    auto* reason = child<QLabel>(*dialog, "lrFinderReason");
    QTRY_VERIFY(!reason->text().isEmpty());
    QVERIFY2(reason->text().startsWith(failed + kLibTorchReason), qPrintable(reason->text()));
    QVERIFY(dialog->isVisible());
    QVERIFY(!child<QPushButton>(*dialog, "lrFinderUseButton")->isEnabled());
    QVERIFY(window.isVisible());
    dialog->close();
    QTRY_VERIFY(window.findChild<LrFinderDialog*>() == nullptr);
  }
  QVERIFY(m_messages.isEmpty());
}

// Last: the failed run is recorded in the project (it keeps no model, so the tests above are unaffected).
void TestEngineFailures::trainingShowsTheReason() {
  MainWindow window;
  openAndShow(window);
  auto* train = child<QPushButton>(window, "trainButton");
  {
    const InjectedFault fault("prepare");
    QTest::mouseClick(train, Qt::LeftButton);
    QVERIFY(window.isTraining());
    QTRY_VERIFY_WITH_TIMEOUT(!window.isTraining(), kWorkTimeout_ms);
  }
  const QString summary = child<QLabel>(window, "runSummaryLabel")->text();
  QVERIFY2(summary.contains(QStringLiteral("Preparing the model failed: ") + kLibTorchReason),
           qPrintable(summary));
  QVERIFY(window.isVisible());
  QVERIFY(train->isEnabled());
  // The window still answers from the earlier run's model.
  const QString evaluated = evaluateLatestRun(window);
  QVERIFY2(!evaluated.contains(QStringLiteral("failed")) && evaluated != QLatin1String("(no outcome shown)"),
           qPrintable(evaluated));
}

QTEST_MAIN(TestEngineFailures)
#include "test_engine_failures.moc"
