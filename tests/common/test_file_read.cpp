// core/common/FileRead.h: only regular files are read, never past the stated limit, and a named pipe
// or a device is refused at once instead of blocking or filling memory.

#include "core/common/FileRead.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace attune;

namespace {

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  QCOMPARE(file.write(bytes), bytes.size());
}

}  // namespace

class TestFileRead : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void readsARegularFileAndALinkToOne() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.json"));
    writeFile(path, "{\"x\": 1}");
    auto bytes = readRegularFile(path, 100, QStringLiteral("the file"));
    QVERIFY(bytes.ok());
    QCOMPARE(*bytes, QByteArray("{\"x\": 1}"));
    const QString link = dir.filePath(QStringLiteral("link.json"));
    QVERIFY(QFile::link(path, link));
    auto viaLink = readRegularFile(link, 100, QStringLiteral("the file"));
    QVERIFY(viaLink.ok());
    QCOMPARE(*viaLink, *bytes);
  }

  void refusesAFileLargerThanTheLimit() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.bin"));
    writeFile(path, QByteArray(101, 'x'));
    auto bytes = readRegularFile(path, 100, QStringLiteral("the weight shard"));
    QVERIFY(!bytes.ok());
    QCOMPARE(bytes.error().code, ErrorCode::BadFormat);
    QVERIFY2(bytes.error().message.startsWith(QStringLiteral("The weight shard ")),
             qPrintable(bytes.error().message));
    QVERIFY(bytes.error().message.contains(QStringLiteral("100 bytes")));
    QVERIFY(readRegularFile(path, 101, QStringLiteral("the weight shard")).ok());
    QVERIFY(readRegularFile(path, -1, QStringLiteral("the weight shard")).ok());
  }

  void refusesANamedPipeAtOnce() {
    QTemporaryDir dir;
    const QString fifo = dir.filePath(QStringLiteral("table.csv"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QElapsedTimer timer;
    timer.start();
    auto bytes = readRegularFile(fifo, -1, QStringLiteral("the data table"));
    QVERIFY(!bytes.ok());
    QVERIFY2(bytes.error().message.contains(QStringLiteral("named pipe")), qPrintable(bytes.error().message));
    QFile file;
    auto opened = openRegularFile(file, fifo, -1, QStringLiteral("the data table"));
    QVERIFY(!opened.ok());
    QVERIFY(!file.isOpen());
    QVERIFY(timer.elapsed() < 1000);
  }

  void refusesALinkToADevice() {
    QTemporaryDir dir;
    const QString link = dir.filePath(QStringLiteral("group1-shard1of1.bin"));
    QVERIFY(QFile::link(QStringLiteral("/dev/zero"), link));
    auto bytes = readRegularFile(link, qint64(1) << 40, QStringLiteral("the weight shard"));
    QVERIFY(!bytes.ok());
    QCOMPARE(bytes.error().code, ErrorCode::FileUnreadable);
    QVERIFY2(bytes.error().message.contains(QStringLiteral("a device")), qPrintable(bytes.error().message));
  }

  void refusesAFolderAndNamesAMissingFile() {
    QTemporaryDir dir;
    auto folder = readRegularFile(dir.path(), -1, QStringLiteral("the project file"));
    QVERIFY(!folder.ok());
    QVERIFY(folder.error().message.contains(QStringLiteral("a folder")));
    auto missing =
        readRegularFile(dir.filePath(QStringLiteral("none")), -1, QStringLiteral("the project file"));
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::FileNotFound);
  }

  void opensARegularFileForStreaming() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("t.csv"));
    writeFile(path, "a,b\n1,2\n");
    QFile file;
    auto opened = openRegularFile(file, path, -1, QStringLiteral("the data table"));
    QVERIFY(opened.ok());
    QVERIFY(file.isOpen());
    QCOMPARE(file.readLine(), QByteArray("a,b\n"));
    QCOMPARE(file.readAll(), QByteArray("1,2\n"));
    QFile limited;
    QVERIFY(!openRegularFile(limited, path, 3, QStringLiteral("the data table")).ok());
  }
};

QTEST_GUILESS_MAIN(TestFileRead)
#include "test_file_read.moc"
