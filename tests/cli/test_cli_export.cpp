// attune-cli export as a user runs it, after real (tiny) training runs: a picked epoch's model leaves
// the project as a folder that attune-cli predict answers from exactly as the run's own model does,
// that torchvision loads with every name and shape matching, and that a text model carries what it
// is built from; bad destinations and damaged or newer exports are refused with a reason.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "core/eval/Predictor.h"
#include "core/eval/SavedRun.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TinyTexts.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <functional>

#include <sys/stat.h>

using namespace attune;
using testing::jsonLines;
using testing::runCli;

namespace {

QByteArray contentOf(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

nlohmann::json manifestOf(const QString& exportDirectory) {
  return nlohmann::json::parse(
      contentOf(exportDirectory + QStringLiteral("/attune-export.json")).toStdString());
}

// predict --json's probabilities per item, in the model's class order.
std::vector<std::vector<double>> predictedRows(const QByteArray& out, const QStringList& classes) {
  std::vector<std::vector<double>> rows;
  for (const auto& line : jsonLines(out)) {
    if (line["event"] != "prediction") continue;
    std::vector<double> row;
    for (const QString& name : classes)
      row.push_back(line["probabilities"][name.toStdString()].get<double>());
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

class TestCliExport : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  // Trains `project` with `settings`; the "done" event.
  static nlohmann::json train(const QString& project, const QStringList& settings) {
    QStringList arguments = {QStringLiteral("train"), project, QStringLiteral("--json")};
    for (const QString& setting : settings) arguments << QStringLiteral("--set") << setting;
    const auto result = runCli(arguments);
    if (result.exitCode != 0) qWarning("%s", result.err.constData());
    const auto events = jsonLines(result.out);
    return events.empty() ? nlohmann::json() : events.back();
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  // An image run that keeps every epoch: epoch 1's model exported is epoch 1's checkpoint, unchanged,
  // described by a manifest that matches the run; predict on the export answers as the run's own
  // epoch-1 model; torchvision loads it strictly and agrees.
  void exportedEpochPredictsAsTheRunAndTorchvisionLoadsIt() {
    const QString images = m_dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(images, 2, 6);
    const QString project = m_dir.filePath(QStringLiteral("images.attune"));
    const auto created =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
                QStringLiteral("--data"), images, QStringLiteral("--model"), QStringLiteral("resnet18"),
                QStringLiteral("--set"), QStringLiteral("model.input_size=32")});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const auto done = train(project, {QStringLiteral("epochs=2"), QStringLiteral("batch_size=4"),
                                      QStringLiteral("augment.random_resized_crop=false"),
                                      QStringLiteral("checkpoint.every_epoch=true")});
    QCOMPARE(done.value("event", std::string()), std::string("done"));
    const QString runId = QString::fromStdString(done["run_id"].get<std::string>());
    const QString runDir = QString::fromStdString(done["run_dir"].get<std::string>());

    const QString out = m_dir.filePath(QStringLiteral("exports/epoch-1"));
    const auto exported = runCli({QStringLiteral("export"), project, QStringLiteral("--run"), runId,
                                  QStringLiteral("--checkpoint"), QStringLiteral("1"),
                                  QStringLiteral("--out"), out, QStringLiteral("--json")});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    const auto summary = jsonLines(exported.out).back();
    QCOMPARE(summary["event"].get<std::string>(), std::string("done"));
    QCOMPARE(summary["epoch"].get<int>(), 1);
    QCOMPARE(summary["run"].get<std::string>(), runId.toStdString());
    QCOMPARE(QDir(out).entryList(QDir::Files, QDir::Name),
             (QStringList{QStringLiteral("README.txt"), QStringLiteral("attune-export.json"),
                          QStringLiteral("labels.txt"), QStringLiteral("model.safetensors")}));
    QVERIFY(!QDir(out).exists(QStringLiteral("base")));
    // Nothing is left of the folder it was written in.
    QCOMPARE(QDir(m_dir.filePath(QStringLiteral("exports")))
                 .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("epoch-1")});

    const QByteArray weights = contentOf(out + QStringLiteral("/model.safetensors"));
    QVERIFY(!weights.isEmpty());
    QCOMPARE(weights, contentOf(runDir + QStringLiteral("/epoch-1.safetensors")));
    QCOMPARE(contentOf(out + QStringLiteral("/labels.txt")), QByteArray("class_0\nclass_1\n"));
    const auto manifest = manifestOf(out);
    QCOMPARE(manifest["format"].get<std::string>(), std::string("attune-export"));
    QCOMPARE(manifest["format_version"].get<int>(), 1);
    QCOMPARE(manifest["task"].get<std::string>(), std::string("image"));
    QCOMPARE(manifest["architecture"].get<std::string>(), std::string("resnet18"));
    QCOMPARE(manifest["epoch"].get<int>(), 1);
    QCOMPARE(manifest["input"]["size"].get<int>(), 32);
    QCOMPARE(manifest["config"]["model"]["weights"].get<std::string>(), std::string());
    QCOMPARE(manifest["source"]["run_id"].get<std::string>(), runId.toStdString());
    QCOMPARE(manifest["source"]["checkpoint"].get<std::string>(), std::string("epoch-1.safetensors"));
    const auto run = readSavedRun(runDir);
    QVERIFY(run.ok());
    QCOMPARE(manifest["source"]["data_version"].get<std::string>(), run->dataVersion.toStdString());
    QVERIFY(std::abs(manifest["validation"]["accuracy"].get<double>() - run->epoch(1)->valAccuracy) < 1e-12);

    // The export answers as the run's own epoch-1 model, without the project.
    const QString folder = QDir(images).filePath(QStringLiteral("class_1"));
    const auto predicted = runCli({QStringLiteral("predict"), out, folder, QStringLiteral("--json")});
    QVERIFY2(predicted.exitCode == 0, predicted.err.constData());
    const QStringList classes = {QStringLiteral("class_0"), QStringLiteral("class_1")};
    const auto fromExport = predictedRows(predicted.out, classes);
    auto predictor = Predictor::openRun(runDir, {QStringLiteral("1")});
    QVERIFY(predictor.ok());
    QCOMPARE((*predictor)->checkpointEpoch(), 1);
    QStringList paths;
    for (const QString& name : QDir(folder).entryList(QDir::Files, QDir::Name))
      paths << QDir(folder).filePath(name);
    const auto fromRun = (*predictor)->predictImages(paths);
    QVERIFY(fromRun.ok());
    QCOMPARE(fromExport.size(), fromRun->size());
    for (size_t i = 0; i < fromRun->size(); ++i)
      for (size_t c = 0; c < 2; ++c) QVERIFY(std::abs(fromExport[i][c] - (*fromRun)[i][c]) < 1e-6);

    // torchvision builds resnet18 for two classes and loads the export with strict=True; on images
    // that need no resampling it gives what Attune gives.
    QProcess python;
    python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                 {attune::testing::testPath("ATTUNE_SOURCE_DIR") +
                      QStringLiteral("/tests/cli/torchvision_reads_export.py"),
                  out, m_dir.filePath(QStringLiteral("probes")), QStringLiteral("4")});
    QVERIFY(python.waitForFinished(300000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const auto reference = jsonLines(python.readAllStandardOutput());
    QCOMPARE(reference.size(), size_t(4));
    const auto probes = runCli(
        {QStringLiteral("predict"), out, m_dir.filePath(QStringLiteral("probes")), QStringLiteral("--json")});
    QVERIFY2(probes.exitCode == 0, probes.err.constData());
    const auto attune = predictedRows(probes.out, classes);
    QCOMPARE(attune.size(), size_t(4));
    for (size_t i = 0; i < 4; ++i)
      for (size_t c = 0; c < 2; ++c) {
        const double expected = reference[i]["probabilities"][c].get<double>();
        QVERIFY2(std::abs(attune[i][c] - expected) < 1e-4,
                 qPrintable(QStringLiteral("probe %1 class %2: Attune %3, torchvision %4")
                                .arg(i)
                                .arg(c)
                                .arg(attune[i][c])
                                .arg(expected)));
      }

    // Refused, with a reason: a folder with files in it, a file, an epoch the run did not keep, a bad
    // choice or format; predict --run on an export.
    const auto again = runCli({QStringLiteral("export"), project, QStringLiteral("--out"), out});
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains("already has files in it"), again.err.constData());
    QCOMPARE(contentOf(out + QStringLiteral("/model.safetensors")), weights);
    const auto onFile = runCli(
        {QStringLiteral("export"), project, QStringLiteral("--out"), out + QStringLiteral("/labels.txt")});
    QCOMPARE(onFile.exitCode, 1);
    QVERIFY2(onFile.err.contains("is a file"), onFile.err.constData());
    const auto notKept =
        runCli({QStringLiteral("export"), project, QStringLiteral("--checkpoint"), QStringLiteral("9"),
                QStringLiteral("--out"), m_dir.filePath(QStringLiteral("nine"))});
    QCOMPARE(notKept.exitCode, 1);
    QVERIFY2(notKept.err.contains("kept no model of epoch 9"), notKept.err.constData());
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("nine"))));
    QCOMPARE(runCli({QStringLiteral("export"), project, QStringLiteral("--checkpoint"),
                     QStringLiteral("first"), QStringLiteral("--out"), m_dir.filePath(QStringLiteral("x"))})
                 .exitCode,
             2);
    QCOMPARE(runCli({QStringLiteral("export"), project, QStringLiteral("--format"), QStringLiteral("tflite"),
                     QStringLiteral("--out"), m_dir.filePath(QStringLiteral("x"))})
                 .exitCode,
             2);
    QCOMPARE(runCli({QStringLiteral("export"), project}).exitCode, 2);
    const auto withRun = runCli({QStringLiteral("predict"), out, folder, QStringLiteral("--run"), runId});
    QCOMPARE(withRun.exitCode, 1);

    // The default is the best model, into an empty folder that already exists.
    const QString best = m_dir.filePath(QStringLiteral("exports/best"));
    QVERIFY(QDir().mkpath(best));
    const auto bestExport = runCli({QStringLiteral("export"), project, QStringLiteral("--out"), best});
    QVERIFY2(bestExport.exitCode == 0, bestExport.err.constData());
    QCOMPARE(contentOf(best + QStringLiteral("/model.safetensors")),
             contentOf(runDir + QStringLiteral("/best.safetensors")));
    QCOMPARE(manifestOf(best)["epoch"].get<int>(), run->bestEpoch());
  }

  // A k-fold run keeps no model of its own: its best fold's is exported, and named so.
  void kFoldRunExportsItsBestFold() {
    using namespace attune::testing::texts;
    const QString reviews = writeReviews(m_dir.filePath(QStringLiteral("folds.csv")), 20);
    const QString vectors = writeTinyVectors(m_dir.filePath(QStringLiteral("folds.safetensors")));
    const QString project = m_dir.filePath(QStringLiteral("folds.attune"));
    QCOMPARE(runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("text"),
                     QStringLiteral("--data"), reviews, QStringLiteral("--model"),
                     QStringLiteral("word_vectors"), QStringLiteral("--weights"), vectors})
                 .exitCode,
             0);
    const auto done =
        train(project, {QStringLiteral("epochs=2"), QStringLiteral("batch_size=8"),
                        QStringLiteral("kfold.folds=3"), QStringLiteral("model.max_tokens=16")});
    QCOMPARE(done.value("event", std::string()), std::string("done"));
    const QString runId = QString::fromStdString(done["run_id"].get<std::string>());
    const QString out = m_dir.filePath(QStringLiteral("folds-model"));
    const auto exported = runCli({QStringLiteral("export"), project, QStringLiteral("--out"), out,
                                  QStringLiteral("--check"), QStringLiteral("--json")});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    const auto events = jsonLines(exported.out);
    QCOMPARE(events.size(), size_t(2));
    const QString exportedRun = QString::fromStdString(events.front()["run"].get<std::string>());
    // The check runs the best fold's export on that fold's validation examples.
    QCOMPARE(events.back()["event"].get<std::string>(), std::string("check"));
    QVERIFY(events.back()["examples"].get<int>() > 0);
    QCOMPARE(events.back()["same_class"].get<int>(), events.back()["examples"].get<int>());
    QVERIFY2(exportedRun.startsWith(runId + QStringLiteral("/fold-")), qPrintable(exportedRun));
    const QString fold = exportedRun.section('/', 1);
    const QString runDir = QString::fromStdString(done["run_dir"].get<std::string>());
    QCOMPARE(contentOf(out + QStringLiteral("/model.safetensors")),
             contentOf(runDir + '/' + fold + QStringLiteral("/best.safetensors")));
    const auto predicted =
        runCli({QStringLiteral("predict"), out, QStringLiteral("--text"), QStringLiteral("great fun")});
    QVERIFY2(predicted.exitCode == 0, predicted.err.constData());
  }

  // A word-vector text model carries its word list: it still answers after the vectors file and the
  // project are gone, reads tables by the project's text column, and a newer or damaged export is
  // refused.
  void exportedTextModelNeedsNoProject() {
    using namespace attune::testing::texts;
    const QString reviews = writeReviews(m_dir.filePath(QStringLiteral("reviews.csv")), 20);
    const QString vectors = writeTinyVectors(m_dir.filePath(QStringLiteral("vectors.safetensors")));
    const QString project = m_dir.filePath(QStringLiteral("reviews.attune"));
    const auto created =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("text"),
                QStringLiteral("--data"), reviews, QStringLiteral("--model"), QStringLiteral("word_vectors"),
                QStringLiteral("--weights"), vectors});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const auto done =
        train(project, {QStringLiteral("epochs=8"), QStringLiteral("batch_size=8"),
                        QStringLiteral("optim.lr_head=2e-2"), QStringLiteral("optim.lr_backbone=2e-3"),
                        QStringLiteral("loss.label_smoothing=0"), QStringLiteral("model.max_tokens=16")});
    QCOMPARE(done.value("event", std::string()), std::string("done"));
    const QStringList texts = {QStringLiteral("great superb fun"), QStringLiteral("awful dull boring")};
    const auto before = runCli(
        QStringList{QStringLiteral("predict"), project, QStringLiteral("--text"), QStringLiteral("--json")} +
        texts);
    QVERIFY2(before.exitCode == 0, before.err.constData());

    const QString out = m_dir.filePath(QStringLiteral("reviews-model"));
    const auto exported = runCli({QStringLiteral("export"), project, QStringLiteral("--out"), out});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    QCOMPARE(contentOf(out + QStringLiteral("/base/vectors.safetensors")), contentOf(vectors));
    const auto manifest = manifestOf(out);
    QCOMPARE(manifest["task"].get<std::string>(), std::string("text"));
    QCOMPARE(manifest["config"]["model"]["weights"].get<std::string>(),
             std::string("base/vectors.safetensors"));
    QCOMPARE(manifest["input"]["max_tokens"].get<int>(), 16);

    // Without the project, its runs and the vectors file.
    const QString moved = m_dir.filePath(QStringLiteral("moved"));
    QVERIFY(QDir().mkpath(moved));
    for (const QString& name : {QStringLiteral("vectors.safetensors"), QStringLiteral("reviews.attune"),
                                QStringLiteral("runs"), QStringLiteral("reviews.csv")})
      QVERIFY(QDir().rename(m_dir.filePath(name), moved + '/' + name));
    const auto after = runCli(
        QStringList{QStringLiteral("predict"), out, QStringLiteral("--text"), QStringLiteral("--json")} +
        texts);
    QVERIFY2(after.exitCode == 0, after.err.constData());
    const QStringList classes = {QStringLiteral("neg"), QStringLiteral("pos")};
    const auto expected = predictedRows(before.out, classes);
    const auto actual = predictedRows(after.out, classes);
    QCOMPARE(actual.size(), size_t(2));
    for (size_t i = 0; i < 2; ++i)
      for (size_t c = 0; c < 2; ++c) QVERIFY(std::abs(actual[i][c] - expected[i][c]) < 1e-9);
    QCOMPARE(jsonLines(after.out)[0]["predicted"].get<std::string>(), std::string("pos"));
    QCOMPARE(jsonLines(after.out)[1]["predicted"].get<std::string>(), std::string("neg"));
    // A table is read by the project's text column.
    const auto table = runCli(
        {QStringLiteral("predict"), out, moved + QStringLiteral("/reviews.csv"), QStringLiteral("--json")});
    QVERIFY2(table.exitCode == 0, table.err.constData());
    QCOMPARE(jsonLines(table.out).back()["count"].get<int>(), 40);

    // A newer export, a damaged one, one that lost its weights.
    auto newer = manifest;
    newer["format_version"] = 99;
    QFile file(out + QStringLiteral("/attune-export.json"));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QByteArray::fromStdString(newer.dump()));
    file.close();
    const auto refused = runCli({QStringLiteral("predict"), out, QStringLiteral("--text"), texts[0]});
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains("newer Attune"), refused.err.constData());
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("{\"format\": \"attune-export\", \"format_vers");
    file.close();
    const auto damaged = runCli({QStringLiteral("predict"), out, QStringLiteral("--text"), texts[0]});
    QCOMPARE(damaged.exitCode, 1);
    QVERIFY2(damaged.err.contains("is damaged"), damaged.err.constData());
    // Fields of the wrong type (nlohmann's value() and get<>() threw a type_error on each, which ended
    // attune-cli with SIGABRT): a clear error naming the field, through attune-cli and the core call.
    const std::vector<std::pair<QString, std::function<void(nlohmann::json&)>>> wrongTypes = {
        {QStringLiteral("weights"), [](nlohmann::json& m) { m["weights"] = 5; }},
        {QStringLiteral("format"), [](nlohmann::json& m) { m["format"] = 7; }},
        {QStringLiteral("format_version"), [](nlohmann::json& m) { m["format_version"] = "1"; }},
        {QStringLiteral("source.run_id"), [](nlohmann::json& m) { m["source"]["run_id"] = 3; }},
        {QStringLiteral("source"), [](nlohmann::json& m) { m["source"] = "x"; }},
    };
    for (const auto& [key, mutate] : wrongTypes) {
      auto hostile = manifest;
      mutate(hostile);
      QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
      file.write(QByteArray::fromStdString(hostile.dump()));
      file.close();
      const auto wrong = runCli({QStringLiteral("predict"), out, QStringLiteral("--text"), texts[0]});
      QCOMPARE(wrong.exitCode, 1);
      QVERIFY2(
          wrong.err.contains(QByteArray(key.toUtf8() + " must be")) && !wrong.err.contains("internal error"),
          wrong.err.constData());
      auto opened = Predictor::openExport(out);
      QVERIFY(!opened.ok());
      QVERIFY2(opened.error().message.contains(key + QStringLiteral(" must be")),
               qPrintable(opened.error().message));
      QVERIFY(opened.error().message.contains(QStringLiteral("attune-export.json")));
    }
    // A named pipe in its place is refused at once instead of waiting for a writer (attune-cli then
    // takes the folder for no export at all, which is refused too).
    QVERIFY(QFile::remove(file.fileName()));
    QCOMPARE(::mkfifo(QFile::encodeName(file.fileName()).constData(), 0600), 0);
    const auto pipe = runCli({QStringLiteral("predict"), out, QStringLiteral("--text"), texts[0]},
                             QProcessEnvironment::systemEnvironment(), 20000);
    QCOMPARE(pipe.exitCode, 1);
    QVERIFY(!pipe.err.isEmpty());
    auto fromPipe = Predictor::openExport(out);
    QVERIFY(!fromPipe.ok());
    QVERIFY2(fromPipe.error().message.contains(QStringLiteral("named pipe")),
             qPrintable(fromPipe.error().message));
    QVERIFY(QFile::remove(file.fileName()));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QByteArray::fromStdString(manifest.dump()));
    file.close();
    QVERIFY(QFile::remove(out + QStringLiteral("/model.safetensors")));
    const auto lost = runCli({QStringLiteral("predict"), out, QStringLiteral("--text"), texts[0]});
    QCOMPARE(lost.exitCode, 1);
    QVERIFY2(lost.err.contains("lost its weights"), lost.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestCliExport)
#include "test_cli_export.moc"
