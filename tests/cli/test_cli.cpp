// attune-cli as a user runs it: a real process, its exit status, stdout and stderr.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "tests/support/ReferenceCheckpoint.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;

namespace {

using testing::jsonLines;
using testing::runCli;

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

  // Images still to be labelled (at the top of the folder, no class folder at all) make a project to
  // label in, with a note that it cannot be trained on yet.
  void newTakesAFolderStillToBeLabelled() {
    const QString data = m_dir.filePath(QStringLiteral("to-label"));
    testing::writeTinyDataset(data, 1, 3);
    const QDir classFolder(data + QStringLiteral("/class_0"));
    for (const QString& name : classFolder.entryList(QDir::Files))
      QVERIFY(QFile::rename(classFolder.filePath(name), data + QLatin1Char('/') + name));
    QVERIFY(QDir(data).rmdir(QStringLiteral("class_0")));
    const QString project = m_dir.filePath(QStringLiteral("to-label.attune"));
    const auto result = runCli({QStringLiteral("new"), project, QStringLiteral("--task"),
                                QStringLiteral("image"), QStringLiteral("--data"), data});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.out.contains("3 images without a class yet"), result.out.constData());
    QVERIFY2(result.out.contains("Not ready to train yet"), result.out.constData());
    QVERIFY(QFile::exists(project));
  }

  // A small CSV: quoted cells with commas and line breaks, an empty text, a row without a label.
  QString writeReviewsCsv() {
    const QString path = m_dir.filePath(QStringLiteral("reviews.csv"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return {};
    file.write(
        "id,review,sentiment\r\n1,\"Great, really great\",positive\r\n2,Dull.,negative\r\n"
        "3,\"Two\r\nlines\",positive\r\n4,,negative\r\n5,No label yet,\r\n6,Meh,negative\r\n");
    return path;
  }

  void newTextProjectFromCsv() {
    const QString data = writeReviewsCsv();
    const QString project = m_dir.filePath(QStringLiteral("reviews.attune"));
    const auto guessed =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("text"),
                QStringLiteral("--data"), data, QStringLiteral("--seed"), QStringLiteral("5")});
    QVERIFY2(guessed.exitCode == 0, guessed.err.constData());
    // The guess is printed, and so is the skipped row (line 6: row 3 spans lines 4-5).
    QVERIFY2(guessed.out.contains("Texts column: 'review'"), guessed.out.constData());
    QVERIFY(guessed.out.contains("Labels column: 'sentiment'"));
    QVERIFY(guessed.out.contains("line 6: the text is empty"));
    QFile file(project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(file.readAll().toStdString());
    QCOMPARE(document["task"].get<std::string>(), std::string("text_classification"));
    QVERIFY(document["classes"] == nlohmann::json({"negative", "positive"}));
    QCOMPARE(document["data"]["table"].get<std::string>(), std::string("reviews.csv"));
    QCOMPARE(document["data"]["table_format"].get<std::string>(), std::string("csv"));
    QCOMPARE(document["data"]["text_column"].get<std::string>(), std::string("review"));
    QCOMPARE(document["data"]["label_column"].get<std::string>(), std::string("sentiment"));
    QCOMPARE(document["data"]["split_seed"].get<int>(), 5);

    // Columns named explicitly: here the ids as labels (four classes).
    const auto named = runCli({QStringLiteral("new"), m_dir.filePath(QStringLiteral("reviews-by-id.attune")),
                               QStringLiteral("--task"), QStringLiteral("text"), QStringLiteral("--data"),
                               data, QStringLiteral("--text-column"), QStringLiteral("review"),
                               QStringLiteral("--label-column"), QStringLiteral("id")});
    QVERIFY2(named.exitCode == 0, named.err.constData());
    QVERIFY(!named.out.contains("guessed"));

    // A new text project starts with the word-vector model; without its vectors file, training says
    // what to choose instead of reading the table as an image folder.
    QCOMPARE(document["config"]["model"]["architecture"].get<std::string>(), std::string("word_vectors"));
    const auto train = runCli({QStringLiteral("train"), project});
    QCOMPARE(train.exitCode, 1);
    QVERIFY2(train.err.contains("needs a file of word vectors"), train.err.constData());
    QCOMPARE(train.err.count('\n'), 1);
  }

  void newTextProjectRefusesUnknownColumn() {
    const QString data = writeReviewsCsv();
    const QString project = m_dir.filePath(QStringLiteral("bad-column.attune"));
    const auto result =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("text"),
                QStringLiteral("--data"), data, QStringLiteral("--label-column"), QStringLiteral("stars")});
    QCOMPARE(result.exitCode, 2);
    QVERIFY(result.err.startsWith("attune-cli: "));
    QCOMPARE(result.err.count('\n'), 1);  // one line
    QVERIFY2(result.err.contains("'stars'") && result.err.contains("'id', 'review', 'sentiment'"),
             result.err.constData());
    QVERIFY(!QFile::exists(project));
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

  // An interrupted run (fault injection stops it after 3 steps) continues with `train --resume`
  // in the same run folder, and the project keeps one entry for it.
  void trainResumeContinuesAStoppedRun() {
    const QString data = m_dir.filePath(QStringLiteral("resume-data"));
    testing::writeTinyDataset(data, 2, 6);
    const QString project = m_dir.filePath(QStringLiteral("resume.attune"));
    QCOMPARE(runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
                     QStringLiteral("--data"), data, QStringLiteral("--set"),
                     QStringLiteral("model.input_size=32"), QStringLiteral("--set"),
                     QStringLiteral("epochs=2"), QStringLiteral("--set"), QStringLiteral("batch_size=4")})
                 .exitCode,
             0);
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ATTUNE_FAULT_STOP_AFTER_STEP"), QStringLiteral("3"));
    const auto stopped = runCli({QStringLiteral("train"), project, QStringLiteral("--json")}, environment);
    QCOMPARE(stopped.exitCode, 1);
    const auto first = jsonLines(stopped.out).back();
    QCOMPARE(first["status"].get<std::string>(), std::string("stopped"));
    const QString runId = QString::fromStdString(first["run_id"].get<std::string>());

    QCOMPARE(runCli({QStringLiteral("train"), project, QStringLiteral("--resume"), runId,
                     QStringLiteral("--set"), QStringLiteral("epochs=3")})
                 .exitCode,
             2);  // a resumed run keeps its settings
    const auto resumed = runCli(
        {QStringLiteral("train"), project, QStringLiteral("--resume"), runId, QStringLiteral("--json")});
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    const auto events = jsonLines(resumed.out);
    const auto& done = events.back();
    QCOMPARE(done["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(QString::fromStdString(done["run_id"].get<std::string>()), runId);
    QCOMPARE(done["epochs_completed"].get<int>(), 2);
    int firstStep = -1;
    for (const auto& e : events)
      if (e["event"] == "step" && firstStep < 0) firstStep = e["step"].get<int>();
    QCOMPARE(firstStep, 4);  // it went on after step 3
    QFile file(project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(file.readAll().toStdString());
    QCOMPARE(document["runs"].size(), size_t(1));
    QCOMPARE(document["runs"][0]["status"].get<std::string>(), std::string("finished"));
    const auto missing =
        runCli({QStringLiteral("train"), project, QStringLiteral("--resume"), QStringLiteral("nope")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains("no run nope"));
  }

  void lrFindSuggestsAndApplies() {
    const QString data = m_dir.filePath(QStringLiteral("lrfind-data"));
    testing::writeTinyDataset(data, 2, 8);
    const QString project = m_dir.filePath(QStringLiteral("lrfind.attune"));
    QCOMPARE(runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
                     QStringLiteral("--data"), data, QStringLiteral("--set"),
                     QStringLiteral("model.input_size=32"), QStringLiteral("--set"),
                     QStringLiteral("batch_size=4")})
                 .exitCode,
             0);
    const auto result = runCli({QStringLiteral("lr-find"), project, QStringLiteral("--steps"),
                                QStringLiteral("20"), QStringLiteral("--apply"), QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto events = jsonLines(result.out);
    int points = 0;
    for (const auto& e : events)
      if (e["event"] == "point") ++points;
    const auto& done = events.back();
    QCOMPARE(done["event"].get<std::string>(), std::string("done"));
    QCOMPARE(points, done["points"].get<int>());
    QVERIFY(points >= 10);
    const double suggested = done["suggested_lr"].get<double>();
    QVERIFY(suggested > 0.0);
    QVERIFY(!done["reason"].get<std::string>().empty());
    QFile file(project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(file.readAll().toStdString());
    QCOMPARE(document["config"]["optim"]["lr_head"].get<double>(), suggested);
    QCOMPARE(
        runCli({QStringLiteral("lr-find"), project, QStringLiteral("--steps"), QStringLiteral("3")}).exitCode,
        2);
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
    QCOMPARE(info[0]["metadata"]["source_format"].get<std::string>(), std::string("pytorch-zip"));
    QCOMPARE(info[0]["metadata"]["state_dict_key"].get<std::string>(), std::string("state_dict"));

    const auto refused = runCli({QStringLiteral("inspect"), evil});
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains("system"), refused.err.constData());
    QVERIFY(!QFile::exists(marker));
  }

  // A torchvision state_dict saved by torch.save: imported to safetensors with its provenance, and
  // used directly as the pre-trained weights of a run.
  void importWeightsAndTrainFromATorchvisionCheckpoint() {
    const QString pth = m_dir.filePath(QStringLiteral("resnet18.pth"));
    const QString written = testing::writeTorchvisionCheckpoint(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                                                                QStringLiteral("resnet18"), pth);
    QVERIFY2(written.isEmpty(), qPrintable(written));

    const QString converted = m_dir.filePath(QStringLiteral("resnet18.safetensors"));
    const auto imported = runCli({QStringLiteral("import-weights"), pth, QStringLiteral("--out"), converted,
                                  QStringLiteral("--json")});
    QVERIFY2(imported.exitCode == 0, imported.err.constData());
    const auto done = jsonLines(imported.out);
    QCOMPARE(done.size(), size_t(1));
    QCOMPARE(done[0]["tensor_count"].get<int>(), 122);
    QFile source(pth);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray digest = QCryptographicHash::hash(source.readAll(), QCryptographicHash::Sha256).toHex();
    const auto inspected =
        jsonLines(runCli({QStringLiteral("inspect"), converted, QStringLiteral("--json")}).out);
    QCOMPARE(inspected.size(), size_t(1));
    QCOMPARE(QByteArray::fromStdString(inspected[0]["metadata"]["attune.source_sha256"].get<std::string>()),
             digest);
    QCOMPARE(inspected[0]["metadata"]["attune.source_format"].get<std::string>(), std::string("pytorch-zip"));
    QCOMPARE(inspected[0]["parameter_count"].get<int64_t>(), int64_t(11689512));  // torchvision's ResNet-18

    const QString data = m_dir.filePath(QStringLiteral("pretrained-data"));
    testing::writeTinyDataset(data, 2, 4);
    const QString project = m_dir.filePath(QStringLiteral("pretrained.attune"));
    QCOMPARE(runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
                     QStringLiteral("--data"), data, QStringLiteral("--weights"), pth,
                     QStringLiteral("--set"), QStringLiteral("model.input_size=32")})
                 .exitCode,
             0);
    const auto trained =
        runCli({QStringLiteral("train"), project, QStringLiteral("--json"), QStringLiteral("--set"),
                QStringLiteral("epochs=1"), QStringLiteral("--set"), QStringLiteral("batch_size=4")});
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    bool reportedLoad = false;
    for (const auto& event : jsonLines(trained.out)) {
      if (event["event"] == "warning")
        QVERIFY2(!QString::fromStdString(event["message"].get<std::string>())
                      .contains(QLatin1String("random weights")),
                 "a run with weights must not start from random weights");
      if (event["event"] == "info" && QString::fromStdString(event["message"].get<std::string>())
                                          .contains(QLatin1String("new final layer")))
        reportedLoad = true;  // the load report tells of the new head
    }
    QVERIFY(reportedLoad);
  }

  // A small TF.js layers export (model.json + a shard with a float32 and a uint8-quantised weight):
  // inspected, and imported to safetensors with its Keras topology and provenance.
  void importWeightsFromATfjsExport() {
    const QString folder = m_dir.filePath(QStringLiteral("tfjs-export"));
    QVERIFY(QDir().mkpath(folder));
    const nlohmann::json layers = nlohmann::json::array(
        {{{"class_name", "Dense"},
          {"config", {{"name", "dense"}, {"units", 2}, {"batch_input_shape", {nullptr, 3}}}}}});
    const nlohmann::json model{
        {"format", "layers-model"},
        {"generatedBy", "keras v2.4.0"},
        {"modelTopology",
         {{"class_name", "Sequential"},
          {"config", {{"name", "s"}, {"layers", layers}}},
          {"keras_version", "2.4.0"}}},
        {"weightsManifest",
         {{{"paths", {"group1-shard1of1.bin"}},
           {"weights",
            {{{"name", "dense/kernel"}, {"shape", {3, 2}}, {"dtype", "float32"}},
             {{"name", "dense/bias"},
              {"shape", {2}},
              {"dtype", "float32"},
              {"quantization", {{"dtype", "uint8"}, {"min", -1.0}, {"scale", 0.5}}}}}}}}}};
    QFile json(folder + "/model.json");
    QVERIFY(json.open(QIODevice::WriteOnly));
    json.write(QByteArray::fromStdString(model.dump()));
    json.close();
    QFile shard(folder + "/group1-shard1of1.bin");
    QVERIFY(shard.open(QIODevice::WriteOnly));
    const float kernel[6] = {1, 2, 3, 4, 5, 6};
    shard.write(reinterpret_cast<const char*>(kernel), sizeof kernel);  // little-endian hosts only
    shard.write("\x00\x04", 2);                                         // bias: -1 + 0.5 q = -1, 1
    shard.close();

    const auto inspected = runCli({QStringLiteral("inspect"), folder, QStringLiteral("--json")});
    QVERIFY2(inspected.exitCode == 0, inspected.err.constData());
    const auto info = jsonLines(inspected.out);
    QCOMPARE(info.size(), size_t(1));
    QCOMPARE(info[0]["tensor_count"].get<int>(), 2);
    QCOMPARE(info[0]["parameter_count"].get<int>(), 8);
    QCOMPARE(info[0]["metadata"]["source_format"].get<std::string>(), std::string("tfjs-layers"));

    const QString converted = m_dir.filePath(QStringLiteral("tfjs.safetensors"));
    const auto imported = runCli({QStringLiteral("import-weights"), folder, QStringLiteral("--out"),
                                  converted, QStringLiteral("--json")});
    QVERIFY2(imported.exitCode == 0, imported.err.constData());
    const auto done = jsonLines(imported.out);
    QCOMPARE(done.size(), size_t(1));
    QCOMPARE(done[0]["source_format"].get<std::string>(), std::string("tfjs-layers"));
    const auto reread =
        jsonLines(runCli({QStringLiteral("inspect"), converted, QStringLiteral("--json")}).out);
    QCOMPARE(reread.size(), size_t(1));
    QCOMPARE(reread[0]["tensor_count"].get<int>(), 2);
    QCOMPARE(reread[0]["dtypes"]["F32"].get<int>(), 8);
    const auto& metadata = reread[0]["metadata"];
    QCOMPARE(metadata["keras_version"].get<std::string>(), std::string("2.4.0"));
    QCOMPARE(metadata["generated_by"].get<std::string>(), std::string("keras v2.4.0"));
    QCOMPARE(metadata["attune.source_format"].get<std::string>(), std::string("tfjs-layers"));
    const auto topology = nlohmann::json::parse(metadata["keras_model_topology"].get<std::string>());
    QCOMPARE(topology["config"]["layers"][0]["config"]["name"].get<std::string>(), std::string("dense"));

    // A shard cut short is refused with a reason.
    QVERIFY(shard.open(QIODevice::WriteOnly | QIODevice::Truncate));
    shard.write(reinterpret_cast<const char*>(kernel), sizeof kernel);
    shard.close();
    const auto damaged = runCli({QStringLiteral("inspect"), folder});
    QCOMPARE(damaged.exitCode, 1);
    QVERIFY(damaged.err.contains("cut short"));
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
