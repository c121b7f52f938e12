// Tests of the PyTorch checkpoint reader: checkpoints written by Debian's torch (make_checkpoints.py)
// in the zip and legacy formats, compared byte for byte with the tensors torch holds; malicious
// pickles that must be refused without running anything; damaged files; seeded random mutations.

#include "core/weights/PyTorchCheckpointReader.h"
#include "core/weights/RestrictedUnpickler.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/ZipArchive.h"
#include "tests/support/TestEnvironment.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace attune;

Q_DECLARE_METATYPE(attune::CheckpointError)

namespace {

QByteArray readAll(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return file.readAll();
}

// A legacy-looking stream (PROTO 2 first) whose first pickle is `body`.
QByteArray legacyPickle(const QByteArray& body) {
  return QByteArray("\x80\x02", 2) + body;
}

}  // namespace

class TestPyTorchCheckpoint : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString path(const QString& name) const { return m_dir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    // Python with torch is a set-up dependency: its absence fails the test rather than skipping it.
    QVERIFY2(QFile::exists(QStringLiteral(ATTUNE_REFERENCE_PYTHON)),
             "python3 with torch and torchvision is required (apt install python3-torchvision)");
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                 {attune::testing::testPath("ATTUNE_CHECKPOINTS_SCRIPT"), m_dir.path()});
    QVERIFY2(python.waitForFinished(300'000), "make_checkpoints.py did not finish");
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
             python.readAll().constData());
  }

  void readsWhatTorchWrote_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("stateDictKey");
    for (const char* format : {"zip", "legacy"}) {
      for (const auto& [name, key] : std::vector<std::pair<QString, QString>>{{"resnet18", ""},
                                                                              {"dtypes", ""},
                                                                              {"views", ""},
                                                                              {"wrapped", "state_dict"},
                                                                              {"model_key", "model"},
                                                                              {"small", ""}}) {
        QTest::addRow("%s_%s", qPrintable(name), format) << name << QString::fromLatin1(format) << key;
      }
    }
  }

  void readsWhatTorchWrote() {
    QFETCH(QString, name);
    QFETCH(QString, format);
    QFETCH(QString, stateDictKey);
    auto checkpoint = PyTorchCheckpointReader::readFile(path(name + "_" + format + ".pt"));
    QVERIFY2(checkpoint.ok(), checkpoint.ok() ? "" : qPrintable(checkpoint.error().text()));
    QCOMPARE(checkpoint->format, format);
    QCOMPARE(checkpoint->stateDictKey, stateDictKey);
    auto expected = SafetensorsReader::readFile(path(name + ".expected.safetensors"));
    QVERIFY2(expected.ok(), expected.ok() ? "" : qPrintable(expected.error().text()));
    QCOMPARE(checkpoint->tensors.size(), expected->tensors.size());
    for (const auto& [key, tensor] : expected->tensors) {
      const auto found = checkpoint->tensors.find(key);
      QVERIFY2(found != checkpoint->tensors.end(), key.c_str());
      QCOMPARE(found->second.dtype, tensor.dtype);
      QCOMPARE(found->second.shape, tensor.shape);
      QVERIFY2(found->second.bytes == tensor.bytes, key.c_str());
    }
  }

  void listsIgnoredEntries() {
    auto checkpoint = PyTorchCheckpointReader::readFile(path("wrapped_zip.pt"));
    QVERIFY(checkpoint.ok());
    QVERIFY2(checkpoint->ignoredEntries.contains(QStringLiteral("epoch (int)")),
             qPrintable(checkpoint->ignoredEntries.join(", ")));
    QVERIFY(checkpoint->ignoredEntries.contains(QStringLiteral("optimizer (dict)")));
    auto resnet = PyTorchCheckpointReader::readFile(path("resnet18_zip.pt"));
    QVERIFY(resnet.ok());
    QCOMPARE(resnet->tensors.size(), size_t(122));  // 62 parameters + 60 batch-norm buffers
    QVERIFY(resnet->ignoredEntries.isEmpty());
  }

  void refusesCode_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("zip") << QStringLiteral("evil_zip.pt");
    QTest::newRow("legacy") << QStringLiteral("evil_legacy.pt");
  }

  void refusesCode() {
    QFETCH(QString, file);
    auto checkpoint = PyTorchCheckpointReader::readFile(path(file));
    QVERIFY(!checkpoint.ok());
    QCOMPARE(PyTorchCheckpointReader::errorKind(checkpoint.error()), CheckpointError::UnsafeGlobal);
    QVERIFY2(checkpoint.error().message.contains(QStringLiteral("'posix.system'")),
             qPrintable(checkpoint.error().message));
    QVERIFY(checkpoint.error().hint.contains(QStringLiteral("safetensors")));
    QVERIFY(!QFile::exists(path(QStringLiteral("MARKER"))));
  }

  void refusesGlobalsOutsideTheAllowList_data() {
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("name");
    QTest::newRow("eval") << QByteArray("cbuiltins\neval\n") << "builtins.eval";
    QTest::newRow("subprocess") << QByteArray("csubprocess\nPopen\n") << "subprocess.Popen";
    QTest::newRow("stack_global") << QByteArray("\x8c\x02os\x8c\x06system\x93", 13) << "os.system";
    QTest::newRow("torch_load") << QByteArray("ctorch\nload\n") << "torch.load";
  }

  void refusesGlobalsOutsideTheAllowList() {
    QFETCH(QByteArray, pickle);
    QFETCH(QString, name);
    const QByteArray stream = legacyPickle(pickle + ".");
    RestrictedUnpickler unpickler(stream);
    auto value = unpickler.load();
    QVERIFY(!value.ok());
    QCOMPARE(PyTorchCheckpointReader::errorKind(value.error()), CheckpointError::UnsafeGlobal);
    QVERIFY2(value.error().message.contains("'" + name + "'"), qPrintable(value.error().message));
  }

  void refusesDamagedFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<CheckpointError>("kind");
    const QByteArray zip = readAll(path("small_zip.pt"));
    const QByteArray legacy = readAll(path("small_legacy.pt"));
    QVERIFY(!zip.isEmpty() && !legacy.isEmpty());
    QTest::newRow("empty") << QByteArray() << CheckpointError::NotACheckpoint;
    QTest::newRow("text") << QByteArray("hello") << CheckpointError::NotACheckpoint;
    QTest::newRow("zip_truncated_half") << zip.left(zip.size() / 2) << CheckpointError::BadZip;
    QTest::newRow("zip_truncated_end") << zip.left(zip.size() - 10) << CheckpointError::BadZip;
    QByteArray bad_directory = zip;
    const qsizetype directory_at = bad_directory.lastIndexOf(QByteArray("PK\x01\x02", 4));
    bad_directory[directory_at + 2] = 'X';
    QTest::newRow("zip_bad_directory") << bad_directory << CheckpointError::BadZip;
    QByteArray bad_offset = zip;
    const qsizetype end_at = bad_offset.lastIndexOf(QByteArray("PK\x05\x06", 4));
    qToLittleEndian<quint32>(0x7fffffff, bad_offset.data() + end_at + 16);
    QTest::newRow("zip_directory_offset_past_end") << bad_offset << CheckpointError::BadZip;
    // torch.save writes a zip64 end record too, even for small files.
    QByteArray bad_zip64_offset = zip;
    const qsizetype zip64_end_at = bad_zip64_offset.lastIndexOf(QByteArray("PK\x06\x06", 4));
    QVERIFY(zip64_end_at > 0);
    qToLittleEndian<quint64>(0x7fffffffffffULL, bad_zip64_offset.data() + zip64_end_at + 48);
    QTest::newRow("zip64_directory_offset_past_end") << bad_zip64_offset << CheckpointError::BadZip;
    QTest::newRow("zip_deflated") << readAll(path("deflated.pt")) << CheckpointError::UnsupportedZip;
    QTest::newRow("expanded_huge") << readAll(path("expanded_huge.pt")) << CheckpointError::LimitExceeded;
    QTest::newRow("legacy_truncated_data") << legacy.left(legacy.size() - 4) << CheckpointError::BadTensor;
    QTest::newRow("legacy_truncated_pickle") << legacy.left(100) << CheckpointError::BadPickle;
    QTest::newRow("huge_binunicode") << legacyPickle(QByteArray("X\xff\xff\xff\x7f", 5) + "abc")
                                     << CheckpointError::BadPickle;
    QTest::newRow("huge_binunicode8")
        << legacyPickle(QByteArray("\x8d\xff\xff\xff\xff\xff\xff\xff\x7f", 9) + "abc")
        << CheckpointError::BadPickle;
    QTest::newRow("deep_marks") << legacyPickle(QByteArray(200'000, '(')) << CheckpointError::LimitExceeded;
    QTest::newRow("deep_lists") << legacyPickle(QByteArray(2'000'000, ']')) << CheckpointError::LimitExceeded;
    QTest::newRow("nested_lists") << legacyPickle(QByteArray(500'000, ']') + QByteArray(499'999, 'a') + ".")
                                  << CheckpointError::NotACheckpoint;
    QTest::newRow("memo_miss") << legacyPickle("h\x05.") << CheckpointError::BadPickle;
    QTest::newRow("bad_opcode") << legacyPickle("\xff.") << CheckpointError::BadPickle;
    QTest::newRow("stop_on_empty") << legacyPickle(".") << CheckpointError::BadPickle;
  }

  void refusesDamagedFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(CheckpointError, kind);
    auto checkpoint = PyTorchCheckpointReader::parse(bytes);
    QVERIFY(!checkpoint.ok());
    QVERIFY(!checkpoint.error().message.isEmpty());
    QCOMPARE(PyTorchCheckpointReader::errorKind(checkpoint.error()), kind);
  }

  void missingFile() {
    auto checkpoint = PyTorchCheckpointReader::readFile(path("absent.pt"));
    QVERIFY(!checkpoint.ok());
    QCOMPARE(checkpoint.error().code, ErrorCode::FileNotFound);
  }

  // Seeded random damage to a valid small checkpoint: an error or a result, never a crash or an
  // over-read (run under ASan to see the latter).
  void survivesRandomMutations_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("zip") << QStringLiteral("small_zip.pt");
    QTest::newRow("legacy") << QStringLiteral("small_legacy.pt");
  }

  void survivesRandomMutations() {
    QFETCH(QString, file);
    const QByteArray original = readAll(path(file));
    QVERIFY(!original.isEmpty());
    QRandomGenerator random(20261129);
    int accepted = 0;
    for (int round = 0; round < 1000; ++round) {
      QByteArray mutated = original;
      const int flips = 1 + int(random.bounded(8));
      for (int i = 0; i < flips; ++i) {
        mutated[qsizetype(random.bounded(quint32(mutated.size())))] = char(random.bounded(256));
      }
      if (random.bounded(4) == 0) mutated.truncate(qsizetype(random.bounded(quint32(mutated.size()))));
      auto checkpoint = PyTorchCheckpointReader::parse(mutated);
      if (checkpoint.ok()) {
        ++accepted;
        for (const auto& [name, tensor] : checkpoint->tensors) {
          QCOMPARE(int64_t(tensor.bytes.size()), tensor.numel() * dtypeSize(tensor.dtype));
        }
      } else {
        QVERIFY(!checkpoint.error().message.isEmpty());
      }
    }
    qInfo("%d of 1000 mutations still read", accepted);
  }
};

QTEST_GUILESS_MAIN(TestPyTorchCheckpoint)
#include "test_pytorch_checkpoint.moc"
