// AtomicFile (core/common/AtomicFile.h): a save either replaces the file whole and on the disk, or
// fails with the file and the cause named, the old file byte for byte as it was and no temporary
// file left. Every stage is failed through ATTUNE_FAULT_WRITE; the writers' own tables are in
// tests/cli/test_cli_write_failures and tests/project/test_writer_failures.

#include "core/common/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

using namespace attune;

namespace {

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writePlain(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  QCOMPARE(file.write(bytes), bytes.size());
}

// Files in `folder` other than `expected` (left-over temporary files).
QStringList strayFiles(const QString& folder, const QStringList& expected) {
  QStringList stray;
  for (const QString& name : QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::System))
    if (!expected.contains(name)) stray << name;
  return stray;
}

QByteArray pattern(qsizetype size) {
  QByteArray bytes(size, Qt::Uninitialized);
  for (qsizetype i = 0; i < size; ++i) bytes[i] = char('a' + i % 26);
  return bytes;
}

struct FaultScope {
  explicit FaultScope(const QByteArray& spec) { qputenv("ATTUNE_FAULT_WRITE", spec); }
  ~FaultScope() { qunsetenv("ATTUNE_FAULT_WRITE"); }
};

}  // namespace

class TestAtomicFile : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void replacesTheFileWhole() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.txt"));
    writePlain(path, "old");
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0640) == 0);
    const Status saved = AtomicFile::writeFile(path, pattern(100000));
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().text()));
    QCOMPARE(readAll(path), pattern(100000));
    struct stat info {};
    QVERIFY(::stat(QFile::encodeName(path).constData(), &info) == 0);
    QCOMPARE(int(info.st_mode & 0777), 0640);
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("a.txt")}), QStringList());
  }

  void streamsThroughTheDevice() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("b.bin"));
    AtomicFile file(path);
    QVERIFY(file.open().ok());
    for (int i = 0; i < 10; ++i) QCOMPARE(file.write(pattern(1000)), qint64(1000));
    QVERIFY(!QFile::exists(path));  // nothing under the name before the commit
    QVERIFY(file.commit().ok());
    QCOMPARE(readAll(path).size(), 10000);
  }

  void symbolicLinkKeepsPointingAtTheSavedFile() {
    QTemporaryDir dir;
    const QString real = dir.filePath(QStringLiteral("real.txt"));
    const QString link = dir.filePath(QStringLiteral("link.txt"));
    writePlain(real, "old");
    QVERIFY(QFile::link(real, link));
    QVERIFY(AtomicFile::writeFile(link, "new").ok());
    QCOMPARE(readAll(real), QByteArray("new"));
    QVERIFY(QFileInfo(link).isSymLink());
  }

  void missingFolderIsNamed() {
    QTemporaryDir dir;
    const Status saved = AtomicFile::writeFile(dir.filePath(QStringLiteral("no/such/folder/x.csv")), "x");
    QVERIFY(!saved.ok());
    QCOMPARE(saved.error().code, ErrorCode::FileUnwritable);
    QVERIFY2(saved.error().message.contains(QStringLiteral("x.csv")), qPrintable(saved.error().message));
    QVERIFY2(saved.error().message.contains(QStringLiteral("the folder does not exist")),
             qPrintable(saved.error().message));
  }

  void failureAtEveryStageKeepsTheOldFile_data() {
    QTest::addColumn<QByteArray>("fault");
    QTest::addColumn<int>("errorNumber");
    QTest::addColumn<bool>("oldFile");
    for (const bool old : {true, false}) {
      const char* suffix = old ? " over an old file" : " of a new file";
      QTest::addRow("open%s", suffix) << QByteArray("open") << EACCES << old;
      for (const int offset : {0, 1, 4095, 4096, 4097, 65536, 99999})
        QTest::addRow("write at byte %d%s", offset, suffix)
            << "write:" + QByteArray::number(offset) << ENOSPC << old;
      QTest::addRow("fsync%s", suffix) << QByteArray("fsync") << EIO << old;
      QTest::addRow("rename%s", suffix) << QByteArray("rename") << EACCES << old;
    }
  }

  void failureAtEveryStageKeepsTheOldFile() {
    QFETCH(QByteArray, fault);
    QFETCH(int, errorNumber);
    QFETCH(bool, oldFile);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("labels.csv"));
    const QByteArray before = "the old content\n";
    if (oldFile) writePlain(path, before);
    Status saved;
    {
      const FaultScope scope(fault);
      saved = AtomicFile::writeFile(path, pattern(100000));
    }
    QVERIFY(!saved.ok());
    QCOMPARE(saved.error().detail, errorNumber);
    QVERIFY2(saved.error().message.contains(QStringLiteral("labels.csv")), qPrintable(saved.error().message));
    if (errorNumber == ENOSPC) {
      QVERIFY2(saved.error().message.contains(QStringLiteral("the disk is full")),
               qPrintable(saved.error().text()));
      QVERIFY2(saved.error().hint.contains(QStringLiteral("Free some space")),
               qPrintable(saved.error().hint));
    }
    if (oldFile)
      QCOMPARE(readAll(path), before);
    else
      QVERIFY(!QFile::exists(path));
    QCOMPARE(strayFiles(dir.path(), oldFile ? QStringList{QStringLiteral("labels.csv")} : QStringList()),
             QStringList());
  }

  // A writer that ignores write()'s result (QImage::save, QPdfWriter) still gets the failure from commit().
  void commitFailsAfterAnIgnoredWriteFailure() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("report.html"));
    writePlain(path, "old");
    const FaultScope scope("write:10");
    AtomicFile file(path);
    QVERIFY(file.open().ok());
    file.write(pattern(100));
    file.write(pattern(100));
    const Status committed = file.commit();
    QVERIFY(!committed.ok());
    QCOMPARE(committed.error().detail, ENOSPC);
    QCOMPARE(readAll(path), QByteArray("old"));
  }

  void faultCanNameOneFile() {
    QTemporaryDir dir;
    const FaultScope scope("fsync@state.json");
    QVERIFY(AtomicFile::writeFile(dir.filePath(QStringLiteral("config.json")), "{}").ok());
    QVERIFY(!AtomicFile::writeFile(dir.filePath(QStringLiteral("state.json")), "{}").ok());
  }

  void faultCanHitTheKthSave() {
    QTemporaryDir dir;
    const FaultScope scope("rename@last.safetensors#2");
    const QString path = dir.filePath(QStringLiteral("last.safetensors"));
    QVERIFY(AtomicFile::writeFile(path, "epoch 1").ok());
    QVERIFY(!AtomicFile::writeFile(path, "epoch 2").ok());
    QVERIFY(AtomicFile::writeFile(path, "epoch 3").ok());
    QCOMPARE(readAll(path), QByteArray("epoch 3"));
  }

  void folderSyncFailureIsReported() {
    QTemporaryDir dir;
    const FaultScope scope("dirsync");
    const Status saved = AtomicFile::writeFile(dir.filePath(QStringLiteral("a.txt")), "new");
    QVERIFY(!saved.ok());
    QCOMPARE(saved.error().detail, EIO);
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("a.txt")}), QStringList());
  }

  void cancelledFileLeavesNothing() {
    QTemporaryDir dir;
    {
      AtomicFile file(dir.filePath(QStringLiteral("a.txt")));
      QVERIFY(file.open().ok());
      file.write("abc");
    }  // destroyed without commit
    QCOMPARE(strayFiles(dir.path(), {}), QStringList());
  }

  // A save killed half way (SIGKILL) leaves its temporary file and the old file; the next save into
  // the folder, by another process, removes the temporary file of the dead one.
  void killedSaveLeavesTheOldFileAndIsCleanedUp() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("state.json"));
    writePlain(path, "old");
    const pid_t child = ::fork();
    if (child == 0) {
      qputenv("ATTUNE_FAULT_WRITE", "kill:5000");
      (void)AtomicFile::writeFile(path, pattern(10000));
      ::_exit(0);  // not reached: the fault kills the child
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    QCOMPARE(readAll(path), QByteArray("old"));
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("state.json")}).size(), 1);  // the dead one's
    QVERIFY(AtomicFile::writeFile(dir.filePath(QStringLiteral("other.json")), "{}").ok());
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("state.json"), QStringLiteral("other.json")}),
             QStringList());
  }

  void appendStopsAtTheFault() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("j.jsonl"));
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    QVERIFY(fd >= 0);
    QVERIFY(appendAndSync(fd, path, "first\n").ok());
    {
      const FaultScope scope("write:3");
      const Status appended = appendAndSync(fd, path, "second\n");
      QVERIFY(!appended.ok());
      QCOMPARE(appended.error().detail, ENOSPC);
    }
    ::close(fd);
    QCOMPARE(readAll(path), QByteArray("first\nsec"));
  }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
