// Weights files read by mapping (safetensors, PyTorch checkpoints) that another program cuts short
// while they are mapped: a clear error naming the file instead of SIGBUS ending the process (issue
// 20, item 7). MappedFile's test hook truncates the file right after it is mapped, the worst moment;
// before MappedFile the same reads ended the process (test_mapped_file shows the bare SIGBUS).
// Named pipes in their place are refused at once.

#include "core/common/MappedFile.h"
#include "core/weights/PyTorchCheckpointReader.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"
#include "core/weights/WeightsFile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace attune;

namespace {

constexpr int64_t kValues = 256 * 1024;  // 1 MiB of float32: many pages past the cut

void truncateFromOutside(const QString& path) {
  const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY);
  QVERIFY(fd >= 0);
  QCOMPARE(::ftruncate(fd, 4096), 0);
  ::close(fd);
}

TensorMap bigTensor() {
  TensorData tensor;
  tensor.dtype = DType::F32;
  tensor.shape = {kValues};
  tensor.bytes = QByteArray(qsizetype(kValues * 4), '\x01');
  return {{"w", tensor}};
}

}  // namespace

class TestWeightsCutShort : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void cleanup() { MappedFile::setAfterMapHookForTests({}); }

  void safetensorsCutShortWhileMapped() {
    const QString path = m_dir.filePath(QStringLiteral("cut.safetensors"));
    QVERIFY(SafetensorsWriter::writeFile(path, bigTensor()).ok());
    QVERIFY(SafetensorsReader::readFile(path).ok());  // whole, it reads
    MappedFile::setAfterMapHookForTests([](const QString& mapped) { truncateFromOutside(mapped); });
    auto content = SafetensorsReader::readFile(path);
    QVERIFY(!content.ok());
    QVERIFY2(content.error().message.contains(QStringLiteral("cut short")),
             qPrintable(content.error().message));
    QVERIFY(content.error().message.contains(path));
    QCOMPARE(SafetensorsReader::errorKind(content.error()), SafetensorsError::FileUnreadable);
  }

  void pytorchCheckpointCutShortWhileMapped() {
    const QString path = m_dir.filePath(QStringLiteral("cut.pth"));
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(
        QStringLiteral(ATTUNE_REFERENCE_PYTHON),
        {QStringLiteral("-c"),
         QStringLiteral("import sys, torch; torch.save({'w': torch.ones(%1)}, sys.argv[1])").arg(kValues),
         path});
    QVERIFY2(python.waitForFinished(120'000) && python.exitCode() == 0, python.readAll().constData());
    QVERIFY(PyTorchCheckpointReader::readFile(path).ok());
    MappedFile::setAfterMapHookForTests([](const QString& mapped) { truncateFromOutside(mapped); });
    auto checkpoint = PyTorchCheckpointReader::readFile(path);
    QVERIFY(!checkpoint.ok());
    QVERIFY2(checkpoint.error().message.contains(QStringLiteral("cut short")),
             qPrintable(checkpoint.error().message));
    QCOMPARE(PyTorchCheckpointReader::errorKind(checkpoint.error()), CheckpointError::FileUnreadable);
  }

  void namedPipesAreRefusedAtOnce_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("safetensors") << "pipe.safetensors";
    QTest::newRow("pytorch") << "pipe.pth";
  }
  void namedPipesAreRefusedAtOnce() {
    QFETCH(QString, name);
    const QString path = m_dir.filePath(name);
    QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    QElapsedTimer timer;
    timer.start();
    auto file = readWeightsFile(path);
    QVERIFY(timer.elapsed() < 1000);
    QVERIFY(!file.ok());
    QVERIFY2(file.error().message.contains(QStringLiteral("named pipe")), qPrintable(file.error().message));
  }
};

QTEST_GUILESS_MAIN(TestWeightsCutShort)
#include "test_weights_cut_short.moc"
