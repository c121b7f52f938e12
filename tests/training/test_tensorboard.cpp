// The TensorBoard event file: CRC-32C against the published check values (RFC 3720 B.4 and the
// "123456789" check), then a file written by TensorBoardWriter and one written by a real run, read
// back by this test's own TFRecord and protocol buffer decoder: every record's length and payload
// CRC, the file_version record first, and each scalar's tag, step and value (a run's val/accuracy
// and train/loss equal metrics.csv's, as 32-bit floats).

#include "TinyDataset.h"
#include "core/training/TensorBoardWriter.h"
#include "core/training/TrainingJob.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <cstring>
#include <map>
#include <vector>

using namespace attune;

namespace {

struct Scalar {
  QString tag;
  int64_t step = 0;
  float value = 0.0f;
  double wallTime = 0.0;
};

struct EventFile {
  QString fileVersion;
  std::vector<Scalar> scalars;
  QString error;  // the first problem found; empty when every record checks out
};

uint64_t readVarint(const QByteArray& bytes, qsizetype& at) {
  uint64_t value = 0;
  for (int shift = 0; at < bytes.size() && shift < 64; shift += 7) {
    const auto byte = uint8_t(bytes[at++]);
    value |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  return value;
}

// Calls `field(number, wireType, varint, bytes)` for each field of a message.
template <typename F>
bool forEachField(const QByteArray& message, F field) {
  qsizetype at = 0;
  while (at < message.size()) {
    const uint64_t key = readVarint(message, at);
    const int number = int(key >> 3), wire = int(key & 7);
    uint64_t varint = 0;
    QByteArray bytes;
    if (wire == 0) {
      varint = readVarint(message, at);
    } else if (wire == 1 || wire == 5) {
      bytes = message.mid(at, wire == 1 ? 8 : 4);
      at += bytes.size();
    } else if (wire == 2) {
      const auto length = qsizetype(readVarint(message, at));
      bytes = message.mid(at, length);
      at += length;
    } else {
      return false;
    }
    field(number, wire, varint, bytes);
  }
  return at == message.size();
}

EventFile readEventFile(const QString& path) {
  EventFile file;
  QFile in(path);
  if (!in.open(QIODevice::ReadOnly)) return {{}, {}, QStringLiteral("cannot open")};
  const QByteArray data = in.readAll();
  qsizetype at = 0;
  int record = 0;
  while (at < data.size()) {
    ++record;
    if (data.size() - at < 12) return {{}, {}, QStringLiteral("record %1 cut short").arg(record)};
    const QByteArray header = data.mid(at, 8);
    const uint64_t length = qFromLittleEndian<quint64>(header.constData());
    if (qFromLittleEndian<quint32>(data.constData() + at + 8) != maskedCrc32c(header))
      return {{}, {}, QStringLiteral("record %1: length CRC").arg(record)};
    if (uint64_t(data.size() - at - 16) < length)
      return {{}, {}, QStringLiteral("record %1 too long").arg(record)};
    const QByteArray payload = data.mid(at + 12, qsizetype(length));
    if (qFromLittleEndian<quint32>(data.constData() + at + 12 + qsizetype(length)) != maskedCrc32c(payload))
      return {{}, {}, QStringLiteral("record %1: payload CRC").arg(record)};
    at += 16 + qsizetype(length);

    Scalar scalar;
    QByteArray summary;
    const bool parsed =
        forEachField(payload, [&](int number, int wire, uint64_t varint, const QByteArray& bytes) {
          if (number == 1 && wire == 1) std::memcpy(&scalar.wallTime, bytes.constData(), 8);
          if (number == 2 && wire == 0) scalar.step = int64_t(varint);
          if (number == 3 && wire == 2) file.fileVersion = QString::fromUtf8(bytes);
          if (number == 5 && wire == 2) summary = bytes;
        });
    if (!parsed) return {{}, {}, QStringLiteral("record %1: not a protocol buffer").arg(record)};
    if (record == 1 && file.fileVersion.isEmpty()) return {{}, {}, QStringLiteral("no file_version first")};
    if (summary.isEmpty()) continue;
    forEachField(summary, [&](int number, int, uint64_t, const QByteArray& value) {
      if (number != 1) return;
      forEachField(value, [&](int n, int w, uint64_t, const QByteArray& bytes) {
        if (n == 1 && w == 2) scalar.tag = QString::fromUtf8(bytes);
        if (n == 2 && w == 5) std::memcpy(&scalar.value, bytes.constData(), 4);
      });
      file.scalars.push_back(scalar);
    });
  }
  return file;
}

QString eventFileIn(const QString& directory) {
  const QStringList files = QDir(directory).entryList({QStringLiteral("events.out.tfevents.*")}, QDir::Files);
  return files.size() == 1 ? QDir(directory).filePath(files.first()) : QString();
}

}  // namespace

class TestTensorBoard : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void crc32cCheckValues() {
    QCOMPARE(crc32c(QByteArrayLiteral("123456789")), 0xE3069283u);
    QCOMPARE(crc32c(QByteArray(32, '\0')), 0x8A9136AAu);
    QCOMPARE(crc32c(QByteArray(32, '\xff')), 0x62A8AB43u);
    QByteArray ascending(32, '\0');
    for (int i = 0; i < 32; ++i) ascending[i] = char(i);
    QCOMPARE(crc32c(ascending), 0x46DD794Eu);
    QCOMPARE(crc32c(QByteArray()), 0u);
  }

  void writerRecordsReadBack() {
    QTemporaryDir dir;
    auto writer = TensorBoardWriter::create(dir.path());
    QVERIFY(writer.ok());
    QVERIFY((*writer)->filePath().contains(QStringLiteral("events.out.tfevents.")));
    QVERIFY((*writer)->addScalar(QStringLiteral("train/loss"), 0.6931, 1).ok());
    QVERIFY((*writer)->addScalar(QStringLiteral("val/accuracy"), 0.75, 300).ok());
    QVERIFY((*writer)->addScalar(QStringLiteral("lr/head"), 1e-3, int64_t(1) << 40).ok());
    QVERIFY((*writer)->flush().ok());
    const EventFile file = readEventFile((*writer)->filePath());
    QVERIFY2(file.error.isEmpty(), qPrintable(file.error));
    QCOMPARE(file.fileVersion, QStringLiteral("brain.Event:2"));
    QCOMPARE(int(file.scalars.size()), 3);
    QCOMPARE(file.scalars[0].tag, QStringLiteral("train/loss"));
    QCOMPARE(file.scalars[0].step, int64_t(1));
    QCOMPARE(file.scalars[0].value, 0.6931f);
    QCOMPARE(file.scalars[1].value, 0.75f);
    QCOMPARE(file.scalars[2].step, int64_t(1) << 40);
    QCOMPARE(file.scalars[2].value, 1e-3f);
    const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    QVERIFY(std::abs(file.scalars[0].wallTime - now) < 60.0);

    // A damaged byte is caught by the payload CRC.
    QFile raw((*writer)->filePath());
    QVERIFY(raw.open(QIODevice::ReadWrite));
    QByteArray bytes = raw.readAll();
    bytes[bytes.size() - 6] = char(bytes[bytes.size() - 6] ^ 0x10);
    raw.seek(0);
    raw.write(bytes);
    raw.close();
    QVERIFY(readEventFile((*writer)->filePath()).error.contains(QStringLiteral("CRC")));
  }

  void runWritesItsCurves() {
    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(data, 2, 6);
    Project project = attune::testing::tinyProject(dir.filePath(QStringLiteral("tiny.attune")), data);
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    const RunSummary summary = attune::testing::runToEnd(*job);
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));
    const QString run = QDir(job->runsDir).filePath(summary.runId);
    const QString events = eventFileIn(run);
    QVERIFY(!events.isEmpty());
    const EventFile file = readEventFile(events);
    QVERIFY2(file.error.isEmpty(), qPrintable(file.error));

    // metrics.csv: kind,epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,...
    QFile csv(QDir(run).filePath(QStringLiteral("metrics.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    std::vector<float> stepLosses, valAccuracies;
    for (const QByteArray& line : csv.readAll().split('\n')) {
      const QList<QByteArray> cells = line.split(',');
      if (cells.size() < 7) continue;
      if (cells[0] == "step") stepLosses.push_back(float(cells[3].toDouble()));
      if (cells[0] == "epoch") valAccuracies.push_back(float(cells[6].toDouble()));
    }
    std::vector<float> loggedLosses, loggedAccuracies;
    for (const Scalar& s : file.scalars) {
      if (s.tag == QLatin1String("train/loss")) loggedLosses.push_back(s.value);
      if (s.tag == QLatin1String("val/accuracy")) loggedAccuracies.push_back(s.value);
    }
    QCOMPARE(int(valAccuracies.size()), 2);
    QCOMPARE(loggedAccuracies, valAccuracies);
    QCOMPARE(int(loggedLosses.size()), int(stepLosses.size()));
    for (size_t i = 0; i < stepLosses.size(); ++i)
      QVERIFY(std::abs(loggedLosses[i] - stepLosses[i]) <= 1e-5f * std::max(1.0f, std::abs(stepLosses[i])));
  }
};

QTEST_GUILESS_MAIN(TestTensorBoard)
#include "test_tensorboard.moc"
