// attune-cli export --format onnx|huggingface and --check, after real (tiny) runs: model.onnx is added
// to the Attune folder, passes python3-onnx's checker, carries the classes and the preprocessing in its
// metadata, and --check runs it in ONNX Runtime on the run's validation examples, where it gives the
// run's own answers; without ONNX Runtime the check says so; a Hugging Face folder is refused for a
// model that is not BERT or DistilBERT, leaving nothing behind.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "core/eval/SavedRun.h"
#include "tests/support/OnnxRuntime.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TinyTexts.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using testing::environmentWith;
using testing::jsonLines;
using testing::runCli;

namespace {

// The events of `export ... --json`: "done" then "check".
nlohmann::json eventOf(const QByteArray& out, const std::string& name) {
  for (const auto& line : jsonLines(out))
    if (line.value("event", std::string()) == name) return line;
  return {};
}

}  // namespace

class TestCliExportFormats : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_runtime;  // node_modules/onnxruntime-node lives here

  // Trains `project`; the number of validation examples of the run, 0 when it failed.
  static int train(const QString& project, const QStringList& settings) {
    QStringList arguments = {QStringLiteral("train"), project, QStringLiteral("--json")};
    for (const QString& setting : settings) arguments << QStringLiteral("--set") << setting;
    const auto result = runCli(arguments);
    if (result.exitCode != 0) qWarning("%s", result.err.constData());
    const auto done = eventOf(result.out, "done");
    if (done.is_null()) return 0;
    const auto run = readSavedRun(QString::fromStdString(done["run_dir"].get<std::string>()));
    return run ? run->valCount : 0;
  }

  // Exports `project` as ONNX with --check, ONNX Runtime found; checks the folder, the file and the check.
  void expectOnnxExportChecked(const QString& project, const QString& out, int validationExamples) {
    const auto exported =
        runCli({QStringLiteral("export"), project, QStringLiteral("--format"), QStringLiteral("onnx"),
                QStringLiteral("--check"), QStringLiteral("--out"), out, QStringLiteral("--json")},
               environmentWith("ATTUNE_ONNXRUNTIME_NODE", m_runtime));
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    const auto done = eventOf(exported.out, "done");
    QCOMPARE(done.value("format", std::string()), std::string("onnx"));
    QVERIFY(QFile::exists(out + QStringLiteral("/model.onnx")));
    QVERIFY(QFile::exists(out + QStringLiteral("/model.safetensors")));
    const QString checked = attune::testing::checkOnnxFile(out + QStringLiteral("/model.onnx"));
    QVERIFY2(checked.isEmpty(), qPrintable(checked));

    const auto check = eventOf(exported.out, "check");
    QVERIFY2(!check.is_null(), exported.out.constData());
    QCOMPARE(check["runtime"].get<std::string>(), std::string("ONNX Runtime 1.30.0"));
    QVERIFY(check["ran_exported_file"].get<bool>());
    QCOMPARE(check["examples"].get<int>(), validationExamples);
    QCOMPARE(check["same_class"].get<int>(), validationExamples);
    QVERIFY2(check["largest_difference"].get<double>() <= 1e-4, exported.out.constData());
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QString error;
    m_runtime = attune::testing::onnxRuntimeModules(&error);
    QVERIFY2(!m_runtime.isEmpty(), qPrintable(error));
  }

  void imageModelAsOnnxGivesTheRunsAnswersInOnnxRuntime() {
    const QString images = m_dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(images, 2, 6);
    const QString project = m_dir.filePath(QStringLiteral("images.attune"));
    const auto created = runCli({QStringLiteral("new"), project, QStringLiteral("--task"),
                                 QStringLiteral("image"), QStringLiteral("--data"), images,
                                 QStringLiteral("--model"), QStringLiteral("mobilenet_v3_small"),
                                 QStringLiteral("--set"), QStringLiteral("model.input_size=32")});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const int examples = train(project, {QStringLiteral("epochs=1"), QStringLiteral("batch_size=4")});
    QVERIFY(examples > 1);
    const QString out = m_dir.filePath(QStringLiteral("onnx-images"));
    expectOnnxExportChecked(project, out, examples);
    if (QTest::currentTestFailed()) return;

    // The file says what it is: classes, preprocessing, opset.
    const QString description = attune::testing::describeOnnxFile(out + QStringLiteral("/model.onnx"));
    QVERIFY(!description.isEmpty());
    QVERIFY2(description.contains(QStringLiteral(R"(class_names = ["class_0","class_1"])")),
             qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("pixel_values: FLOAT [batch, 3, 32, 32]")),
             qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("\"size\":32")), qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("opset")) && description.contains(QStringLiteral("17")),
             qPrintable(description));

    // Without ONNX Runtime the check says so, and what it ran instead.
    const QString plain = m_dir.filePath(QStringLiteral("onnx-no-runtime"));
    const auto unchecked =
        runCli({QStringLiteral("export"), project, QStringLiteral("--format"), QStringLiteral("onnx"),
                QStringLiteral("--check"), QStringLiteral("--out"), plain},
               environmentWith("ATTUNE_ONNXRUNTIME_NODE", m_dir.filePath(QStringLiteral("nowhere"))));
    QVERIFY2(unchecked.exitCode == 0, unchecked.err.constData());
    QVERIFY2(
        unchecked.out.contains(QStringLiteral("The exported model gives the same class on %1 of %1 examples")
                                   .arg(examples)
                                   .toUtf8()),
        unchecked.out.constData());
    QVERIFY2(unchecked.out.contains("ONNX Runtime was not found"), unchecked.out.constData());
    QVERIFY2(unchecked.out.contains("fetch_onnxruntime.sh"), unchecked.out.constData());

    // The Attune folder (safetensors) checked by Attune itself.
    const auto folder =
        runCli({QStringLiteral("export"), project, QStringLiteral("--check"), QStringLiteral("--out"),
                m_dir.filePath(QStringLiteral("folder")), QStringLiteral("--json")});
    QVERIFY2(folder.exitCode == 0, folder.err.constData());
    const auto check = eventOf(folder.out, "check");
    QCOMPARE(check["runtime"].get<std::string>(), std::string("Attune"));
    QCOMPARE(check["same_class"].get<int>(), examples);
    QCOMPARE(check["largest_difference"].get<double>(), 0.0);
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("folder/model.onnx"))));

    // A Hugging Face folder is for BERT and DistilBERT: refused, nothing written.
    const QString refusedOut = m_dir.filePath(QStringLiteral("hf"));
    const auto refused = runCli({QStringLiteral("export"), project, QStringLiteral("--format"),
                                 QStringLiteral("huggingface"), QStringLiteral("--out"), refusedOut});
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains("BERT or DistilBERT"), refused.err.constData());
    QVERIFY(!QFile::exists(refusedOut));
    QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral(".hf*")}, QDir::AllEntries | QDir::Hidden),
             QStringList());
  }

  void textModelAsOnnxGivesTheRunsAnswersInOnnxRuntime() {
    using namespace attune::testing::texts;
    const QString reviews = writeReviews(m_dir.filePath(QStringLiteral("reviews.csv")), 15);
    const QString vectors = writeTinyVectors(m_dir.filePath(QStringLiteral("vectors.safetensors")));
    const QString project = m_dir.filePath(QStringLiteral("reviews.attune"));
    const auto created =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("text"),
                QStringLiteral("--data"), reviews, QStringLiteral("--model"), QStringLiteral("word_vectors"),
                QStringLiteral("--weights"), vectors});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const int examples = train(project, {QStringLiteral("epochs=2"), QStringLiteral("batch_size=8")});
    QVERIFY(examples > 1);
    const QString out = m_dir.filePath(QStringLiteral("onnx-texts"));
    expectOnnxExportChecked(project, out, examples);
    if (QTest::currentTestFailed()) return;
    // The file names the tokenizer (here the word list) that makes its input_ids, in the same folder.
    const QString description = attune::testing::describeOnnxFile(out + QStringLiteral("/model.onnx"));
    QVERIFY(!description.isEmpty());
    QVERIFY2(description.contains(QStringLiteral(R"(tokenizer_files = ["base/vectors.safetensors"])")),
             qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("input_ids: INT64 [batch, sequence]")),
             qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("\"max_tokens\"")), qPrintable(description));
    QVERIFY(QFile::exists(out + QStringLiteral("/base/vectors.safetensors")));
  }
};

QTEST_GUILESS_MAIN(TestCliExportFormats)
#include "test_cli_export_formats.moc"
