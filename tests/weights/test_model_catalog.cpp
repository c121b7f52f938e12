// The model catalog: the built-in one parses and covers every architecture Attune builds, its layer
// groups partition torchvision's real parameter names (listed by Debian's python3-torchvision), and a
// malformed catalog is refused with the key path of the mistake.

#include "core/weights/ModelCatalog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace attune;

namespace {

// Architecture id -> the parameter-name prefix of the layer that Attune replaces with a new head.
const QList<QPair<QString, QString>> kImageArchitectures = {
    {QStringLiteral("resnet18"), QStringLiteral("fc.")},
    {QStringLiteral("resnet34"), QStringLiteral("fc.")},
    {QStringLiteral("resnet50"), QStringLiteral("fc.")},
    {QStringLiteral("mobilenet_v2"), QStringLiteral("classifier.1.")},
    {QStringLiteral("mobilenet_v3_small"), QStringLiteral("classifier.3.")},
    {QStringLiteral("mobilenet_v3_large"), QStringLiteral("classifier.3.")},
    {QStringLiteral("efficientnet_b0"), QStringLiteral("classifier.1.")},
    {QStringLiteral("convnext_tiny"), QStringLiteral("classifier.2.")},
    {QStringLiteral("vit_b_16"), QStringLiteral("heads.head.")},
};

QByteArray minimalCatalog(const QByteArray& modelsJson) {
  return R"({"format_version": 1, "models": )" + modelsJson + "}";
}

const QByteArray kGoodModel = R"({"id": "m", "display_name": "M", "task": "image", "architecture": "resnet18",
  "input_size": 224, "layer_groups": [{"name": "block {i}", "prefixes": ["blocks.{i}."], "repeat": 3}],
  "weights": [{"file": "m-abcd1234.pth", "url": "https://example.org/m-abcd1234.pth", "sha256_prefix": "abcd1234"}]})";

}  // namespace

class TestModelCatalog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void builtInParses();
  void coversEveryImageArchitecture_data();
  void coversEveryImageArchitecture();
  void textModelsComeFromHuggingFace();
  void layerGroupsPartitionTorchvisionNames_data();
  void layerGroupsPartitionTorchvisionNames();
  void repeatedGroupsExpand();
  void malformedCatalogsAreRefused_data();
  void malformedCatalogsAreRefused();

 private:
  QJsonObject m_torchvisionNames;  // architecture -> [state_dict names]
};

void TestModelCatalog::initTestCase() {
  QStringList ids;
  for (const auto& [id, head] : kImageArchitectures) ids << QStringLiteral("'%1'").arg(id);
  const QString script = QStringLiteral(
                             "import json, torchvision\n"
                             "print(json.dumps({a: list(getattr(torchvision.models, a)().state_dict().keys())"
                             " for a in [%1]}))\n")
                             .arg(ids.join(u", "));
  QProcess python;
  python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON), {QStringLiteral("-c"), script});
  QVERIFY2(python.waitForFinished(300'000), "python3-torchvision did not answer");
  QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
  m_torchvisionNames = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
  QCOMPARE(m_torchvisionNames.size(), kImageArchitectures.size());
}

void TestModelCatalog::builtInParses() {
  QFile file(QStringLiteral(":/attune/catalog/models.json"));
  QVERIFY(file.open(QIODevice::ReadOnly));
  const auto parsed = ModelCatalog::parse(file.readAll());
  QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().text()));
  QCOMPARE(parsed->entries().size(), ModelCatalog::builtIn().entries().size());
  QVERIFY(parsed->entries().size() >= 11);
  for (const auto& entry : parsed->entries()) {
    QVERIFY2(!entry.description.isEmpty(), qPrintable(entry.id));
    QVERIFY2(!entry.layerGroups.empty(), qPrintable(entry.id));
    QVERIFY2(entry.parameters > 0, qPrintable(entry.id));
    for (const auto& weights : entry.weights) {
      QVERIFY2(!weights.source.licence.isEmpty(), qPrintable(entry.id));
      QVERIFY2(!weights.source.origin.isEmpty(), qPrintable(entry.id));
      QVERIFY2(weights.source.url.scheme() == u"https", qPrintable(entry.id));
    }
  }
}

void TestModelCatalog::coversEveryImageArchitecture_data() {
  QTest::addColumn<QString>("architecture");
  for (const auto& [id, head] : kImageArchitectures) QTest::newRow(qPrintable(id)) << id;
}

void TestModelCatalog::coversEveryImageArchitecture() {
  QFETCH(QString, architecture);
  const CatalogEntry* entry = ModelCatalog::builtIn().defaultFor(architecture);
  QVERIFY(entry);
  QCOMPARE(entry->task, QStringLiteral("image"));
  QCOMPARE(entry->inputSize, 224);
  QVERIFY(entry->resizeSize >= 224);
  QCOMPARE(entry->mean[0], 0.485f);
  QCOMPARE(entry->std[2], 0.225f);
  QCOMPARE(entry->weights.size(), size_t(1));
  const WeightSource& source = entry->weights[0].source;
  QCOMPARE(source.origin, QStringLiteral("torchvision"));
  QCOMPARE(source.url.host(), QStringLiteral("download.pytorch.org"));
  QCOMPARE(source.url.fileName(), source.fileName);
  QVERIFY(source.fileName.startsWith(architecture + u'-') || source.fileName.startsWith(architecture + u'_'));
  // torchvision names each file after the start of its SHA-256; the catalog's prefix is that start.
  QCOMPARE(source.sha256Prefix, torchHubHashPrefix(source.fileName));
  QVERIFY(source.sha256Prefix.size() >= 8);
  QCOMPARE(entry->weights[0].format, QStringLiteral("pytorch"));
}

void TestModelCatalog::textModelsComeFromHuggingFace() {
  for (const char* id : {"bert-base-uncased", "distilbert-base-uncased"}) {
    const CatalogEntry* entry = ModelCatalog::builtIn().find(QString::fromLatin1(id));
    QVERIFY2(entry, id);
    QCOMPARE(entry->task, QStringLiteral("text"));
    QStringList files;
    for (const auto& weights : entry->weights) {
      const auto& source = weights.source;
      files << source.fileName;
      QCOMPARE(source.origin, QStringLiteral("huggingface"));
      QVERIFY(!source.hfRepo.isEmpty());
      QCOMPARE(source.url, huggingFaceUrl(source.hfRepo, source.hfRevision, source.hfPath));
      QVERIFY(weights.hfRepoAliases.contains(QString::fromLatin1(id)));
    }
    for (const char* needed : {"config.json", "model.safetensors", "vocab.txt"})
      QVERIFY2(files.contains(QString::fromLatin1(needed)), needed);
    QCOMPARE(entry->layerGroups.front().name, QStringLiteral("embeddings"));
  }
  QCOMPARE(ModelCatalog::builtIn().find(QStringLiteral("bert-base-uncased"))->layerGroups.size(), size_t(15));
}

void TestModelCatalog::layerGroupsPartitionTorchvisionNames_data() {
  coversEveryImageArchitecture_data();
}

void TestModelCatalog::layerGroupsPartitionTorchvisionNames() {
  QFETCH(QString, architecture);
  const CatalogEntry* entry = ModelCatalog::builtIn().defaultFor(architecture);
  QVERIFY(entry);
  const auto names = m_torchvisionNames.value(architecture).toArray();
  QVERIFY(!names.isEmpty());
  std::vector<int> namesPerGroup(entry->layerGroups.size(), 0);
  for (const auto& value : names) {
    const QString name = value.toString();
    QStringList groups;
    for (size_t g = 0; g < entry->layerGroups.size(); ++g) {
      for (const auto& prefix : entry->layerGroups[g].prefixes) {
        if (name.startsWith(prefix)) {
          groups << entry->layerGroups[g].name;
          ++namesPerGroup[g];
        }
      }
    }
    QVERIFY2(
        groups.size() == 1,
        qPrintable(
            QStringLiteral("%1 is in %2 groups: %3").arg(name).arg(groups.size()).arg(groups.join(u", "))));
  }
  for (size_t g = 0; g < entry->layerGroups.size(); ++g)
    QVERIFY2(namesPerGroup[g] > 0, qPrintable(entry->layerGroups[g].name + u" matches no parameter"));
  // The last group is exactly the layer Attune replaces with the user's classes.
  const QString head =
      std::find_if(kImageArchitectures.begin(), kImageArchitectures.end(), [&](const auto& pair) {
        return pair.first == architecture;
      })->second;
  QCOMPARE(entry->layerGroups.back().name, QStringLiteral("head"));
  QCOMPARE(entry->layerGroups.back().prefixes, QStringList{head});
}

void TestModelCatalog::repeatedGroupsExpand() {
  const auto parsed = ModelCatalog::parse(minimalCatalog("[" + kGoodModel + "]"));
  QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().text()));
  const auto& groups = parsed->entries().at(0).layerGroups;
  QCOMPARE(groups.size(), size_t(3));
  QCOMPARE(groups[2].name, QStringLiteral("block 2"));
  QCOMPARE(groups[2].prefixes, QStringList{QStringLiteral("blocks.2.")});
  QCOMPARE(parsed->entries().at(0).weights.at(0).source.sha256Prefix, QStringLiteral("abcd1234"));
}

void TestModelCatalog::malformedCatalogsAreRefused_data() {
  QTest::addColumn<QByteArray>("json");
  QTest::addColumn<QString>("expectedInMessage");
  auto bad = [&](const char* row, QByteArray from, QByteArray to, const char* expected) {
    QByteArray model = kGoodModel;
    model.replace(from, to);
    QTest::newRow(row) << minimalCatalog("[" + model + "]") << QString::fromUtf8(expected);
  };
  QTest::newRow("not json") << QByteArray("{\"format_version\": 1,") << QStringLiteral("not a JSON object");
  QTest::newRow("newer") << QByteArray(R"({"format_version": 2, "models": []})")
                         << QStringLiteral("version 2");
  QTest::newRow("models not a list") << minimalCatalog("{}") << QStringLiteral("models must be a list");
  bad("no id", R"("id": "m", )", "", "models[0].id");
  bad("task", R"("task": "image")", R"("task": "audio")", "models[0].task");
  bad("input size", R"("input_size": 224)", R"("input_size": -1)", "models[0].input_size");
  bad("ftp url", "https://example.org/", "ftp://example.org/", "models[0].weights[0].url");
  bad("hash", R"("sha256_prefix": "abcd1234")", R"("sha256_prefix": "xyz")",
      "models[0].weights[0].sha256_prefix");
  bad("short full hash", R"("sha256_prefix")", R"("sha256")", "models[0].weights[0].sha256");
  bad("file with a path", R"("file": "m-abcd1234.pth")", R"("file": "../m.pth")",
      "models[0].weights[0].file");
  bad("repeat type", R"("repeat": 3)", R"("repeat": "3")", "models[0].layer_groups[0].repeat");
  bad("no prefixes", R"("prefixes": ["blocks.{i}."])", R"("prefixes": [])",
      "models[0].layer_groups[0].prefixes");
  bad("no weights", R"("weights": [)", R"("unused": [)", "models[0].weights");
  QByteArray twice = kGoodModel + ", " + kGoodModel;
  QTest::newRow("duplicate id") << minimalCatalog("[" + twice + "]") << QStringLiteral("lists m twice");
}

void TestModelCatalog::malformedCatalogsAreRefused() {
  QFETCH(QByteArray, json);
  QFETCH(QString, expectedInMessage);
  const auto parsed = ModelCatalog::parse(json);
  QVERIFY(!parsed.ok());
  QVERIFY2(parsed.error().message.contains(expectedInMessage), qPrintable(parsed.error().message));
  QVERIFY(!parsed.error().hint.isEmpty());
}

QTEST_GUILESS_MAIN(TestModelCatalog)
#include "test_model_catalog.moc"
