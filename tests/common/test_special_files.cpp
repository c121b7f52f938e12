// Every reader of a file a user or another program names goes through core/common/FileRead.h: a
// named pipe in the file's place is refused at once (it blocked for ever before), a link to a device
// such as /dev/zero is refused before a byte is read (it was read until memory ran out), and a model
// config larger than its limit is refused unread. Issue 20, item 3.

#include "core/common/FileRead.h"
#include "core/data/ImageFolderScanner.h"
#include "core/data/ImageTransform.h"
#include "core/data/TextTable.h"
#include "core/data/WordPieceFiles.h"
#include "core/dataset/LabelExchange.h"
#include "core/eval/SavedRun.h"
#include "core/models/TextModelConfig.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

#include <sys/stat.h>

using namespace attune;

namespace {

// Opens or reads `path` the way the named reader does; the Error when it fails.
using Reader = std::function<std::optional<Error>(const QString& path)>;

template <typename T>
std::optional<Error> errorOf(const Result<T>& result) {
  return result.ok() ? std::nullopt : std::optional<Error>(result.error());
}

}  // namespace

Q_DECLARE_METATYPE(Reader)

class TestSpecialFiles : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void refusedAtOnce_data() {
    QTest::addColumn<QString>("name");  // the file name the reader expects
    QTest::addColumn<Reader>("reader");
    QTest::newRow("project file") << "p.attune"
                                  << Reader([](const QString& p) { return errorOf(ProjectFile::load(p)); });
    QTest::newRow("label journal") << "p.labels.jsonl"
                                   << Reader([](const QString& p) { return errorOf(LabelJournal::open(p)); });
    QTest::newRow("data table") << "t.csv"
                                << Reader([](const QString& p) { return errorOf(TextTable::read(p)); });
    QTest::newRow("data table preview")
        << "t.tsv" << Reader([](const QString& p) { return errorOf(TextTable::preview(p, 5)); });
    QTest::newRow("JSON Lines table")
        << "t.jsonl" << Reader([](const QString& p) { return errorOf(TextTable::read(p)); });
    QTest::newRow("text model config.json")
        << "config.json" << Reader([](const QString& p) { return errorOf(readTextModelConfig(p)); });
    QTest::newRow("vocab.txt") << "vocab.txt"
                               << Reader([](const QString& p) { return errorOf(loadWordPieceVocabTxt(p)); });
    QTest::newRow("Label Studio export")
        << "export.json" << Reader([](const QString& p) { return errorOf(importLabelStudio(Project(), p)); });
    QTest::newRow("run config.json") << "config.json" << Reader([](const QString& p) {
      return errorOf(readSavedRun(QFileInfo(p).absolutePath()));
    });
    QTest::newRow("image (the loader)")
        << "photo.png" << Reader([](const QString& p) { return errorOf(decodeImage(p, 0)); });
    // The folder scan checks each image's header: the file is reported as unusable, with the reason,
    // and only once (a link to a device was listed as a folder inside a class folder too).
    QTest::newRow("image (the folder scan)") << "cats/photo.jpg" << Reader([](const QString& p) {
      const QString root = QDir::cleanPath(QFileInfo(p).absolutePath() + QStringLiteral("/.."));
      auto folder = scanImagePool(root);
      if (!folder) return std::optional<Error>(folder.error());
      std::optional<Error> reported;
      for (const SkippedFile& skipped : folder->report.skipped)
        if (skipped.path == QFileInfo(p).absoluteFilePath()) {
          if (reported)
            return std::optional<Error>(Error(ErrorCode::Generic, QStringLiteral("reported twice")));
          reported = Error(ErrorCode::FileUnreadable, skipped.reason, QStringLiteral("skipped"));
        }
      return reported;
    });
  }
  void refusedAtOnce() {
    QFETCH(QString, name);
    QFETCH(Reader, reader);
    for (const QString& kind : {QStringLiteral("named pipe"), QStringLiteral("device")}) {
      const QString folder =
          m_dir.filePath(QString::fromLatin1(QTest::currentDataTag()) + QLatin1Char('-') + kind);
      QVERIFY(QDir().mkpath(folder));
      const QString path = folder + QLatin1Char('/') + name;
      QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
      if (kind == QLatin1String("named pipe"))
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
      else
        QVERIFY(QFile::link(QStringLiteral("/dev/zero"), path));
      QElapsedTimer timer;
      timer.start();
      const std::optional<Error> error = reader(path);
      QVERIFY2(timer.elapsed() < 1000, qPrintable(kind));
      QVERIFY2(error.has_value(), qPrintable(kind));
      QVERIFY2(error->message.contains(kind), qPrintable(error->message));
      QVERIFY(error->message.contains(path));
      QVERIFY(!error->hint.isEmpty());
    }
  }

  void aModelConfigOverItsLimitIsNotRead() {
    const QString path = m_dir.filePath(QStringLiteral("config.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.resize(qint64(2) << 20));  // sparse: 2 MiB of zeros, over the 1 MiB a config may hold
    file.close();
    auto config = readTextModelConfig(path);
    QVERIFY(!config.ok());
    QVERIFY2(config.error().message.contains(QStringLiteral("far too large")),
             qPrintable(config.error().message));
  }
};

QTEST_GUILESS_MAIN(TestSpecialFiles)
#include "test_special_files.moc"
