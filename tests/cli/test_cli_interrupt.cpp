// Ctrl-C as a user presses it: SIGINT to a real attune-cli process while it works. `train` stops after
// the current step, reports a stopped run (exit status 1) and records it in the project; `lr-find`
// ends its test at the next step. Neither is killed by the signal.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "tests/support/KillProcess.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace attune;

namespace {

using testing::jsonLines;
using testing::runCli;
using testing::testPath;

constexpr int kEventWait_ms = 120000;
constexpr int kStopWait_ms = 120000;

struct Interrupted {
  bool interrupted = false;  // the awaited events came and SIGINT was sent
  QProcess::ExitStatus exitStatus = QProcess::CrashExit;
  int exitCode = -1;
  QByteArray out;
  QByteArray err;
};

// Runs attune-cli with `arguments`, sends it SIGINT once `count` JSON events named `event` are on its
// stdout, and waits for it to end.
Interrupted interruptAfter(const QStringList& arguments, const std::string& event, int count) {
  QProcess process;
  process.start(testPath("ATTUNE_CLI_PATH"), arguments);
  Interrupted result;
  int seen = 0;
  while (seen < count && process.waitForReadyRead(kEventWait_ms)) {
    while (process.canReadLine()) {
      const QByteArray line = process.readLine();
      result.out += line;
      const auto json = nlohmann::json::parse(line.toStdString(), nullptr, false);
      if (json.is_object() && json.value("event", std::string()) == event) ++seen;
    }
  }
  if (seen >= count && process.state() == QProcess::Running) {
    result.interrupted = attune::testing::signalIfRunning(process, SIGINT);
  }
  if (!process.waitForFinished(kStopWait_ms)) process.kill();
  result.out += process.readAllStandardOutput();
  result.err = process.readAllStandardError();
  result.exitStatus = process.exitStatus();
  result.exitCode = process.exitCode();
  return result;
}

}  // namespace

class TestCliInterrupt : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_project;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString data = m_dir.filePath(QStringLiteral("data"));
    testing::writeTinyDataset(data, 2, 8);
    m_project = m_dir.filePath(QStringLiteral("interrupt.attune"));
    const auto created = runCli({QStringLiteral("new"), m_project, QStringLiteral("--task"),
                                 QStringLiteral("image"), QStringLiteral("--data"), data,
                                 QStringLiteral("--set"), QStringLiteral("model.input_size=32"),
                                 QStringLiteral("--set"), QStringLiteral("batch_size=4")});
    QVERIFY2(created.exitCode == 0, created.err.constData());
  }

  void ctrlCStopsTrainingAfterAStep() {
    // Far more epochs than the test waits for: only Ctrl-C ends this run in time.
    const auto result = interruptAfter({QStringLiteral("train"), m_project, QStringLiteral("--json"),
                                        QStringLiteral("--set"), QStringLiteral("epochs=1000")},
                                       "step", 1);
    QVERIFY2(result.interrupted, result.err.constData());
    QCOMPARE(result.exitStatus, QProcess::NormalExit);  // not killed by the signal
    QCOMPARE(result.exitCode, 1);                       // a stopped run is not a finished one
    const auto events = jsonLines(result.out);
    QVERIFY(!events.empty());
    const auto& done = events.back();
    QCOMPARE(done["event"].get<std::string>(), std::string("done"));
    QCOMPARE(done["status"].get<std::string>(), std::string("stopped"));
    QVERIFY(done["epochs_completed"].get<int>() < 1000);
    // The stopped run is in the project, so that `train --resume` can find it.
    QFile file(m_project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(file.readAll().toStdString());
    QCOMPARE(document["runs"].size(), size_t(1));
    QVERIFY(document["runs"][0]["id"] == done["run_id"]);
    QCOMPARE(document["runs"][0]["status"].get<std::string>(), std::string("stopped"));
  }

  // Stopped after its first step, the test has too few points for a suggestion and says so: it ended
  // there instead of running its 10000 steps.
  void ctrlCEndsTheLrFinderEarly() {
    const auto result = interruptAfter({QStringLiteral("lr-find"), m_project, QStringLiteral("--steps"),
                                        QStringLiteral("10000"), QStringLiteral("--json")},
                                       "point", 1);
    QVERIFY2(result.interrupted, result.err.constData());
    QCOMPARE(result.exitStatus, QProcess::NormalExit);
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("The learning-rate test stopped after"), result.err.constData());
    QCOMPARE(result.err.count('\n'), 1);
    const auto events = jsonLines(result.out);
    QVERIFY(!events.empty());
    QCOMPARE(events.back()["event"].get<std::string>(), std::string("error"));
    int points = 0;
    for (const auto& e : events)
      if (e["event"] == "point") ++points;
    QVERIFY(points < 10);
  }
};

QTEST_GUILESS_MAIN(TestCliInterrupt)
#include "test_cli_interrupt.moc"
