// attune-cli export --format huggingface after real (tiny) BERT and DistilBERT runs: the folder is what
// Hugging Face Transformers loads with AutoModelForSequenceClassification / AutoTokenizer.from_pretrained:
// config.json with architectures, num_labels, id2label, label2id and problem_type; model.safetensors
// with exactly the keys of Transformers' module tree (huggingface_keys.txt, which says where they come
// from) and shapes that follow config.json; the tokenizer files at the top, the longest input the run's.
// Its numbers are proven by a plain-torch reference (hf_folder_reference.py) that reads the folder by
// Transformers' names: the same probabilities as Attune's within 1e-4. --check passes.

#include "core/eval/Predictor.h"
#include "core/weights/SafetensorsReader.h"
#include "tests/cli/CliRunner.h"
#include "tests/support/OnnxRuntime.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TinyTexts.h"
#include "tests/support/TinyTransformer.h"

#include <nlohmann/json.hpp>

#include <QtCore/qfloat16.h>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace attune;
using testing::jsonLines;
using testing::runCli;

namespace {

// The keys listed under [ARCHITECTURE] in huggingface_keys.txt, {N} expanded for `layers` layers.
std::set<std::string> expectedKeys(const QString& architecture, int layers) {
  QFile file(attune::testing::sourceFile("tests/cli/huggingface_keys.txt"));
  if (!file.open(QIODevice::ReadOnly)) return {};
  std::set<std::string> keys;
  bool inSection = false;
  for (const QByteArray& raw : file.readAll().split('\n')) {
    const QString line = QString::fromUtf8(raw).trimmed();
    if (line.isEmpty() || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      inSection = line == QLatin1Char('[') + architecture + QLatin1Char(']');
      continue;
    }
    if (!inSection) continue;
    if (!line.contains(QStringLiteral("{N}"))) {
      keys.insert(line.toStdString());
      continue;
    }
    for (int n = 0; n < layers; ++n)
      keys.insert(QString(line).replace(QStringLiteral("{N}"), QString::number(n)).toStdString());
  }
  return keys;
}

nlohmann::json jsonFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestCliExportHuggingFace : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void folderLoadsAsTransformersLoadsIt_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("architecture");
    QTest::newRow("bert") << QStringLiteral("bert") << QStringLiteral("BertForSequenceClassification");
    QTest::newRow("distilbert") << QStringLiteral("distilbert")
                                << QStringLiteral("DistilBertForSequenceClassification");
  }

  void folderLoadsAsTransformersLoadsIt() {
    QFETCH(QString, kind);
    QFETCH(QString, architecture);
    using namespace attune::testing::texts;
    const QString base = attune::testing::writeTinyTransformer(
        m_dir.filePath(kind + QStringLiteral("-base")),
        kind == QLatin1String("bert") ? TextModelKind::Bert : TextModelKind::DistilBert);
    QVERIFY(!base.isEmpty());
    const QString reviews = writeReviews(m_dir.filePath(kind + QStringLiteral(".csv")), 12);
    const QString project = m_dir.filePath(kind + QStringLiteral(".attune"));
    const auto created = runCli({QStringLiteral("new"), project, QStringLiteral("--task"),
                                 QStringLiteral("text"), QStringLiteral("--data"), reviews,
                                 QStringLiteral("--model"), kind, QStringLiteral("--weights"), base});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const auto trained =
        runCli({QStringLiteral("train"), project, QStringLiteral("--set"), QStringLiteral("epochs=1"),
                QStringLiteral("--set"), QStringLiteral("batch_size=8"), QStringLiteral("--set"),
                QStringLiteral("model.max_tokens=16")});
    QVERIFY2(trained.exitCode == 0, trained.err.constData());

    const QString out = m_dir.filePath(kind + QStringLiteral("-hf"));
    const auto exported =
        runCli({QStringLiteral("export"), project, QStringLiteral("--format"), QStringLiteral("huggingface"),
                QStringLiteral("--check"), QStringLiteral("--out"), out, QStringLiteral("--json")});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    for (const auto& line : jsonLines(exported.out)) {
      if (line.value("event", std::string()) != "check") continue;
      QCOMPARE(line["same_class"].get<int>(), line["examples"].get<int>());
      QCOMPARE(line["largest_difference"].get<double>(), 0.0);
    }

    // config.json: the pre-trained model's, with the classes.
    const auto config = jsonFile(out + QStringLiteral("/config.json"));
    QVERIFY(config.is_object());
    QCOMPARE(config["architectures"], nlohmann::json::array({architecture.toStdString()}));
    QCOMPARE(config["num_labels"].get<int>(), 2);
    QCOMPARE(config["problem_type"].get<std::string>(), std::string("single_label_classification"));
    const QStringList classes = QString::fromUtf8([&] {
                                  QFile labels(out + QStringLiteral("/labels.txt"));
                                  return labels.open(QIODevice::ReadOnly) ? labels.readAll() : QByteArray();
                                }())
                                    .trimmed()
                                    .split('\n');
    QCOMPARE(classes.size(), 2);
    for (int i = 0; i < classes.size(); ++i) {
      QCOMPARE(config["id2label"][std::to_string(i)].get<std::string>(), classes[i].toStdString());
      QCOMPARE(config["label2id"][classes[i].toStdString()].get<int>(), i);
    }
    QCOMPARE(config["vocab_size"], jsonFile(base + QStringLiteral("/config.json"))["vocab_size"]);
    // The tokenizer beside it, cut where the run cut.
    QVERIFY(QFile::exists(out + QStringLiteral("/vocab.txt")));
    QCOMPARE(jsonFile(out + QStringLiteral("/tokenizer_config.json"))["model_max_length"].get<int>(), 16);

    // model.safetensors: exactly Transformers' keys, with the shapes config.json implies.
    const int layers = config.value(kind == QLatin1String("bert") ? "num_hidden_layers" : "n_layers", 0);
    QCOMPARE(layers, 2);
    const std::set<std::string> expected = expectedKeys(architecture, layers);
    QVERIFY(expected.size() > 20);
    auto weights = SafetensorsReader::readFile(out + QStringLiteral("/model.safetensors"));
    QVERIFY(weights.ok());
    std::set<std::string> actual;
    for (const auto& [name, tensor] : weights->tensors) actual.insert(name);
    std::vector<std::string> missing, unexpected;
    std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                        std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                        std::back_inserter(unexpected));
    QVERIFY2(missing.empty(), missing.empty() ? "" : ("missing: " + missing.front()).c_str());
    QVERIFY2(unexpected.empty(), unexpected.empty() ? "" : ("unexpected: " + unexpected.front()).c_str());
    const int64_t hidden = config.value(kind == QLatin1String("bert") ? "hidden_size" : "dim", 0);
    QCOMPARE(weights->tensors.at("classifier.weight").shape, (std::vector<int64_t>{2, hidden}));
    const std::string words = kind == QLatin1String("bert") ? "bert.embeddings.word_embeddings.weight"
                                                            : "distilbert.embeddings.word_embeddings.weight";
    QCOMPARE(weights->tensors.at(words).shape,
             (std::vector<int64_t>{config["vocab_size"].get<int64_t>(), hidden}));

    // The numbers: a plain-torch BertForSequenceClassification / DistilBertForSequenceClassification
    // reading the folder by those names gives Attune's probabilities for the same token ids.
    auto predictor = Predictor::openExport(out);
    QVERIFY2(predictor.ok(), predictor.ok() ? "" : qPrintable(predictor.error().text()));
    const QStringList texts = {
        QStringLiteral("great fun"), QStringLiteral("the plot was dull and the acting poor"),
        QStringLiteral("lovely"), QStringLiteral("really quite a boring movie , terrible .")};
    auto inputs = (*predictor)->textInputs(texts);
    QVERIFY(inputs.ok());
    auto probabilities = (*predictor)->predictInputs(*inputs);
    QVERIFY(probabilities.ok());
    QByteArray rows;
    for (const auto& row : *probabilities)
      for (double p : row) {
        const float value = float(p);
        rows.append(reinterpret_cast<const char*>(&value), sizeof value);
      }
    const QString ids = m_dir.filePath(kind + QStringLiteral("-ids.bin"));
    const QString mask = m_dir.filePath(kind + QStringLiteral("-mask.bin"));
    const QString expectedPath = m_dir.filePath(kind + QStringLiteral("-probabilities.bin"));
    QVERIFY(writeFile(ids, (*inputs)[0].data) && writeFile(mask, (*inputs)[1].data) &&
            writeFile(expectedPath, rows));
    QString output, error;
    const bool same = attune::testing::runTool(
        QStringLiteral("/usr/bin/python3"),
        {attune::testing::sourceFile("tests/cli/hf_folder_reference.py"), out, ids, mask, expectedPath,
         QString::number((*inputs)[0].shape[0]), QString::number((*inputs)[0].shape[1])},
        &output, &error);
    qInfo("%s", qPrintable(output));
    QVERIFY2(same, qPrintable(error));
  }
};

QTEST_GUILESS_MAIN(TestCliExportHuggingFace)
#include "test_cli_export_huggingface.moc"
