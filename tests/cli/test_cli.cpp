// attune-cli as a user runs it: a real process, its exit status, stdout and stderr.

#include "../training/TinyDataset.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;

namespace {

struct CliResult {
  int exitCode = -1;
  QByteArray out;
  QByteArray err;
};

CliResult runCli(const QStringList& arguments, int timeout_ms = 600000) {
  QProcess process;
  process.start(QStringLiteral(ATTUNE_CLI_PATH), arguments);
  if (!process.waitForFinished(timeout_ms)) process.kill();
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          process.readAllStandardOutput(), process.readAllStandardError()};
}

std::vector<nlohmann::json> jsonLines(const QByteArray& out) {
  std::vector<nlohmann::json> lines;
  for (const QByteArray& line : out.split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    lines.push_back(nlohmann::json::parse(line.toStdString()));  // throws (fails the test) on non-JSON
  }
  return lines;
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void versionPrintsVersions() {
    const auto result = runCli({QStringLiteral("--version")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.startsWith("attune-cli " ATTUNE_VERSION));
    QVERIFY(result.out.contains("LibTorch"));
  }

  void badUsageExitsWithTwo_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("no command") << QStringList{};
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")};
    QTest::newRow("new without data") << QStringList{QStringLiteral("new"), QStringLiteral("x.attune")};
    QTest::newRow("train without project") << QStringList{QStringLiteral("train")};
    QTest::newRow("unknown setting") << QStringList{QStringLiteral("train"), QStringLiteral("x.attune"),
                                                    QStringLiteral("--set"), QStringLiteral("nonsense=1")};
  }
  void badUsageExitsWithTwo() {
    QFETCH(QStringList, arguments);
    // "unknown setting" needs an existing project to reach the --set check.
    if (arguments.size() > 1 && arguments[1] == QLatin1String("x.attune") &&
        arguments[0] == QLatin1String("train")) {
      const QString data = m_dir.filePath(QStringLiteral("usage-data"));
      testing::writeTinyDataset(data, 2, 3);
      const QString project = m_dir.filePath(QStringLiteral("x.attune"));
      QCOMPARE(runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
                       QStringLiteral("--data"), data, QStringLiteral("--force")})
                   .exitCode,
               0);
      arguments[1] = project;
    }
    const auto result = runCli(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY(!result.err.isEmpty());
  }

  void newRefusesOneClassFolderWithAReason() {
    const QString data = m_dir.filePath(QStringLiteral("one-class"));
    testing::writeTinyDataset(data, 1, 3);
    const auto result =
        runCli({QStringLiteral("new"), m_dir.filePath(QStringLiteral("one.attune")), QStringLiteral("--task"),
                QStringLiteral("image"), QStringLiteral("--data"), data});
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.err.startsWith("attune-cli: "));
    QCOMPARE(result.err.count('\n'), 1);  // one line
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("one.attune"))));
  }

  void newThenTrainJsonEndsWithDone() {
    const QString data = m_dir.filePath(QStringLiteral("train-data"));
    testing::writeTinyDataset(data, 2, 4);
    const QString project = m_dir.filePath(QStringLiteral("train.attune"));
    auto created =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
                QStringLiteral("--data"), data, QStringLiteral("--model"), QStringLiteral("resnet18"),
                QStringLiteral("--set"), QStringLiteral("model.input_size=32")});
    QCOMPARE(created.exitCode, 0);
    QVERIFY(QFile::exists(project));

    const auto result =
        runCli({QStringLiteral("train"), project, QStringLiteral("--json"), QStringLiteral("--set"),
                QStringLiteral("epochs=2"), QStringLiteral("--set"), QStringLiteral("batch_size=4")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto events = jsonLines(result.out);
    QVERIFY(!events.empty());
    int steps = 0, epochs = 0;
    for (const auto& event : events) {
      QVERIFY(event.contains("event"));
      if (event["event"] == "step") ++steps;
      if (event["event"] == "epoch") ++epochs;
    }
    QVERIFY(steps > 0);
    QCOMPARE(epochs, 2);
    const auto& done = events.back();
    QCOMPARE(done["event"].get<std::string>(), std::string("done"));
    QCOMPARE(done["status"].get<std::string>(), std::string("finished"));
    QVERIFY(done["best_val_accuracy"].is_number());
    const QString checkpoint = QString::fromStdString(done["checkpoint"].get<std::string>());
    QVERIFY(QFile::exists(checkpoint));
    QVERIFY(
        QFile::exists(QDir(QFileInfo(project).absolutePath())
                          .filePath(QStringLiteral("runs/%1/metrics.csv")
                                        .arg(QString::fromStdString(done["run_id"].get<std::string>())))));

    // --set applied to the run only; the project records the run.
    QFile file(project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(file.readAll().toStdString());
    QCOMPARE(document["config"]["epochs"].get<int>(), 5);
    QCOMPARE(document["runs"].size(), size_t(1));
    QVERIFY(document["runs"][0]["id"] == done["run_id"]);

    const auto inspected = runCli({QStringLiteral("inspect"), checkpoint, QStringLiteral("--json")});
    QCOMPARE(inspected.exitCode, 0);
    const auto info = jsonLines(inspected.out);
    QCOMPARE(info.size(), size_t(1));
    QCOMPARE(info[0]["parameter_count"].get<int64_t>(), int64_t(11177538));  // ResNet-18 with a 2-class head
    QCOMPARE(info[0]["metadata"]["attune.architecture"].get<std::string>(), std::string("resnet18"));
  }

  void inspectReadsATorchSaveCheckpointWithoutRunningIt() {
    const QString good = m_dir.filePath(QStringLiteral("weights.pth"));
    const QString evil = m_dir.filePath(QStringLiteral("evil.pth"));
    const QString marker = m_dir.filePath(QStringLiteral("MARKER"));
    QProcess python;
    python.start(
        QStringLiteral(ATTUNE_REFERENCE_PYTHON),
        {QStringLiteral("-c"),
         QStringLiteral(
             "import os, sys, torch\n"
             "torch.save({'state_dict': {'w': torch.arange(6.).reshape(2, 3)}, 'epoch': 3}, sys.argv[1])\n"
             "class Evil:\n"
             "    def __reduce__(self): return (os.system, ('touch ' + sys.argv[3],))\n"
             "torch.save({'w': Evil()}, sys.argv[2])\n"),
         good, evil, marker});
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());

    const auto result = runCli({QStringLiteral("inspect"), good, QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto info = jsonLines(result.out);
    QCOMPARE(info.size(), size_t(1));
    QCOMPARE(info[0]["tensor_count"].get<int>(), 1);
    QCOMPARE(info[0]["parameter_count"].get<int64_t>(), int64_t(6));
    QCOMPARE(info[0]["metadata"]["format"].get<std::string>(), std::string("pytorch-zip"));
    QCOMPARE(info[0]["metadata"]["state_dict_key"].get<std::string>(), std::string("state_dict"));

    const auto refused = runCli({QStringLiteral("inspect"), evil});
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains("system"), refused.err.constData());
    QVERIFY(!QFile::exists(marker));
  }

  void inspectRefusesADamagedFile() {
    const QString path = m_dir.filePath(QStringLiteral("damaged.safetensors"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\xff\xff\xff\xff\xff\xff\x00\x00{not json", 17);
    file.close();
    const auto result = runCli({QStringLiteral("inspect"), path});
    QCOMPARE(result.exitCode, 1);
    QVERIFY(!result.err.isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
