// Every writer behind attune-cli, failed at every stage of its save (ATTUNE_FAULT_WRITE, see
// core/common/AtomicFile.h): opening the temporary file, a write at several byte offsets (the first
// byte, the middle, the last byte), the sync and the rename. Each time the command exits 1, prints no
// "Wrote"/"Saved", names the file and the cause on stderr, leaves the old file byte for byte as it was
// and leaves no partial or temporary file. One tiny image run is trained once for all of them; then a
// training run itself is failed while it writes its checkpoint.

#include "../training/TinyDataset.h"
#include "CliRunner.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using testing::runCli;

namespace {

QProcessEnvironment withFault(const QString& fault) {
  return testing::environmentWith("ATTUNE_FAULT_WRITE", fault);
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Every file under `folder`, relative, with its size (to compare a folder before and after).
QStringList listing(const QString& folder) {
  QStringList files;
  QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    it.next();
    files << QDir(folder).relativeFilePath(it.filePath()) + QLatin1Char(' ') +
                 QString::number(it.fileInfo().size());
  }
  files.sort();
  return files;
}

}  // namespace

class TestCliWriteFailures : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_project;
  QString m_images;
  QString m_out;
  QString m_best;

  QStringList expanded(const QStringList& arguments) const {
    QStringList result;
    for (const QString& argument : arguments) {
      if (argument == QLatin1String("PROJECT"))
        result << m_project;
      else if (argument == QLatin1String("IMAGES"))
        result << m_images;
      else if (argument == QLatin1String("IMAGE"))
        result << QDir(m_images).filePath(QStringLiteral("class_0/0.png"));
      else if (argument == QLatin1String("BEST"))
        result << m_best;
      else if (argument.startsWith(QLatin1String("OUT/")))
        result << QDir(m_out).filePath(argument.mid(4));
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
    m_out = m_dir.filePath(QStringLiteral("out"));
    QVERIFY(QDir().mkpath(m_out));
    const auto created =
        runCli({QStringLiteral("new"), m_project, QStringLiteral("--task"), QStringLiteral("image"),
                QStringLiteral("--data"), m_images, QStringLiteral("--model"), QStringLiteral("resnet18"),
                QStringLiteral("--set"), QStringLiteral("model.input_size=32")});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const auto trained =
        runCli({QStringLiteral("train"), m_project, QStringLiteral("--set"), QStringLiteral("epochs=1"),
                QStringLiteral("--set"), QStringLiteral("batch_size=4"), QStringLiteral("--json")});
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    const auto done = testing::jsonLines(trained.out).back();
    m_best = QString::fromStdString(done["checkpoint"].get<std::string>());
    QVERIFY2(QFileInfo::exists(m_best), qPrintable(m_best));
  }

  void failedSaveChangesNothing_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("target");  // under OUT/: the file the command writes
    QTest::addColumn<bool>("oldFile");    // whether an older file of that name is there first
    QTest::addColumn<QStringList>("stages");

    // Every stage for the cheap commands; for those that run the model, a write and the rename.
    const QStringList every{"open", "write:0", "write:1", "write:HALF", "write:LAST", "fsync", "rename"};
    const QStringList some{"write:1", "rename"};
    const struct {
      const char* name;
      QStringList arguments;
      const char* target;
      bool oldFile;
      QStringList stages;
    } writers[] = {
        {"labels --export", {"labels", "PROJECT", "--export", "OUT/labels.csv"}, "labels.csv", true, every},
        {"labels --export (Label Studio)",
         {"labels", "PROJECT", "--export", "OUT/tasks.json"},
         "tasks.json",
         true,
         {"write:HALF", "fsync"}},
        {"import-weights",
         {"import-weights", "BEST", "--out", "OUT/w.safetensors"},
         "w.safetensors",
         true,
         every},
        {"new (project file)",
         {"new", "OUT/p.attune", "--task", "image", "--data", "IMAGES"},
         "p.attune",
         false,
         {"open", "write:1", "write:LAST", "fsync", "rename"}},
        {"predict --out", {"predict", "PROJECT", "IMAGE", "--out", "OUT/pred.csv"}, "pred.csv", true, some},
        {"report", {"report", "PROJECT", "--out", "OUT/report.html"}, "report.html", true, some},
        {"export (weights)",
         {"export", "PROJECT", "--out", "OUT/exported"},
         "model.safetensors",
         false,
         {"write:HALF", "fsync"}},
        {"export (manifest)",
         {"export", "PROJECT", "--out", "OUT/exported"},
         "attune-export.json",
         false,
         {"write:1", "rename"}},
    };
    for (const auto& writer : writers)
      for (const QString& stage : writer.stages)
        QTest::addRow("%s, %s", writer.name, qPrintable(stage))
            << writer.arguments << QString::fromLatin1(writer.target) << writer.oldFile << QStringList{stage};
  }

  void failedSaveChangesNothing() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, target);
    QFETCH(bool, oldFile);
    QFETCH(QStringList, stages);
    QString stage = stages.first();
    const QString path = QDir(m_out).filePath(target);
    const QByteArray before = "an older " + target.toUtf8() + " that must survive\n";
    if (stage.contains(QLatin1String("HALF")) || stage.contains(QLatin1String("LAST"))) {
      // The byte offsets come from the file the command writes when nothing fails (written where it
      // will be written, since the paths inside a file change its size, then removed again).
      const auto made = runCli(expanded(arguments));
      QVERIFY2(made.exitCode == 0, made.err.constData());
      QDirIterator it(m_out, {target}, QDir::Files, QDirIterator::Subdirectories);
      QVERIFY(it.hasNext());
      const qint64 size = QFileInfo(it.next()).size();
      QVERIFY(size > 2);
      stage.replace(QLatin1String("HALF"), QString::number(size / 2));
      stage.replace(QLatin1String("LAST"), QString::number(size - 1));
      QVERIFY(QDir(m_out).removeRecursively() && QDir().mkpath(m_out));
    }
    if (oldFile) {
      QFile old(path);
      QVERIFY(old.open(QIODevice::WriteOnly));
      old.write(before);
    }
    const QStringList filesBefore = listing(m_out);
    const auto result = runCli(expanded(arguments), withFault(stage + QLatin1Char('@') + target));
    const QString err = QString::fromUtf8(result.err);
    QVERIFY2(result.exitCode == 1, qPrintable(QStringLiteral("exit %1: %2").arg(result.exitCode).arg(err)));
    QVERIFY2(!result.out.contains("Wrote") && !result.out.contains("Saved"), result.out.constData());
    QVERIFY2(err.contains(QStringLiteral("Could not save")) && err.contains(target), qPrintable(err));
    if (stage.startsWith(QLatin1String("write")))
      QVERIFY2(err.contains(QStringLiteral("the disk is full")), qPrintable(err));
    if (oldFile) QCOMPARE(readAll(path), before);
    // Nothing new: no partial file, no temporary file, no half-made export folder.
    QCOMPARE(listing(m_out), filesBefore);
    QCOMPARE(QDir(m_out).entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
    QFile::remove(path);
  }

  // A training run whose checkpoint cannot be saved stops with the reason, exit 1; the run's
  // checkpoint files that exist are whole (no torn file under a checkpoint's name).
  void trainingStopsWhenItsCheckpointCannotBeSaved_data() {
    QTest::addColumn<QString>("fault");
    QTest::newRow("best.safetensors, mid-write") << "write:20000@best.safetensors";
    QTest::newRow("state.json, sync") << "fsync@state.json";
  }
  void trainingStopsWhenItsCheckpointCannotBeSaved() {
    QFETCH(QString, fault);
    const auto result =
        runCli({QStringLiteral("train"), m_project, QStringLiteral("--set"), QStringLiteral("epochs=1"),
                QStringLiteral("--set"), QStringLiteral("batch_size=4")},
               withFault(fault));
    const QString err = QString::fromUtf8(result.err);
    QVERIFY2(result.exitCode == 1, qPrintable(QStringLiteral("exit %1: %2").arg(result.exitCode).arg(err)));
    QVERIFY2(err.contains(QStringLiteral("Could not save")), qPrintable(err));
    QVERIFY2(err.contains(fault.section(QLatin1Char('@'), 1)), qPrintable(err));
    QDirIterator it(m_dir.filePath(QStringLiteral("runs")), {QStringLiteral("*.safetensors")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QString checkpoint = it.next();
      const auto inspected = runCli({QStringLiteral("inspect"), checkpoint});
      QVERIFY2(inspected.exitCode == 0, qPrintable(checkpoint + QLatin1Char(' ') + inspected.err));
    }
    QDirIterator temporaries(m_dir.path(), {QStringLiteral("*.saving")}, QDir::Files | QDir::Hidden,
                             QDirIterator::Subdirectories);
    QVERIFY2(!temporaries.hasNext(), qPrintable(temporaries.hasNext() ? temporaries.next() : QString()));
  }

  // A label journal with lines that cannot be read: every command says how many were skipped, on
  // stderr (so a CSV on stdout stays clean), and goes on.
  void skippedJournalLinesAreReported() {
    const QString journal = m_dir.filePath(QStringLiteral("images.labels.jsonl"));
    QFile file(journal);
    QVERIFY(file.open(QIODevice::Append));
    file.write(
        "{\"attune_label_journal\":1}\nthis is not json\n{\"op\":\"set\",\"item\":\"class_0/0.png\"}\n");
    file.close();
    const auto result = runCli({QStringLiteral("labels"), m_project, QStringLiteral("--export"),
                                QDir(m_out).filePath(QStringLiteral("after.csv"))});
    QFile::remove(journal);
    QFile::remove(journal + QStringLiteral(".lock"));
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.err.contains("2 lines of the labels file"), result.err.constData());
    QVERIFY2(result.err.contains("(line 2, 3)"), result.err.constData());
    QVERIFY(!result.out.contains("labels file"));
  }
};

QTEST_GUILESS_MAIN(TestCliWriteFailures)
#include "test_cli_write_failures.moc"
