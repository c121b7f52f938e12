// attune-cli models: the catalog with what is on this computer, and --download through the real
// Downloader against a local HTTP server (Python's http.server on 127.0.0.1), offline switch included.
// Every cache the CLI looks in points into a temporary folder, never at the user's home.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "tests/support/PythonHttpServer.h"
#include "tests/support/ReferenceCheckpoint.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using testing::jsonLines;
using testing::runCli;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

const nlohmann::json* findModel(const std::vector<nlohmann::json>& lines, const std::string& id) {
  for (const auto& line : lines)
    if (line.value("id", "") == id) return &line;
  return nullptr;
}

}  // namespace

class TestCliModels : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  testing::PythonHttpServer m_server;
  int m_port = 0;
  QByteArray m_payload;

  // Caches in the temporary folder; `name` separates the tests' download folders.
  QProcessEnvironment environment(const QString& name) const {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ATTUNE_CACHE_DIR"), m_dir.filePath(name + QStringLiteral("/attune")));
    env.insert(QStringLiteral("TORCH_HOME"), m_dir.filePath(QStringLiteral("torch")));
    env.insert(QStringLiteral("HF_HUB_CACHE"), m_dir.filePath(QStringLiteral("hf")));
    env.remove(QStringLiteral("ATTUNE_OFFLINE"));
    env.remove(QStringLiteral("HF_HUB_OFFLINE"));
    env.remove(QStringLiteral("XDG_CACHE_HOME"));
    return env;
  }

  // A one-model catalog whose file is served by the local server.
  QString writeCatalog(const QString& name, const QString& sha256,
                       const QString& served = QStringLiteral("tiny.safetensors"),
                       const std::string& id = "tiny") {
    const nlohmann::json catalog = {
        {"format_version", 1},
        {"models",
         {{{"id", id},
           {"display_name", "Tiny test model"},
           {"task", "image"},
           {"architecture", "resnet18"},
           {"input_size", 32},
           {"parameters", 3},
           {"layer_groups", {{{"name", "head"}, {"prefixes", {"fc."}}}}},
           {"weights",
            {{{"file", served.toStdString()},
              {"url", QStringLiteral("http://127.0.0.1:%1/%2").arg(m_port).arg(served).toStdString()},
              {"sha256", sha256.toStdString()},
              {"format", "pytorch"},
              {"licence", "CC0-1.0"},
              {"origin", "test"}}}}}}}};
    const QString path = m_dir.filePath(name + QStringLiteral(".json"));
    writeFile(path, QByteArray::fromStdString(catalog.dump()));
    return path;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_payload = QByteArray(300000, '\0');
    // Unsigned: i * 7919 passes INT_MAX at i = 271,183 (UBSan, tests/sanitize/run.sh --full); same bytes.
    for (int i = 0; i < m_payload.size(); ++i) m_payload[i] = char((unsigned(i) * 7919u) >> 3);
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("served/tiny.safetensors")), m_payload));
    QVERIFY2(
        m_server.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON), m_dir.filePath(QStringLiteral("served"))),
        m_server.log().constData());
    m_port = m_server.port();
  }

  void listsTheBuiltInCatalogAndRefusesADamagedCachedFile() {
    // A file with torchvision's name in the torch hub cache whose content does not fit the hash prefix.
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("torch/hub/checkpoints/resnet18-f37072fd.pth")),
                      "not the real weights"));
    const auto result =
        runCli({QStringLiteral("models"), QStringLiteral("--json")}, environment(QStringLiteral("list")));
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto lines = jsonLines(result.out);
    for (const char* id :
         {"resnet18.tv_in1k_v1", "mobilenet_v3_large.tv_in1k_v1", "efficientnet_b0.tv_in1k_v1",
          "convnext_tiny.tv_in1k_v1", "vit_b_16.tv_in1k_v1", "bert-base-uncased", "distilbert-base-uncased"})
      QVERIFY2(findModel(lines, id), id);
    const auto* resnet = findModel(lines, "resnet18.tv_in1k_v1");
    QCOMPARE((*resnet)["available"].get<bool>(), false);
    const auto& file = (*resnet)["files"][0];
    QCOMPARE(file["sha256_prefix"].get<std::string>(), std::string("f37072fd"));
    QVERIFY2(file.contains("refused") && !file["refused"].empty(), file.dump().c_str());
    QCOMPARE((*resnet)["layer_groups"].back().get<std::string>(), std::string("head"));

    const auto plain = runCli({QStringLiteral("models")}, environment(QStringLiteral("list")));
    QCOMPARE(plain.exitCode, 0);
    QVERIFY(plain.out.contains("ViT-B/16"));
    QVERIFY(plain.out.contains("not used: "));
  }

  void downloadsVerifiesAndThenListsAsAvailable() {
    auto env = environment(QStringLiteral("download"));
    const QString sha256 =
        QString::fromLatin1(QCryptographicHash::hash(m_payload, QCryptographicHash::Sha256).toHex());
    env.insert(QStringLiteral("ATTUNE_CATALOG"), writeCatalog(QStringLiteral("good"), sha256));
    const auto downloaded = runCli({QStringLiteral("models"), QStringLiteral("--download"),
                                    QStringLiteral("tiny"), QStringLiteral("--json")},
                                   env);
    QVERIFY2(downloaded.exitCode == 0, downloaded.err.constData());
    const auto events = jsonLines(downloaded.out);
    QCOMPARE(events.back()["event"].get<std::string>(), std::string("done"));
    QString path;
    for (const auto& event : events)
      if (event["event"] == "file") path = QString::fromStdString(event["path"].get<std::string>());
    QVERIFY(path.startsWith(m_dir.filePath(QStringLiteral("download/attune"))));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), m_payload);

    const auto listed = jsonLines(runCli({QStringLiteral("models"), QStringLiteral("--json")}, env).out);
    QCOMPARE(listed.size(), size_t(1));
    QCOMPARE(listed[0]["available"].get<bool>(), true);
    QCOMPARE(QString::fromStdString(listed[0]["files"][0]["path"].get<std::string>()), path);

    // Already there: a second --download uses the verified copy, even offline.
    env.insert(QStringLiteral("ATTUNE_OFFLINE"), QStringLiteral("1"));
    const auto again =
        runCli({QStringLiteral("models"), QStringLiteral("--download"), QStringLiteral("tiny")}, env);
    QVERIFY2(again.exitCode == 0, again.err.constData());
  }

  void aFileWithTheWrongHashIsNeverKept() {
    auto env = environment(QStringLiteral("wrong-hash"));
    env.insert(QStringLiteral("ATTUNE_CATALOG"), writeCatalog(QStringLiteral("wrong"), QString(64, u'0')));
    const auto result =
        runCli({QStringLiteral("models"), QStringLiteral("--download"), QStringLiteral("tiny")}, env);
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.err.startsWith("attune-cli: "));
    const QDir cache(m_dir.filePath(QStringLiteral("wrong-hash/attune")));
    const auto leftovers = cache.exists()
                               ? QDir(cache).entryList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name)
                               : QStringList{};
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(u", ")));
  }

  void offlineTouchesNoNetwork() {
    auto env = environment(QStringLiteral("offline"));
    const QString sha256 =
        QString::fromLatin1(QCryptographicHash::hash(m_payload, QCryptographicHash::Sha256).toHex());
    // A URL no other test asks for, so that the server's request log can only show it if offline failed.
    env.insert(QStringLiteral("ATTUNE_CATALOG"),
               writeCatalog(QStringLiteral("offline"), sha256, QStringLiteral("offline-only.safetensors")));
    for (const auto& how : {QStringList{QStringLiteral("--offline")}, QStringList{}}) {
      auto runEnv = env;
      if (how.isEmpty()) runEnv.insert(QStringLiteral("ATTUNE_OFFLINE"), QStringLiteral("1"));
      const auto result = runCli(
          QStringList{QStringLiteral("models"), QStringLiteral("--download"), QStringLiteral("tiny")} + how,
          runEnv);
      QCOMPARE(result.exitCode, 1);
      QVERIFY2(result.err.toLower().contains("offline"), result.err.constData());
    }
    const QByteArray log = m_server.log();
    QVERIFY2(!log.contains("GET /offline-only"), log.constData());
  }

  // "catalog:<id>" weights: `new` takes the reference, `train` downloads the file on first use,
  // verifies it and starts from it; weights made for another architecture are refused with a reason.
  void trainDownloadsCatalogWeightsOnFirstUse() {
    const QString pth = m_dir.filePath(QStringLiteral("served/resnet18-test.pth"));
    const QString written = testing::writeTorchvisionCheckpoint(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                                                                QStringLiteral("resnet18"), pth);
    QVERIFY2(written.isEmpty(), qPrintable(written));
    QFile served(pth);
    QVERIFY(served.open(QIODevice::ReadOnly));
    const QString sha256 =
        QString::fromLatin1(QCryptographicHash::hash(served.readAll(), QCryptographicHash::Sha256).toHex());

    auto env = environment(QStringLiteral("train"));
    env.insert(
        QStringLiteral("ATTUNE_CATALOG"),
        writeCatalog(QStringLiteral("train"), sha256, QStringLiteral("resnet18-test.pth"), "test-resnet18"));
    const QString data = m_dir.filePath(QStringLiteral("train-data"));
    testing::writeTinyDataset(data, 2, 4);
    const QString project = m_dir.filePath(QStringLiteral("catalog.attune"));
    const auto created = runCli(
        {QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
         QStringLiteral("--data"), data, QStringLiteral("--weights"), QStringLiteral("catalog:test-resnet18"),
         QStringLiteral("--set"), QStringLiteral("model.input_size=32")},
        env);
    QVERIFY2(created.exitCode == 0, created.err.constData());
    QFile projectFile(project);
    QVERIFY(projectFile.open(QIODevice::ReadOnly));
    QVERIFY(projectFile.readAll().contains("\"catalog:test-resnet18\""));

    const auto trained =
        runCli({QStringLiteral("train"), project, QStringLiteral("--json"), QStringLiteral("--set"),
                QStringLiteral("epochs=1"), QStringLiteral("--set"), QStringLiteral("batch_size=4")},
               env);
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    bool downloaded = false, loaded = false;
    for (const auto& event : jsonLines(trained.out)) {
      if (event["event"] == "progress") downloaded = true;
      // The load report tells of the new head; a run without weights would warn of random weights.
      if (event["event"] == "info" && event.dump().find("new final layer") != std::string::npos)
        loaded = true;
      if (event["event"] == "warning") QVERIFY(event.dump().find("random weights") == std::string::npos);
    }
    QVERIFY2(downloaded, trained.out.constData());
    QVERIFY2(loaded, trained.out.constData());
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("train/attune/resnet18-test.pth"))));

    const auto mismatch = runCli({QStringLiteral("train"), project, QStringLiteral("--set"),
                                  QStringLiteral("model.architecture=mobilenet_v2")},
                                 env);
    QCOMPARE(mismatch.exitCode, 1);
    QVERIFY2(mismatch.err.contains("are for ResNet-18"), mismatch.err.constData());
  }

  void aBrokenCatalogFileIsReported() {
    auto env = environment(QStringLiteral("broken"));
    const QString path = m_dir.filePath(QStringLiteral("broken.json"));
    QVERIFY(writeFile(path, R"({"format_version": 1, "models": [{"id": 3}]})"));
    env.insert(QStringLiteral("ATTUNE_CATALOG"), path);
    const auto result = runCli({QStringLiteral("models")}, env);
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("models[0].id"), result.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestCliModels)
#include "test_cli_models.moc"
