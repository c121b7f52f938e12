// The engine boundary from the command line: with a real LibTorch failure injected where each path's
// engine work starts (ATTUNE_FAULT_ENGINE, core/training/detail/EngineFault.h), every command that
// runs the model exits 1 with one line on stderr that says what failed and LibTorch's reason, and
// none of LibTorch's backtrace. One tiny image run is trained once for all of them.

#include "../training/TinyDataset.h"
#include "CliRunner.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using testing::jsonLines;
using testing::runCli;

namespace {

// The first line of the c10::Error that the injected fault raises.
constexpr char kLibTorchReason[] = "shape '[5]' is invalid for input of size 6";

QProcessEnvironment withFault(const QString& site) {
  return testing::environmentWith("ATTUNE_FAULT_ENGINE", site);
}

}  // namespace

class TestCliEngineFailures : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_project;
  QString m_images;

  // Replaces the placeholders PROJECT, IMAGES and OUT (a path in the test's folder) in `arguments`.
  QStringList expanded(const QStringList& arguments) const {
    QStringList result;
    for (const QString& argument : arguments) {
      if (argument == QLatin1String("PROJECT"))
        result << m_project;
      else if (argument == QLatin1String("IMAGE"))
        result << QDir(m_images).filePath(QStringLiteral("class_0/0.png"));
      else if (argument.startsWith(QLatin1String("OUT/")))
        result << m_dir.filePath(argument.mid(4));
      else
        result << argument;
    }
    return result;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_images = m_dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(m_images, 2, 6);
    m_project = m_dir.filePath(QStringLiteral("images.attune"));
    const QByteArray failed = testing::makeTrainedImageProject(m_images, m_project);
    QVERIFY2(failed.isEmpty(), failed.constData());
  }

  void commandFailsWithOneLine_data() {
    QTest::addColumn<QString>("site");
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("failed");  // what the line says failed

    const QString project = QStringLiteral("PROJECT");
    QTest::newRow("predict") << "predict" << QStringList{"predict", project, "IMAGE"}
                             << "Classifying the images failed";
    QTest::newRow("predict --json") << "predict" << QStringList{"predict", project, "IMAGE", "--json"}
                                    << "Classifying the images failed";
    QTest::newRow("eval") << "evaluate" << QStringList{"eval", project} << "Evaluating the model failed";
    QTest::newRow("report") << "evaluate" << QStringList{"report", project, "--out", "OUT/report.html"}
                            << "Evaluating the model failed";
    QTest::newRow("suggest") << "suggest" << QStringList{"suggest", project} << "Suggesting labels failed";
    QTest::newRow("export") << "export" << QStringList{"export", project, "--out", "OUT/exported"}
                            << "Exporting the model failed";
    QTest::newRow("lr-find") << "lr_find" << QStringList{"lr-find", project}
                             << "The learning-rate test failed";
    // Model preparation, under each command that builds a model.
    QTest::newRow("predict, preparing")
        << "prepare" << QStringList{"predict", project, "IMAGE"} << "Preparing the model failed";
    QTest::newRow("lr-find, preparing")
        << "prepare" << QStringList{"lr-find", project} << "Preparing the model failed";
    // Last: a failed run is recorded in the project (it has no model, so the rows above are unaffected).
    QTest::newRow("train, preparing")
        << "prepare" << QStringList{"train", project, "--set", "epochs=1"} << "Preparing the model failed";
  }

  // Exit status 1 and exactly one line on stderr: "attune-cli: <what> failed: <LibTorch's reason>. <hint>"
  // with no backtrace; --json also reports it as an "error" event.
  void commandFailsWithOneLine() {
    QFETCH(QString, site);
    QFETCH(QStringList, arguments);
    QFETCH(QString, failed);
    const auto result = runCli(expanded(arguments), withFault(site));
    const QString err = QString::fromUtf8(result.err);
    QVERIFY2(result.exitCode == 1, qPrintable(QStringLiteral("exit %1: %2").arg(result.exitCode).arg(err)));
    const QStringList lines = err.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.size() == 1, qPrintable(err));
    QVERIFY2(lines.first().startsWith(QStringLiteral("attune-cli: %1: %2.").arg(failed, kLibTorchReason)),
             qPrintable(err));
    QVERIFY(!err.contains(QStringLiteral("Exception raised from")));
    QVERIFY(!err.contains(QStringLiteral("frame #")));
    if (arguments.contains(QStringLiteral("--json"))) {
      const auto events = jsonLines(result.out);
      QVERIFY(!events.empty());
      QCOMPARE(events.back()["event"].get<std::string>(), std::string("error"));
      QVERIFY(QString::fromStdString(events.back()["message"].get<std::string>()).startsWith(failed));
    }
  }

  // A failed export leaves nothing behind: no destination, no half-written folder beside it.
  void failedExportLeavesNothing() {
    const QString out = m_dir.filePath(QStringLiteral("exports/model"));
    const auto result = runCli({QStringLiteral("export"), m_project, QStringLiteral("--out"), out},
                               withFault(QStringLiteral("export")));
    QCOMPARE(result.exitCode, 1);
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(QDir(m_dir.filePath(QStringLiteral("exports")))
                 .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList());
  }

  // Without the variable (or with another site) the same commands work: the fault is the only cause.
  void withoutTheFaultTheCommandsWork() {
    const auto predicted =
        runCli(expanded({QStringLiteral("predict"), QStringLiteral("PROJECT"), QStringLiteral("IMAGE")}),
               withFault(QStringLiteral("export")));
    QVERIFY2(predicted.exitCode == 0, predicted.err.constData());
    const auto exported = runCli(expanded({QStringLiteral("export"), QStringLiteral("PROJECT"),
                                           QStringLiteral("--out"), QStringLiteral("OUT/exports/model")}));
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestCliEngineFailures)
#include "test_cli_engine_failures.moc"
