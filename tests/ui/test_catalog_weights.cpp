// The settings panel's catalog weights, driven like a user: "ImageNet weights" picks the catalog
// entry of the chosen model, the status says it is not here yet, Download fetches it from a local HTTP
// server (Python's http.server) with progress and a verified result, and offline nothing is fetched.
// Every cache points into a temporary folder; the catalog is a test one (ATTUNE_CATALOG).

#include "core/project/TrainingConfig.h"
#include "core/weights/CatalogWeights.h"
#include "tests/support/PythonHttpServer.h"
#include "ui/CatalogWeightsStatus.h"
#include "ui/TrainingSettingsPanel.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using namespace attune::ui;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestCatalogWeights : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  attune::testing::PythonHttpServer m_server;
  QByteArray m_payload;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_payload = QByteArray(200000, '\0');
    for (int i = 0; i < m_payload.size(); ++i) m_payload[i] = char((i * 31) >> 2);
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("served/resnet18-test.pth")), m_payload));
    QVERIFY2(
        m_server.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON), m_dir.filePath(QStringLiteral("served"))),
        m_server.log().constData());
    const int port = m_server.port();

    const std::string sha256 =
        QCryptographicHash::hash(m_payload, QCryptographicHash::Sha256).toHex().toStdString();
    const nlohmann::json catalog = {
        {"format_version", 1},
        {"models",
         {{{"id", "resnet18.test"},
           {"display_name", "ResNet-18 (test weights)"},
           {"task", "image"},
           {"architecture", "resnet18"},
           {"input_size", 224},
           {"parameters", 1},
           {"weights",
            {{{"file", "resnet18-test.pth"},
              {"url", QStringLiteral("http://127.0.0.1:%1/resnet18-test.pth").arg(port).toStdString()},
              {"sha256", sha256},
              {"format", "pytorch"},
              {"licence", "CC0-1.0"},
              {"origin", "test"}}}}}}}};
    const QString catalogPath = m_dir.filePath(QStringLiteral("catalog.json"));
    QVERIFY(writeFile(catalogPath, QByteArray::fromStdString(catalog.dump())));
    qputenv("ATTUNE_CATALOG", catalogPath.toUtf8());
    qputenv("ATTUNE_CACHE_DIR", m_dir.filePath(QStringLiteral("attune")).toUtf8());
    qputenv("TORCH_HOME", m_dir.filePath(QStringLiteral("torch")).toUtf8());
    qputenv("HF_HUB_CACHE", m_dir.filePath(QStringLiteral("hf")).toUtf8());
    qunsetenv("ATTUNE_OFFLINE");
    qunsetenv("HF_HUB_OFFLINE");
  }

  void offlineDownloadFetchesNothing() {
    qputenv("ATTUNE_OFFLINE", "1");
    CatalogWeightsStatus status;
    status.setWeights(QStringLiteral("catalog:resnet18.test"));
    auto* label = status.findChild<QLabel*>(QStringLiteral("catalogWeightsStatus"));
    QVERIFY2(label->text().contains(QLatin1String("offline")), qPrintable(label->text()));
    status.findChild<QPushButton*>(QStringLiteral("catalogWeightsDownload"))->click();
    QTRY_VERIFY(!status.isDownloading());
    QVERIFY2(label->text().contains(QLatin1String("Attune is offline")), qPrintable(label->text()));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("attune/resnet18-test.pth"))));
    qunsetenv("ATTUNE_OFFLINE");
  }

  void imageNetWeightsDownloadWithProgressAndAreThenOnThisComputer() {
    TrainingSettingsPanel panel;
    panel.show();
    auto* weightsEdit = panel.findChild<QLineEdit*>(QStringLiteral("weightsEdit"));
    auto* catalogButton = panel.findChild<QPushButton*>(QStringLiteral("weightsCatalogButton"));
    auto* label = panel.findChild<QLabel*>(QStringLiteral("catalogWeightsStatus"));
    auto* download = panel.findChild<QPushButton*>(QStringLiteral("catalogWeightsDownload"));
    auto* status = panel.findChild<CatalogWeightsStatus*>();
    QVERIFY(weightsEdit && catalogButton && label && download && status);

    QVERIFY(catalogButton->isEnabled());  // the test catalog has weights for ResNet-18, the default model
    QVERIFY(!label->isVisible());
    catalogButton->click();
    QCOMPARE(weightsEdit->text(), QStringLiteral("catalog:resnet18.test"));
    QVERIFY(label->isVisible());
    QVERIFY2(label->text().contains(QLatin1String("Not on this computer yet")), qPrintable(label->text()));
    QVERIFY(download->isVisible());

    QSignalSpy downloaded(status, &CatalogWeightsStatus::downloaded);
    download->click();
    QVERIFY(downloaded.wait(30000));
    QVERIFY2(label->text().contains(QLatin1String("On this computer")), qPrintable(label->text()));
    QVERIFY(!download->isVisible());
    QFile file(m_dir.filePath(QStringLiteral("attune/resnet18-test.pth")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), m_payload);
    // The hash computed while downloading is remembered: finding the file later does not read it again.
    WeightLocator locator;
    const auto lookup = lookUpCatalogWeights(QStringLiteral("resnet18.test"), locator);
    QVERIFY(lookup.ok() && lookup->local.found);
    QCOMPARE(locator.hashedFileCount(), 0);

    TrainingConfig config;
    panel.applyTo(config);
    QCOMPARE(config.weightsPath, QStringLiteral("catalog:resnet18.test"));  // not turned into a path

    // Another model: the catalog has no weights for it, so the ResNet-18 ones are not kept.
    auto* architecture = panel.findChild<QComboBox*>(QStringLiteral("architectureCombo"));
    architecture->setCurrentIndex(architecture->findData(QStringLiteral("mobilenet_v2")));
    QCOMPARE(weightsEdit->text(), QString());
    QVERIFY(!catalogButton->isEnabled());
    QVERIFY(!label->isVisible());
  }
};

QTEST_MAIN(TestCatalogWeights)
#include "test_catalog_weights.moc"
