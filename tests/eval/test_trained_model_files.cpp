// TrainedModelFiles: what an exported model's manifest (attune-export.json) and a run's config.json
// must say before Predictor builds a model from them. Hostile manifests are refused with a message
// naming the folder or field; a good one gives the settings and the weights inside the folder.

#include "core/eval/ModelExportFormat.h"
#include "core/eval/TrainedModelFiles.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using nlohmann::json;

namespace {

json goodManifest() {
  return {{"format", "attune-export"},
          {"format_version", 1},
          {"classes", {"cat", "dog"}},
          {"weights", "model.safetensors"},
          {"config", {{"model", {{"architecture", "resnet18"}, {"input_size", 64}}}}},
          {"source", {{"run_id", "2026-12-01_10-00-00"}}}};
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestTrainedModelFiles : public QObject {
  Q_OBJECT

  QTemporaryDir root_;
  QString exportDir_;

  void writeManifest(const json& manifest) {
    QVERIFY(writeFile(QDir(exportDir_).filePath(QLatin1String(kModelExportManifest)),
                      QByteArray::fromStdString(manifest.dump())));
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(root_.isValid());
    exportDir_ = root_.filePath(QStringLiteral("export"));
    QVERIFY(QDir().mkpath(exportDir_));
    QVERIFY(writeFile(QDir(exportDir_).filePath(QStringLiteral("model.safetensors")), "weights"));
    QVERIFY(writeFile(root_.filePath(QStringLiteral("outside.safetensors")), "not the export's"));
    QVERIFY(QFile::link(root_.filePath(QStringLiteral("outside.safetensors")),
                        QDir(exportDir_).filePath(QStringLiteral("link.safetensors"))));
  }

  void aGoodManifestGivesSettingsAndWeights() {
    writeManifest(goodManifest());
    auto manifest = readModelExportManifest(exportDir_);
    QVERIFY2(manifest.ok(), manifest.ok() ? "" : qPrintable(manifest.error().text()));
    QCOMPARE(manifest->settings.classes, QStringList({QStringLiteral("cat"), QStringLiteral("dog")}));
    QCOMPARE(manifest->settings.runId, QStringLiteral("2026-12-01_10-00-00"));
    QCOMPARE(manifest->settings.config.architecture, QStringLiteral("resnet18"));
    QCOMPARE(manifest->settings.config.inputSize, std::optional<int>(64));
    QCOMPARE(manifest->weightsFile, QDir(exportDir_).absoluteFilePath(QStringLiteral("model.safetensors")));
  }

  void aRelativeBaseIsFoundInTheExport() {
    json manifest = goodManifest();
    manifest["config"]["model"]["weights"] = "base/vectors.txt";
    writeManifest(manifest);
    auto read = readModelExportManifest(exportDir_);
    QVERIFY(read.ok());
    QCOMPARE(read->settings.config.weightsPath,
             QDir(exportDir_).absoluteFilePath(QStringLiteral("base/vectors.txt")));
  }

  void hostileManifestsAreRefused_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("named");  // what the message must name
    auto with = [](const char* key, json value) {
      json manifest = goodManifest();
      manifest[key] = std::move(value);
      return QByteArray::fromStdString(manifest.dump());
    };
    auto config = [](json model) {
      json manifest = goodManifest();
      manifest["config"]["model"] = std::move(model);
      return QByteArray::fromStdString(manifest.dump());
    };
    QTest::newRow("not JSON") << QByteArray("{\"format\":") << int(ErrorCode::BadFormat) << "damaged";
    QTest::newRow("nested 100 deep") << QByteArray(100, '[') << int(ErrorCode::BadFormat) << "damaged";
    QTest::newRow("another program's")
        << with("format", "onnx") << int(ErrorCode::BadFormat) << "not an Attune";
    QTest::newRow("newer") << with("format_version", 2) << int(ErrorCode::NewerFormat) << "newer Attune";
    QTest::newRow("version above 2^31")
        << with("format_version", 4294967297LL) << int(ErrorCode::NewerFormat) << "newer Attune";
    QTest::newRow("version 0") << with("format_version", 0) << int(ErrorCode::BadFormat)
                               << "format_version 0";
    QTest::newRow("version as text") << with("format_version", "1") << int(ErrorCode::BadValue)
                                     << "format_version";
    QTest::newRow("weights a number") << with("weights", 7) << int(ErrorCode::BadValue) << "weights";
    QTest::newRow("run id a number") << with("source", {{"run_id", 12}}) << int(ErrorCode::BadValue)
                                     << "source.run_id";
    QTest::newRow("one class") << with("classes", {"cat"}) << int(ErrorCode::BadFormat) << "fewer than two";
    QTest::newRow("class a number") << with("classes", {"cat", 2}) << int(ErrorCode::BadFormat)
                                    << "class list";
    QTest::newRow("image size 0") << config({{"architecture", "resnet18"}, {"input_size", 0}})
                                  << int(ErrorCode::BadValue) << "not valid";
    QTest::newRow("image size a million") << config({{"architecture", "resnet18"}, {"input_size", 1000000}})
                                          << int(ErrorCode::BadValue) << "not valid";
    QTest::newRow("weights outside") << with("weights", "../outside.safetensors")
                                     << int(ErrorCode::FileNotFound) << "lost its weights";
    QTest::newRow("weights absolute")
        << with("weights", "/etc/passwd") << int(ErrorCode::FileNotFound) << "lost its weights";
    QTest::newRow("a link leading outside")
        << with("weights", "link.safetensors") << int(ErrorCode::FileNotFound) << "lost its weights";
    QTest::newRow("weights missing") << with("weights", "gone.safetensors") << int(ErrorCode::FileNotFound)
                                     << "lost its weights";
    QTest::newRow("weights a folder")
        << with("weights", ".") << int(ErrorCode::FileNotFound) << "lost its weights";
  }
  void hostileManifestsAreRefused() {
    QFETCH(QByteArray, text);
    QFETCH(int, code);
    QFETCH(QString, named);
    QVERIFY(writeFile(QDir(exportDir_).filePath(QLatin1String(kModelExportManifest)), text));
    auto manifest = readModelExportManifest(exportDir_);
    QVERIFY(!manifest.ok());
    QCOMPARE(int(manifest.error().code), code);
    QVERIFY2(manifest.error().text().contains(named), qPrintable(manifest.error().text()));
    QVERIFY(!manifest.error().hint.isEmpty());
  }

  void aFolderWithoutManifestIsNotAnExport() {
    auto manifest = readModelExportManifest(root_.path());
    QVERIFY(!manifest.ok());
    QCOMPARE(manifest.error().code, ErrorCode::FileNotFound);
    QVERIFY(manifest.error().message.contains(QStringLiteral("not an exported Attune model")));
  }

  void aRunsSettingsAreReadAndChecked() {
    const QString run = root_.filePath(QStringLiteral("runs/r1"));
    QVERIFY(QDir().mkpath(run));
    json config = {{"classes", {"a", "b", "c"}}, {"config", {{"model", {{"architecture", "mobilenet_v2"}}}}}};
    QVERIFY(writeFile(QDir(run).filePath(QStringLiteral("config.json")),
                      QByteArray::fromStdString(config.dump())));
    auto settings = readRunModelSettings(run);
    QVERIFY(settings.ok());
    QCOMPARE(settings->runId, QStringLiteral("r1"));  // the folder's name when config.json has none
    QCOMPARE(settings->classes.size(), 3);
    config["config"]["epochs"] = -1;
    QVERIFY(writeFile(QDir(run).filePath(QStringLiteral("config.json")),
                      QByteArray::fromStdString(config.dump())));
    settings = readRunModelSettings(run);
    QVERIFY(!settings.ok());
    QVERIFY2(settings.error().message.contains(QStringLiteral("not valid")),
             qPrintable(settings.error().text()));
    QVERIFY(!readRunModelSettings(root_.filePath(QStringLiteral("runs"))).ok());
  }
};

QTEST_GUILESS_MAIN(TestTrainedModelFiles)
#include "test_trained_model_files.moc"
