// MainWindow driven through its widgets: a run started with the Train button, watched on the charts,
// paused and stopped (on the scripted engine, tests/support/FakeRunEngine.h: the views need a run's
// events, not a trained model); a failed run; real (tiny) LibTorch runs closed mid-run and run to
// completion; settings edited and saved; a dataset that cannot be trained on; the LR finder opened
// from the settings panel.

#include "core/eval/Predictor.h"
#include "core/project/ProjectFile.h"
#include "tests/support/FakeRunEngine.h"
#include "tests/support/TestEnvironment.h"
#include "ui/ExportDialog.h"
#include "ui/FileDialogHook.h"
#include "ui/LrFinderDialog.h"
#include "ui/MainWindow.h"
#include "ui/MessageBoxHook.h"
#include "ui/RunHistoryView.h"
#include "ui/TryPanel.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace attune;
using namespace attune::ui;

namespace {

constexpr int kImageSide_px = 32;
constexpr int kImagesPerClass = 6;
const int kTrainingTimeout_ms =
    180'000 * attune::testing::testSlowdown();  // a 2-core machine shared with compilers
constexpr int kTick_ms = 20;
const int kMaxTickGap_ms =
    1000 * attune::testing::testSlowdown();  // a frozen GUI thread would stall for the whole run
const int kPauseSettle_ms =
    1000 * attune::testing::testSlowdown();  // the step in flight when Pause is pressed, and a drain
const int kLrFinderTimeout_ms =
    120'000 * attune::testing::testSlowdown();  // 100 steps of a 32 px ResNet-18 on a shared CPU

// root/<class>/<n>.png, one colour per class with a little variation per image.
void writeDataset(const QString& root, const QList<QColor>& classColours, const QStringList& classNames) {
  for (qsizetype c = 0; c < classNames.size(); ++c) {
    QVERIFY(QDir(root).mkpath(classNames[c]));
    for (int i = 0; i < kImagesPerClass; ++i) {
      QImage image(kImageSide_px, kImageSide_px, QImage::Format_RGB32);
      image.fill(classColours[c].lighter(100 + 8 * i));
      QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(root, classNames[c]).arg(i)));
    }
  }
}

template <typename T>
T* child(QObject& parent, const char* name) {
  return parent.findChild<T*>(QString::fromLatin1(name));
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void trainThenStop();
  void failedRunShowsItsReason();
  void closeDuringRun();
  void runToCompletion();
  void settingsSurviveSaveAndOpen();
  void unusableFolderShowsError();
  void findLearningRateAppliesSuggestion();
  void findLearningRateWithoutDataShowsError();

 private:
  // A project with a two-class dataset next to it, settings made for a quick CPU run.
  QString makeProject(const QTemporaryDir& dir, int epochs, int classCount = 2);
  void openAndShow(MainWindow& window, const QString& path);
  void clickTrain(MainWindow& window);

  QTemporaryDir m_settingsDir;
  QList<MessageRequest> m_messages;
};

void TestMainWindow::initTestCase() {
  QVERIFY(m_settingsDir.isValid());
  // Keep the recent-projects list out of the user's real settings.
  QCoreApplication::setOrganizationName(QStringLiteral("AttuneTest"));
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
}

void TestMainWindow::init() {
  m_messages.clear();
  MessageBoxHook::setTestHandler([this](const MessageRequest& request) {
    m_messages << request;
    return request.buttons.testFlag(QMessageBox::Discard) ? QMessageBox::Discard : QMessageBox::Ok;
  });
}

void TestMainWindow::cleanup() {
  MessageBoxHook::setTestHandler({});
}

QString TestMainWindow::makeProject(const QTemporaryDir& dir, int epochs, int classCount) {
  const QString data = dir.filePath(QStringLiteral("images"));
  const QStringList names = QStringList{QStringLiteral("blue"), QStringLiteral("red")}.mid(0, classCount);
  writeDataset(data, {QColor(30, 60, 200), QColor(200, 40, 30)}, names);
  Project project;
  project.name = QStringLiteral("Colours");
  project.data.folder = data;
  project.config.architecture = QStringLiteral("resnet18");
  project.config.inputSize = kImageSide_px;
  project.config.batchSize = 4;
  project.config.epochs = epochs;
  project.config.threads = 1;  // the machine is shared; speed is not what is tested
  project.config.loaderWorkers = 1;
  const QString path = dir.filePath(QStringLiteral("colours.attune"));
  const Status saved = ProjectFile::save(project, path);
  if (!saved) qWarning() << saved.error().text();
  return path;
}

void TestMainWindow::openAndShow(MainWindow& window, const QString& path) {
  QVERIFY(window.openProject(path));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(!window.isWindowModified());
  QVERIFY(window.windowTitle().contains(QStringLiteral("Colours")));
}

void TestMainWindow::clickTrain(MainWindow& window) {
  auto* train = child<QPushButton>(window, "trainButton");
  QVERIFY(train && train->isEnabled());
  QTest::mouseClick(train, Qt::LeftButton);
  QVERIFY2(window.isTraining(), m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  QVERIFY(!train->isEnabled());
  QVERIFY(child<QPushButton>(window, "stopButton")->isEnabled());
}

void TestMainWindow::trainThenStop() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 5);
  MainWindow window;
  testing::FakeRunScript script;
  script.stepsPerEpoch = 10;
  script.tick_ms = 20;  // 50 epochs: 10 s, long enough to be running when Stop is pressed
  testing::FakeRun* fakeRun = nullptr;
  window.setRunEngine(
      std::make_unique<testing::FakeRunEngine>(script, [&](testing::FakeRun* run, const TrainingJob& job) {
        fakeRun = run;
        QCOMPARE(job.config.epochs, 50);  // the job is made from the form's settings
      }));
  openAndShow(window, path);

  // The run settings come from the form.
  child<QSpinBox>(window, "epochsSpin")->setValue(50);
  child<QSpinBox>(window, "batchSizeSpin")->setValue(4);
  QVERIFY(window.isWindowModified());
  QCOMPARE(window.project().config.epochs, 50);

  QElapsedTimer sinceTick;
  qint64 maxGap_ms = 0;
  int ticks = 0;
  QTimer heartbeat;
  connect(&heartbeat, &QTimer::timeout, [&] {
    if (ticks++ > 0) maxGap_ms = std::max(maxGap_ms, sinceTick.elapsed());
    sinceTick.start();
  });

  clickTrain(window);
  QVERIFY(fakeRun);
  // No LR finder while a run trains (it would compete for the CPU and the settings are in use).
  QVERIFY(!child<QPushButton>(window, "findLrButton")->isEnabled());
  heartbeat.start(kTick_ms);
  auto* lossPlot = child<QCustomPlot>(window, "lossPlot");
  QVERIFY(lossPlot);
  QTRY_VERIFY_WITH_TIMEOUT(lossPlot->graph(0)->dataCount() > 0, kTrainingTimeout_ms);
  QTest::qWait(500);
  QVERIFY(window.isTraining());
  QVERIFY2(maxGap_ms < kMaxTickGap_ms, qPrintable(QStringLiteral("GUI thread stalled %1 ms").arg(maxGap_ms)));
  QVERIFY(ticks >= 500 / kTick_ms / 4);
  const QString progress = child<QProgressBar>(window, "runProgressBar")->text();
  QVERIFY2(progress.contains(QStringLiteral("/50")) && progress.contains(QStringLiteral("ETA")),
           qPrintable(progress));

  // Pause holds the loop after its current step; Resume goes on.
  auto* pause = child<QPushButton>(window, "pauseButton");
  QTest::mouseClick(pause, Qt::LeftButton);
  QVERIFY(child<QProgressBar>(window, "runProgressBar")->text().contains(QStringLiteral("paused")));
  QTest::qWait(kPauseSettle_ms);
  const int pausedSteps = lossPlot->graph(0)->dataCount();
  QCOMPARE(int64_t(pausedSteps), fakeRun->stepsDone());  // every step made is drawn
  QTest::qWait(kPauseSettle_ms);
  QCOMPARE(lossPlot->graph(0)->dataCount(), pausedSteps);
  QTest::mouseClick(pause, Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(lossPlot->graph(0)->dataCount() > pausedSteps, kTrainingTimeout_ms);

  QTest::mouseClick(child<QPushButton>(window, "stopButton"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(!window.isTraining(), kTrainingTimeout_ms);
  heartbeat.stop();
  QVERIFY(child<QPushButton>(window, "trainButton")->isEnabled());
  QVERIFY(child<QLabel>(window, "runSummaryLabel")->isVisible());

  QCOMPARE(window.project().runs.size(), size_t(1));
  const RunRecord& run = window.project().runs.front();
  QVERIFY(run.status == RunStatus::Stopped);
  QCOMPARE(run.id, QStringLiteral("fake-1"));
  QVERIFY(!window.isWindowModified());  // the run was recorded and the project saved
  auto onDisk = ProjectFile::load(path);
  QVERIFY(onDisk);
  QCOMPARE(onDisk->runs.size(), size_t(1));
  QCOMPARE(onDisk->runs.front().id, run.id);
  QVERIFY(onDisk->runs.front().status == RunStatus::Stopped);
  QCOMPARE(onDisk->config.epochs, 50);
  QVERIFY(m_messages.isEmpty());
}

void TestMainWindow::failedRunShowsItsReason() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 2);
  MainWindow window;
  testing::FakeRunScript script;
  script.outcome = RunOutcome::Failed;
  script.message = QStringLiteral("The engine failed: simulated by the test.");
  script.startEvents = {{RunEventKind::Warning, QStringLiteral("A warning from the engine.")}};
  window.setRunEngine(std::make_unique<testing::FakeRunEngine>(script));
  openAndShow(window, path);
  clickTrain(window);
  QTRY_VERIFY_WITH_TIMEOUT(!window.isTraining(), kTrainingTimeout_ms);

  // The window stays up and usable, the reason is shown, and the run is recorded as failed.
  QVERIFY(window.isVisible());
  QVERIFY(child<QPushButton>(window, "trainButton")->isEnabled());
  QVERIFY(child<QSpinBox>(window, "epochsSpin")->isEnabled());
  const QString summary = child<QLabel>(window, "runSummaryLabel")->text();
  QVERIFY2(summary.contains(script.message), qPrintable(summary));
  auto* log = child<QListWidget>(window, "runLogList");
  QVERIFY(!log->findItems(QStringLiteral("A warning from the engine."), Qt::MatchContains).isEmpty());
  QCOMPARE(window.project().runs.size(), size_t(1));
  QVERIFY(window.project().runs.front().status == RunStatus::Failed);
  QCOMPARE(window.project().runs.front().message, script.message);
  auto onDisk = ProjectFile::load(path);
  QVERIFY(onDisk);
  QCOMPARE(onDisk->runs.size(), size_t(1));
}

void TestMainWindow::closeDuringRun() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 50);
  MainWindow window;
  openAndShow(window, path);
  clickTrain(window);
  QTRY_VERIFY_WITH_TIMEOUT(child<QCustomPlot>(window, "lossPlot")->graph(0)->dataCount() > 0,
                           kTrainingTimeout_ms);

  QElapsedTimer closing;
  closing.start();
  QVERIFY(window.close());
  QVERIFY2(closing.elapsed() < 10'000, qPrintable(QString::number(closing.elapsed())));
  QVERIFY(!window.isTraining());
  QVERIFY(!window.isVisible());
  auto onDisk = ProjectFile::load(path);
  QVERIFY(onDisk);
  QCOMPARE(onDisk->runs.size(), size_t(1));
  QVERIFY(onDisk->runs.front().status == RunStatus::Stopped);
  QVERIFY(m_messages.isEmpty());
}

void TestMainWindow::runToCompletion() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 2);
  MainWindow window;
  openAndShow(window, path);
  clickTrain(window);
  QTRY_VERIFY_WITH_TIMEOUT(!window.isTraining(), kTrainingTimeout_ms);

  auto* validationPlot = child<QCustomPlot>(window, "validationPlot");
  QCOMPARE(validationPlot->graph(0)->dataCount(), 2);  // validation loss
  QCOMPARE(validationPlot->graph(0)->valueAxis(), validationPlot->yAxis);
  QCOMPARE(validationPlot->graph(2)->dataCount(), 2);  // validation accuracy, on the right axis
  QCOMPARE(validationPlot->graph(2)->valueAxis(), validationPlot->yAxis2);
  QVERIFY(child<QCustomPlot>(window, "lossPlot")->graph(0)->dataCount() >= 2);
  const QString summary = child<QLabel>(window, "runSummaryLabel")->text();
  QVERIFY2(
      summary.startsWith(QStringLiteral("Best validation accuracy")) && summary.contains("best.safetensors"),
      qPrintable(summary));
  QVERIFY(child<QListWidget>(window, "runLogList")->count() >= 3);  // started, 2 epochs, finished

  QCOMPARE(window.project().runs.size(), size_t(1));
  QVERIFY(window.project().runs.front().status == RunStatus::Finished);
  QCOMPARE(window.project().runs.front().epochsCompleted, 2);
  auto onDisk = ProjectFile::load(path);
  QVERIFY(onDisk);
  QCOMPARE(onDisk->runs.size(), size_t(1));

  // Images dropped onto the window are answered in "Try it" by the run's best model; a file that
  // only looks like an image gets a reason, and other files are not taken.
  const QString images = dir.filePath(QStringLiteral("images"));
  const QString fake = dir.filePath(QStringLiteral("notes.png"));
  QFile fakeFile(fake);
  QVERIFY(fakeFile.open(QIODevice::WriteOnly));
  fakeFile.write("not an image");
  fakeFile.close();
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(images + QStringLiteral("/blue/0.png")),
                QUrl::fromLocalFile(images + QStringLiteral("/red/1.png")), QUrl::fromLocalFile(fake),
                QUrl::fromLocalFile(path)});
  QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&window, &enter);
  QVERIFY(enter.isAccepted());
  auto* tryPanel = child<TryPanel>(window, "tryPanel");
  QSignalSpy answered(tryPanel, &TryPanel::answered);
  QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&window, &drop);
  QCOMPARE(child<QTabWidget>(window, "mainTabs")->currentWidget(), tryPanel);
  QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 1, kTrainingTimeout_ms);
  QCOMPARE(tryPanel->shownImages().size(), 3);
  auto predictor = Predictor::openRun(QFileInfo(window.project().runs.front().bestCheckpoint).absolutePath());
  QVERIFY(predictor.ok());
  QStringList failures;
  auto expected = (*predictor)->predictImages(tryPanel->shownImages(), &failures);
  QVERIFY(expected.ok());
  for (int i = 0; i < 2; ++i) {
    QCOMPARE(tryPanel->shownImageProbabilities()[size_t(i)].size(), size_t(2));
    for (size_t c = 0; c < 2; ++c)
      QVERIFY(std::abs(tryPanel->shownImageProbabilities()[size_t(i)][c] - (*expected)[size_t(i)][c]) < 1e-6);
  }
  QVERIFY(tryPanel->shownImageProbabilities()[2].empty());
  auto* results = child<QTableWidget>(window, "tryResultsTable");
  QCOMPARE(results->rowCount(), 3);
  QVERIFY(results->item(2, 1)->text().startsWith(QStringLiteral("cannot be read")));
  const int top = (*expected)[0][0] > (*expected)[0][1] ? 0 : 1;
  QCOMPARE(results->item(0, 1)->text(), (*predictor)->classes()[top]);

  // "Predict a Folder into a CSV…": asked for the folder and the file, it writes one row per image
  // (the unreadable one with empty cells) with the best model's probabilities.
  QStringList asked;
  const QString csvPath = dir.filePath(QStringLiteral("predictions.csv"));
  FileDialogHook::setTestHandler([&](const QString& caption) {
    asked << caption;
    return asked.size() == 1 ? images : csvPath;
  });
  QTest::mouseClick(child<QPushButton>(window, "tryBatchButton"), Qt::LeftButton);
  FileDialogHook::setTestHandler({});
  QCOMPARE(asked.size(), 2);
  QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 2, kTrainingTimeout_ms);
  QVERIFY2(tryPanel->message().startsWith(QStringLiteral("Wrote 12 predictions to")),
           qPrintable(tryPanel->message()));
  QFile csvFile(csvPath);
  QVERIFY(csvFile.open(QIODevice::ReadOnly));
  const QList<QByteArray> csvLines = csvFile.readAll().trimmed().split('\n');
  QCOMPARE(csvLines.size(), 1 + 12);
  QCOMPARE(csvLines[0], QByteArray("item,predicted,probability,blue,red"));
  const QString firstImage = images + QStringLiteral("/blue/0.png");
  QVERIFY(csvLines[1].startsWith(QByteArray(firstImage.toUtf8() + ',')));
  auto firstExpected = (*predictor)->predictImages({firstImage});
  QVERIFY(firstExpected.ok());
  const QList<QByteArray> cells = csvLines[1].split(',');
  QCOMPARE(cells.size(), 5);
  for (int c = 0; c < 2; ++c)
    QVERIFY(std::abs(cells[3 + c].toDouble() - (*firstExpected)[0][size_t(c)]) < 1e-5);

  // The Runs tab: the best epoch's point picked, "Export This Epoch's Model" asks where, and a new
  // folder there holds that epoch's model; a second export goes beside it, not over it.
  const RunRecord& run = window.project().runs.front();
  auto* history = child<RunHistoryView>(window, "runHistoryView");
  history->refresh(window.project());
  history->pickPoint(0, run.bestEpoch);
  auto* exportButton = child<QPushButton>(window, "exportEpochButton");
  QVERIFY(exportButton->isEnabled());
  const QString exports = dir.filePath(QStringLiteral("exports"));
  QVERIFY(QDir().mkpath(exports));
  QStringList captions;
  FileDialogHook::setTestHandler([&](const QString& caption) {
    captions << caption;
    return exports;
  });
  // The export dialog: an Attune folder (a ResNet cannot be a Hugging Face folder), the folder chosen
  // through its Choose button, checked afterwards.
  ExportDialog::setTestHandler([](ExportDialog& dialog) {
    QVERIFY(dialog.isOffered(ModelExportFormat::Onnx));
    QVERIFY(!dialog.isOffered(ModelExportFormat::HuggingFace));
    QCOMPARE(dialog.format(), ModelExportFormat::Safetensors);
    QVERIFY(dialog.checkAfterwards());
    QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("exportChooseButton")), Qt::LeftButton);
    dialog.accept();
  });
  m_messages.clear();
  for (int round = 0; round < 2; ++round) {
    QTest::mouseClick(exportButton, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!window.isExporting() && m_messages.size() == round + 1, kTrainingTimeout_ms);
    QCOMPARE(m_messages.last().title, QStringLiteral("Model exported"));
    // The parity check's finding, in plain words.
    QVERIFY2(m_messages.last().text.contains(QStringLiteral("The exported model gives the same class on")),
             qPrintable(m_messages.last().text));
  }
  FileDialogHook::setTestHandler({});
  ExportDialog::setTestHandler({});
  QCOMPARE(captions.size(), 2);
  const QString name = QStringLiteral("Colours-%1-epoch-%2").arg(run.id).arg(run.bestEpoch);
  QCOMPARE(QDir(exports).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name),
           (QStringList{name, name + QStringLiteral(" (2)")}));
  const QString exported = QDir(exports).filePath(name);
  QVERIFY2(m_messages.first().text.contains(QDir::toNativeSeparators(exported)),
           qPrintable(m_messages.first().text));
  QFile weights(exported + QStringLiteral("/model.safetensors"));
  QFile best(run.bestCheckpoint);
  QVERIFY(weights.open(QIODevice::ReadOnly) && best.open(QIODevice::ReadOnly));
  QCOMPARE(weights.readAll(), best.readAll());
  auto fromExport = Predictor::openExport(exported);
  QVERIFY(fromExport.ok());
  QCOMPARE((*fromExport)->checkpointEpoch(), run.bestEpoch);
  QCOMPARE((*fromExport)->classes(), (*predictor)->classes());

  // As ONNX, checked: model.onnx beside the Attune folder, and the check says how it ran (ONNX Runtime is
  // not installed for this test: it says so and what it ran instead).
  m_messages.clear();
  const QString onnxExports = dir.filePath(QStringLiteral("onnx"));
  QVERIFY(QDir().mkpath(onnxExports));
  QVERIFY(window.exportModel(run.id, run.bestEpoch, onnxExports, ModelExportFormat::Onnx, true));
  QTRY_VERIFY_WITH_TIMEOUT(!window.isExporting() && !m_messages.isEmpty(), kTrainingTimeout_ms);
  QCOMPARE(m_messages.last().title, QStringLiteral("Model exported"));
  QVERIFY(QFile::exists(QDir(onnxExports).filePath(name + QStringLiteral("/model.onnx"))));
  QVERIFY2(m_messages.last().text.contains(QStringLiteral("ONNX Runtime")), qPrintable(m_messages.last().text));
  QVERIFY2(m_messages.last().text.contains(QStringLiteral("gives the same class on")), qPrintable(m_messages.last().text));

  // An export that cannot be written says why.
  m_messages.clear();
  QVERIFY(window.exportModel(run.id, run.bestEpoch, QStringLiteral("/proc/attune-cannot-write-here")));
  QTRY_VERIFY_WITH_TIMEOUT(!window.isExporting() && !m_messages.isEmpty(), kTrainingTimeout_ms);
  QCOMPARE(m_messages.last().title, QStringLiteral("Model not exported"));
}

void TestMainWindow::settingsSurviveSaveAndOpen() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 3);
  MainWindow window;
  openAndShow(window, path);

  auto* architecture = child<QComboBox>(window, "architectureCombo");
  const int other = architecture->findData(QStringLiteral("mobilenet_v2"));
  QVERIFY(other >= 0);
  architecture->setCurrentIndex(other);
  child<QDoubleSpinBox>(window, "lrHeadSpin")->setValue(0.005);
  child<QDoubleSpinBox>(window, "lrBackboneSpin")->setValue(0.0002);
  QTest::mouseClick(child<QCheckBox>(window, "freezeCheck"), Qt::LeftButton);
  child<QSpinBox>(window, "epochsSpin")->setValue(7);
  child<QSpinBox>(window, "batchSizeSpin")->setValue(8);
  child<QSpinBox>(window, "inputSizeSpin")->setValue(64);
  QTest::mouseClick(child<QCheckBox>(window, "randomCropCheck"), Qt::LeftButton);
  QTest::mouseClick(child<QCheckBox>(window, "flipCheck"), Qt::LeftButton);
  auto* optimizer = child<QComboBox>(window, "optimizerCombo");
  optimizer->setCurrentIndex(optimizer->findData(QStringLiteral("sgd")));
  auto* weights = child<QLineEdit>(window, "weightsEdit");
  weights->setFocus();
  QTest::keyClicks(weights, dir.filePath(QStringLiteral("weights.safetensors")));
  QTest::keyClick(weights, Qt::Key_Return);

  QVERIFY(window.isWindowModified());
  const TrainingConfig& config = window.project().config;
  QCOMPARE(config.architecture, QStringLiteral("mobilenet_v2"));
  QCOMPARE(config.lrHead, 0.005);
  QCOMPARE(config.lrBackbone, 0.0002);
  QVERIFY(config.freeze == FreezeMode::Backbone);
  QCOMPARE(config.epochs, 7);
  QCOMPARE(config.batchSize, 8);
  QVERIFY(config.inputSize == std::optional<int>(64));
  QVERIFY(!config.randomResizedCrop);
  QVERIFY(!config.horizontalFlip);
  QVERIFY(config.optimizer == OptimizerKind::Sgd);
  QCOMPARE(config.weightsPath, dir.filePath(QStringLiteral("weights.safetensors")));
  QVERIFY(config.threads == std::optional<int>(1));  // not on the form: untouched

  auto* save = child<QAction>(window, "actionSave");
  QVERIFY(save);
  save->trigger();
  QVERIFY(!window.isWindowModified());

  MainWindow reopened;
  openAndShow(reopened, path);
  const TrainingConfig& loaded = reopened.project().config;
  QCOMPARE(loaded.architecture, QStringLiteral("mobilenet_v2"));
  QCOMPARE(loaded.lrHead, 0.005);
  QVERIFY(loaded.freeze == FreezeMode::Backbone);
  QVERIFY(loaded.optimizer == OptimizerKind::Sgd);
  QCOMPARE(loaded.weightsPath, config.weightsPath);
  QCOMPARE(child<QSpinBox>(reopened, "epochsSpin")->value(), 7);
  QCOMPARE(child<QSpinBox>(reopened, "inputSizeSpin")->value(), 64);
  QCOMPARE(child<QDoubleSpinBox>(reopened, "lrBackboneSpin")->value(), 0.0002);
  QVERIFY(!child<QDoubleSpinBox>(reopened, "lrBackboneSpin")->isEnabled());  // frozen: not used
  QVERIFY(child<QCheckBox>(reopened, "freezeCheck")->isChecked());
  QVERIFY(!child<QCheckBox>(reopened, "flipCheck")->isChecked());
  QCOMPARE(child<QComboBox>(reopened, "architectureCombo")->currentData().toString(),
           QStringLiteral("mobilenet_v2"));
  QVERIFY(!reopened.isWindowModified());
  QVERIFY(m_messages.isEmpty());
}

void TestMainWindow::unusableFolderShowsError() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 2);
  const QString oneClass = dir.filePath(QStringLiteral("one-class"));
  writeDataset(oneClass, {QColor(0, 160, 0)}, {QStringLiteral("green")});
  MainWindow window;
  openAndShow(window, path);

  // The folder typed into the Data panel.
  auto* folderEdit = child<QLineEdit>(window, "dataFolderEdit");
  folderEdit->setFocus();
  folderEdit->selectAll();
  QTest::keyClicks(folderEdit, oneClass);
  QTest::keyClick(folderEdit, Qt::Key_Return);
  QCOMPARE(window.project().data.folder, oneClass);
  QVERIFY(window.isWindowModified());
  // What is there is listed, and why it cannot be trained on yet is said.
  QVERIFY2(child<QLabel>(window, "dataStatusLabel")->text().contains(QStringLiteral("at least two classes")),
           qPrintable(child<QLabel>(window, "dataStatusLabel")->text()));
  QCOMPARE(child<QTreeWidget>(window, "dataClassTree")->topLevelItemCount(), 1);

  QTest::mouseClick(child<QPushButton>(window, "trainButton"), Qt::LeftButton);
  QVERIFY(!window.isTraining());
  QCOMPARE(m_messages.size(), 1);
  QCOMPARE(m_messages.first().icon, QMessageBox::Warning);
  QCOMPARE(m_messages.first().title, QStringLiteral("Cannot start training"));
  QVERIFY(!m_messages.first().text.isEmpty());
  QVERIFY(child<QPushButton>(window, "trainButton")->isEnabled());

  // The good folder back: its classes and counts are listed.
  folderEdit->selectAll();
  QTest::keyClicks(folderEdit, dir.filePath(QStringLiteral("images")));
  QTest::keyClick(folderEdit, Qt::Key_Return);
  auto* classes = child<QTreeWidget>(window, "dataClassTree");
  QCOMPARE(classes->topLevelItemCount(), 2);
  QCOMPARE(classes->topLevelItem(0)->text(0), QStringLiteral("blue"));
  QCOMPARE(classes->topLevelItem(0)->text(1), QString::number(kImagesPerClass));
  QCOMPARE(window.project().classes, (QStringList{QStringLiteral("blue"), QStringLiteral("red")}));
}

void TestMainWindow::findLearningRateAppliesSuggestion() {
  QTemporaryDir dir;
  const QString path = makeProject(dir, 2);
  MainWindow window;
  openAndShow(window, path);
  auto* find = child<QPushButton>(window, "findLrButton");
  QVERIFY(find && find->isEnabled());
  const double lrBefore = window.project().config.lrHead;

  find->click();  // on a settings tab that may not be the one showing
  auto* dialog = window.findChild<LrFinderDialog*>();
  QVERIFY2(dialog, m_messages.isEmpty() ? "" : qPrintable(m_messages.first().text));
  QVERIFY(dialog->isVisible());
  auto* use = child<QPushButton>(*dialog, "lrFinderUseButton");
  QTRY_VERIFY_WITH_TIMEOUT(use->isEnabled() || !dialog->isRunning(), kLrFinderTimeout_ms);
  QTRY_VERIFY(use->isEnabled() || !child<QLabel>(*dialog, "lrFinderReason")->text().isEmpty());
  QVERIFY2(dialog->suggestedRate().has_value(), qPrintable(child<QLabel>(*dialog, "lrFinderReason")->text()));
  const double suggested = *dialog->suggestedRate();
  QVERIFY(suggested > 0.0);
  qInfo("LR finder suggested lr_head %.3g (was %.3g)", suggested, window.project().config.lrHead);
  QVERIFY(use->text().startsWith(QStringLiteral("Use ")));

  QTest::mouseClick(use, Qt::LeftButton);
  QTRY_VERIFY(window.findChild<LrFinderDialog*>() == nullptr);  // closed and deleted
  const double lrAfter = window.project().config.lrHead;
  QVERIFY2(std::abs(lrAfter - suggested) <= 1e-9 * suggested,
           qPrintable(QStringLiteral("lr_head %1, suggested %2").arg(lrAfter).arg(suggested)));
  QVERIFY(lrAfter != lrBefore);
  QVERIFY(window.isWindowModified());
  QVERIFY(m_messages.isEmpty());
}

void TestMainWindow::findLearningRateWithoutDataShowsError() {
  MainWindow window;  // a new project: no data folder yet
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  child<QPushButton>(window, "findLrButton")->click();
  QCOMPARE(m_messages.size(), 1);
  QCOMPARE(m_messages.first().icon, QMessageBox::Warning);
  QCOMPARE(m_messages.first().title, QStringLiteral("Cannot find the learning rate"));
  QVERIFY(!m_messages.first().text.isEmpty());
  QVERIFY(window.findChild<LrFinderDialog*>() == nullptr);
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
