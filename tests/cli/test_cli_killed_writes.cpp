// kill -9 during checkpoint and export writes (issue 20's fault injection). attune-cli is killed with
// SIGKILL in the middle of a save, at chosen byte offsets (ATTUNE_FAULT_WRITE=kill:<n>@<file>#<k>: the
// process kills itself once n bytes of the k-th save of that file are written) and at random moments
// from outside. Reopened afterwards: every checkpoint under a checkpoint's name is whole and loads, the
// last good checkpoint (or the new one, when the kill came after its rename) is evaluated, resuming
// either continues or says why it cannot (never a crash), an earlier export is untouched and a killed
// export leaves no folder that could be taken for an export.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "core/weights/SafetensorsReader.h"
#include "tests/support/KillProcess.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <csignal>

using namespace attune;
using testing::runCli;

namespace {

QProcessEnvironment withFault(const QString& fault) {
  return testing::environmentWith("ATTUNE_FAULT_WRITE", fault);
}

QByteArray sha256Of(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash hash(QCryptographicHash::Sha256);
  hash.addData(&file);
  return hash.result().toHex();
}

QStringList filesUnder(const QString& folder, const QStringList& patterns) {
  QStringList files;
  QDirIterator it(folder, patterns, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) files << it.next();
  return files;
}

}  // namespace

class TestCliKilledWrites : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_project;
  QString m_images;
  QString m_goodExport;
  QStringList m_knownRuns;

  // The run folder the last command made (the one not seen before).
  QString newestRun() {
    const QDir runs(m_dir.filePath(QStringLiteral("runs")));
    for (const QString& name : runs.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      if (m_knownRuns.contains(name)) continue;
      m_knownRuns << name;
      return runs.filePath(name);
    }
    return {};
  }

  // Every checkpoint under a checkpoint's name opens; the run's model is evaluated from `checkpoint`.
  // With `mustResume`, resuming continues from the last complete save (the epoch before the kill).
  void checkRunReopens(const QString& run, const QString& checkpoint, bool mustResume = false) {
    for (const QString& file : filesUnder(run, {QStringLiteral("*.safetensors")})) {
      const auto read = SafetensorsReader::readFile(file);
      QVERIFY2(read.ok(), qPrintable(file + QLatin1Char(' ') + (read ? QString() : read.error().text())));
    }
    const QString runId = QFileInfo(run).fileName();
    const auto evaluated = runCli({QStringLiteral("eval"), m_project, QStringLiteral("--run"), runId,
                                   QStringLiteral("--checkpoint"), checkpoint});
    QVERIFY2(evaluated.exitCode == 0, evaluated.err.constData());
    // Resuming continues, or refuses with one line that says why; it never crashes.
    const auto resumed = runCli({QStringLiteral("train"), m_project, QStringLiteral("--resume"), runId});
    QVERIFY2(resumed.exitCode == 0 ||
                 (!mustResume && resumed.exitCode == 1 && resumed.err.trimmed().count('\n') == 0),
             qPrintable(QStringLiteral("exit %1: %2").arg(resumed.exitCode).arg(resumed.err)));
    // The resumed (or refused) run wrote into the folder, which removed what the killed process left.
    if (resumed.exitCode == 0) QCOMPARE(filesUnder(run, {QStringLiteral("*.saving")}), QStringList());
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_images = m_dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(m_images, 2, 6);
    m_project = m_dir.filePath(QStringLiteral("images.attune"));
    const QByteArray failed = testing::makeTrainedImageProject(m_images, m_project);
    QVERIFY2(failed.isEmpty(), failed.constData());
    QVERIFY(!newestRun().isEmpty());
    m_goodExport = m_dir.filePath(QStringLiteral("exports/good"));
    const auto exported =
        runCli({QStringLiteral("export"), m_project, QStringLiteral("--out"), m_goodExport});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
  }

  // The second epoch's checkpoint save is killed: before any byte, half way, and while the resume
  // state that goes with it is written. The first epoch's resume set is whole: resuming continues.
  void killedCheckpointSave_data() {
    QTest::addColumn<QString>("fault");
    QTest::newRow("last.safetensors, first byte") << "kill:0@last.safetensors#2";
    QTest::newRow("last.safetensors, half way") << "kill:20000000@last.safetensors#2";
    QTest::newRow("resume state, half way") << "kill:100@.state.safetensors#2";
    QTest::newRow("state.json, half way") << "kill:10@state.json#2";
  }
  void killedCheckpointSave() {
    QFETCH(QString, fault);
    const auto killed =
        runCli({QStringLiteral("train"), m_project, QStringLiteral("--set"), QStringLiteral("epochs=2"),
                QStringLiteral("--set"), QStringLiteral("batch_size=4")},
               withFault(fault));
    QVERIFY2(killed.exitCode == -1, qPrintable(QStringLiteral("not killed: exit %1 %2")
                                                   .arg(killed.exitCode)
                                                   .arg(QString::fromUtf8(killed.err))));
    const QString run = newestRun();
    QVERIFY(!run.isEmpty());
    QVERIFY2(!filesUnder(run, {QStringLiteral("*.saving")}).isEmpty(),
             "the kill came in the middle of a save");
    checkRunReopens(run, QStringLiteral("last"), /*mustResume=*/true);
  }

  // SIGKILL from outside at random moments of a two-epoch run (seeded, so a failure repeats).
  void killedAtRandomMoments() {
    QRandomGenerator random(20);
    for (int round = 0; round < 3; ++round) {
      QProcess train;
      train.start(testing::testPath("ATTUNE_CLI_PATH"),
                  {QStringLiteral("train"), m_project, QStringLiteral("--set"), QStringLiteral("epochs=2"),
                   QStringLiteral("--set"), QStringLiteral("batch_size=4")});
      QVERIFY(train.waitForStarted());
      QTest::qWait(int(random.bounded(1500, 5000)));
      // A run that already ended is not signalled (kill(0, ...) would end this test's process group).
      attune::testing::signalIfRunning(train, SIGKILL);
      QVERIFY(attune::testing::waitUntilEnded(train));
      const QString run = newestRun();
      if (run.isEmpty()) continue;  // killed before the run's folder was made
      for (const QString& file : filesUnder(run, {QStringLiteral("*.safetensors")})) {
        const auto read = SafetensorsReader::readFile(file);
        QVERIFY2(read.ok(), qPrintable(file + QLatin1Char(' ') + (read ? QString() : read.error().text())));
      }
      if (QFileInfo::exists(QDir(run).filePath(QStringLiteral("last.safetensors"))))
        checkRunReopens(run, QStringLiteral("last"));
    }
  }

  // An export killed half way through its weights, its manifest or its last file: no folder under the
  // export's name, the earlier export unchanged and still usable, and the next export succeeds.
  void killedExport_data() {
    QTest::addColumn<QString>("fault");
    QTest::newRow("model.safetensors, half way") << "kill:20000000@model.safetensors";
    QTest::newRow("attune-export.json, first bytes") << "kill:10@attune-export.json";
    QTest::newRow("README.txt, the last file") << "kill:10@README.txt";
  }
  void killedExport() {
    QFETCH(QString, fault);
    QMap<QString, QByteArray> before;
    for (const QString& file : filesUnder(m_goodExport, {QStringLiteral("*")})) before[file] = sha256Of(file);
    const QString out = m_dir.filePath(QStringLiteral("exports/killed"));
    const auto killed =
        runCli({QStringLiteral("export"), m_project, QStringLiteral("--out"), out}, withFault(fault));
    QCOMPARE(killed.exitCode, -1);
    QVERIFY(!QFileInfo::exists(out));
    QMap<QString, QByteArray> after;
    for (const QString& file : filesUnder(m_goodExport, {QStringLiteral("*")})) after[file] = sha256Of(file);
    QCOMPARE(after, before);
    const auto predicted = runCli(
        {QStringLiteral("predict"), m_goodExport, QDir(m_images).filePath(QStringLiteral("class_0/0.png"))});
    QVERIFY2(predicted.exitCode == 0, predicted.err.constData());
    const auto again = runCli({QStringLiteral("export"), m_project, QStringLiteral("--out"), out});
    QVERIFY2(again.exitCode == 0, again.err.constData());
    QVERIFY(QFileInfo::exists(QDir(out).filePath(QStringLiteral("attune-export.json"))));
    // What the killed export left beside it was cleared by the next one.
    QCOMPARE(QDir(m_dir.filePath(QStringLiteral("exports")))
                 .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             (QStringList{QStringLiteral("good"), QStringLiteral("killed")}));
    QVERIFY(QDir(out).removeRecursively());
  }
};

QTEST_GUILESS_MAIN(TestCliKilledWrites)
#include "test_cli_killed_writes.moc"
