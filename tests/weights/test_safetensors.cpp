// Tests of the safetensors reader and writer: round trips, the exact byte layout, a file written by
// hand, hostile headers, write failures and seeded random mutations of a valid file.

#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <limits>

using namespace attune;

Q_DECLARE_METATYPE(attune::DType)
Q_DECLARE_METATYPE(attune::SafetensorsError)
Q_DECLARE_METATYPE(attune::TensorMap)
using Metadata = std::map<std::string, std::string>;
Q_DECLARE_METATYPE(Metadata)

namespace {

QByteArray lengthField(quint64 header_bytes) {
  QByteArray field(8, Qt::Uninitialized);
  qToLittleEndian<quint64>(header_bytes, field.data());
  return field;
}

QByteArray fileWith(const QByteArray& header, const QByteArray& data = {}) {
  return lengthField(quint64(header.size())) + header + data;
}

// Deterministic, distinct bytes so that a tensor read from the wrong offset is noticed.
TensorData makeTensor(DType dtype, std::vector<int64_t> shape, int seed = 0) {
  TensorData tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  const int64_t byte_count = checkedByteSize(tensor.dtype, tensor.shape).value();
  tensor.bytes.resize(qsizetype(byte_count));
  for (int64_t i = 0; i < byte_count; ++i) tensor.bytes[qsizetype(i)] = char((i * 31 + seed * 7 + 1) & 0xff);
  return tensor;
}

void compareTensors(const TensorMap& actual, const TensorMap& expected) {
  QCOMPARE(actual.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    const auto found = actual.find(name);
    QVERIFY2(found != actual.end(), name.c_str());
    QCOMPARE(found->second.dtype, tensor.dtype);
    QCOMPARE(found->second.shape, tensor.shape);
    QCOMPARE(found->second.bytes, tensor.bytes);
  }
}

// A valid file with several dtypes, an empty tensor, a scalar and metadata: the seed of the mutations.
QByteArray validFile() {
  TensorMap tensors;
  tensors["embed.weight"] = makeTensor(DType::F32, {4, 3}, 1);
  tensors["head.bias"] = makeTensor(DType::BF16, {3}, 2);
  tensors["scale"] = makeTensor(DType::F64, {}, 3);
  tensors["empty"] = makeTensor(DType::I64, {0, 5}, 4);
  tensors["mask"] = makeTensor(DType::Bool, {2, 2}, 5);
  return SafetensorsWriter::serialize(tensors, {{"format", "pt"}}).value();
}

// Fails every write once `budget_bytes` have been written: a full disk.
class FailingDevice : public QIODevice {
 public:
  explicit FailingDevice(qint64 budget_bytes) : m_budget_bytes(budget_bytes) {
    open(QIODevice::WriteOnly | QIODevice::Unbuffered);
  }

 protected:
  qint64 readData(char*, qint64) override { return -1; }
  qint64 writeData(const char*, qint64 length) override {
    if (length > m_budget_bytes) {
      setErrorString(QStringLiteral("No space left on device"));
      return -1;
    }
    m_budget_bytes -= length;
    return length;
  }

 private:
  qint64 m_budget_bytes;
};

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void dtypeNames_data();
  void dtypeNames();
  void numel_data();
  void numel();
  void roundTrip_data();
  void roundTrip();
  void roundTripThroughFile();
  void writeToDeviceMatchesSerialize();
  void exactByteLayout();
  void readsHandWrittenFile();
  void acceptsUnusualButValidFiles_data();
  void acceptsUnusualButValidFiles();
  void rejectsHostileHeader_data();
  void rejectsHostileHeader();
  void readFileReportsMissingFile();
  void writerRejectsInconsistentTensors_data();
  void writerRejectsInconsistentTensors();
  void writeFileFailsInMissingFolder();
  void sourcesWriteTheSameFileOneTensorAtATime();
  void writeFileFailsInReadOnlyFolder();
  void writeFailsOnFullDevice_data();
  void writeFailsOnFullDevice();
  void failedWriteKeepsOldFile();
  void randomMutationsNeverCrash();
};

void TestSafetensors::dtypeNames_data() {
  QTest::addColumn<DType>("dtype");
  QTest::addColumn<QString>("name");
  QTest::addColumn<int>("size_bytes");
  QTest::newRow("F64") << DType::F64 << "F64" << 8;
  QTest::newRow("F32") << DType::F32 << "F32" << 4;
  QTest::newRow("F16") << DType::F16 << "F16" << 2;
  QTest::newRow("BF16") << DType::BF16 << "BF16" << 2;
  QTest::newRow("I64") << DType::I64 << "I64" << 8;
  QTest::newRow("I32") << DType::I32 << "I32" << 4;
  QTest::newRow("I16") << DType::I16 << "I16" << 2;
  QTest::newRow("I8") << DType::I8 << "I8" << 1;
  QTest::newRow("U8") << DType::U8 << "U8" << 1;
  QTest::newRow("BOOL") << DType::Bool << "BOOL" << 1;
}

void TestSafetensors::dtypeNames() {
  QFETCH(DType, dtype);
  QFETCH(QString, name);
  QFETCH(int, size_bytes);
  QCOMPARE(QString::fromLatin1(dtypeName(dtype)), name);
  QCOMPARE(dtypeSize(dtype), size_bytes);
  QCOMPARE(dtypeFromName(name.toStdString()), std::optional<DType>(dtype));
  QVERIFY(!dtypeFromName(name.toLower().toStdString()));
}

void TestSafetensors::numel_data() {
  QTest::addColumn<std::vector<int64_t>>("shape");
  QTest::addColumn<int64_t>("expected");  // -1: invalid
  constexpr int64_t kBig = int64_t(1) << 40;
  QTest::newRow("scalar") << std::vector<int64_t>{} << int64_t(1);
  QTest::newRow("matrix") << std::vector<int64_t>{2, 3} << int64_t(6);
  QTest::newRow("empty") << std::vector<int64_t>{0} << int64_t(0);
  QTest::newRow("zero dim after huge ones") << std::vector<int64_t>{kBig, kBig, 0} << int64_t(0);
  QTest::newRow("negative") << std::vector<int64_t>{2, -1} << int64_t(-1);
  QTest::newRow("overflow") << std::vector<int64_t>{kBig, kBig} << int64_t(-1);
}

void TestSafetensors::numel() {
  QFETCH(std::vector<int64_t>, shape);
  QFETCH(int64_t, expected);
  TensorData tensor;
  tensor.shape = shape;
  QCOMPARE(tensor.numel(), expected);
  QCOMPARE(checkedNumel(shape).value_or(-1), expected);
}

void TestSafetensors::roundTrip_data() {
  QTest::addColumn<TensorMap>("tensors");
  QTest::addColumn<Metadata>("metadata");
  for (DType dtype : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16,
                      DType::I8, DType::U8, DType::Bool}) {
    const QByteArray name = dtypeName(dtype);
    QTest::addRow("%s matrix", name.constData()) << TensorMap{{"w", makeTensor(dtype, {2, 3})}} << Metadata{};
    QTest::addRow("%s scalar", name.constData()) << TensorMap{{"s", makeTensor(dtype, {})}} << Metadata{};
    QTest::addRow("%s empty", name.constData())
        << TensorMap{{"e", makeTensor(dtype, {3, 0, 2})}} << Metadata{};
  }
  QTest::newRow("no tensors") << TensorMap{} << Metadata{};
  QTest::newRow("metadata only") << TensorMap{} << Metadata{{"format", "pt"}};
  QTest::newRow("mixed with metadata") << TensorMap{{"b.weight", makeTensor(DType::F16, {5, 1}, 1)},
                                                    {"a.weight", makeTensor(DType::I8, {7}, 2)},
                                                    {"c", makeTensor(DType::F64, {}, 3)},
                                                    {"d", makeTensor(DType::U8, {0}, 4)}}
                                       << Metadata{{"format", "pt"}, {"note", "ünïcode ✓"}, {"empty", ""}};
  QTest::newRow("unicode name") << TensorMap{{"größe.λ", makeTensor(DType::F32, {1})}} << Metadata{};
}

void TestSafetensors::roundTrip() {
  QFETCH(TensorMap, tensors);
  QFETCH(Metadata, metadata);
  const Result<QByteArray> bytes = SafetensorsWriter::serialize(tensors, metadata);
  QVERIFY2(bytes.ok(), qPrintable(bytes.ok() ? QString() : bytes.error().text()));
  const Result<SafetensorsContent> content = SafetensorsReader::parse(*bytes);
  QVERIFY2(content.ok(), qPrintable(content.ok() ? QString() : content.error().text()));
  compareTensors(content->tensors, tensors);
  QCOMPARE(content->metadata, metadata);
}

void TestSafetensors::roundTripThroughFile() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath(QStringLiteral("model.safetensors"));
  TensorMap tensors{{"big", makeTensor(DType::F32, {256, 257}, 1)},
                    {"small", makeTensor(DType::I16, {3}, 2)}};
  const Status written = SafetensorsWriter::writeFile(path, tensors, {{"format", "pt"}});
  QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().text()));
  const Result<SafetensorsContent> content = SafetensorsReader::readFile(path);
  QVERIFY2(content.ok(), qPrintable(content.ok() ? QString() : content.error().text()));
  compareTensors(content->tensors, tensors);
  QCOMPARE(content->metadata, (Metadata{{"format", "pt"}}));
}

void TestSafetensors::writeToDeviceMatchesSerialize() {
  TensorMap tensors{{"x", makeTensor(DType::F16, {3, 3})}, {"y", makeTensor(DType::U8, {5})}};
  QBuffer buffer;
  QVERIFY(buffer.open(QIODevice::WriteOnly));
  QVERIFY(SafetensorsWriter::write(buffer, tensors).ok());
  QCOMPARE(buffer.data(), SafetensorsWriter::serialize(tensors).value());
}

void TestSafetensors::exactByteLayout() {
  TensorMap tensors;
  // Inserted out of order: the file lists them sorted by name, data in the same order.
  tensors["b"] = TensorData{DType::I8, {3}, QByteArray("\x09\x0a\x0b", 3)};
  tensors["a"] = TensorData{DType::F32, {2}, QByteArray("\x01\x02\x03\x04\x05\x06\x07\x08", 8)};
  const QByteArray json = R"({"__metadata__":{"format":"pt"},)"
                          R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"I8","shape":[3],"data_offsets":[8,11]}})";
  QCOMPARE(json.size(), qsizetype(138));
  const QByteArray padded_header = json + QByteArray(6, ' ');  // 144 = 18 * 8
  const QByteArray expected = QByteArray("\x90\0\0\0\0\0\0\0", 8) + padded_header +
                              QByteArray("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b", 11);
  QCOMPARE(SafetensorsWriter::serialize(tensors, {{"format", "pt"}}).value(), expected);
}

void TestSafetensors::readsHandWrittenFile() {
  // The example of the format's README: unpadded, metadata after the tensor, int32 [[1, 2], [3, 4]].
  const QByteArray header = R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]},)"
                            R"("__metadata__":{"format":"pt"}})";
  const QByteArray data("\x01\0\0\0\x02\0\0\0\x03\0\0\0\x04\0\0\0", 16);
  const Result<SafetensorsContent> content = SafetensorsReader::parse(fileWith(header, data));
  QVERIFY2(content.ok(), qPrintable(content.ok() ? QString() : content.error().text()));
  QCOMPARE(content->tensors.size(), size_t(1));
  const TensorData& test = content->tensors.at("test");
  QCOMPARE(test.dtype, DType::I32);
  QCOMPARE(test.shape, (std::vector<int64_t>{2, 2}));
  QCOMPARE(test.numel(), int64_t(4));
  for (int i = 0; i < 4; ++i) QCOMPARE(qFromLittleEndian<qint32>(test.bytes.constData() + 4 * i), i + 1);
  QCOMPARE(content->metadata.at("format"), std::string("pt"));
}

void TestSafetensors::acceptsUnusualButValidFiles_data() {
  QTest::addColumn<QByteArray>("file");
  QTest::addColumn<int>("tensor_count");
  QTest::newRow("empty header") << fileWith("{}") << 0;
  QTest::newRow("whitespace around header") << fileWith("  \n{ }\t  ") << 0;
  QTest::newRow("empty tensor inside another")
      << fileWith(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                  R"("e":{"dtype":"F32","shape":[0],"data_offsets":[2,2]}})",
                  "abcd")
      << 2;
  QTest::newRow("gap and trailing bytes")
      << fileWith(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", "xxabyy") << 1;
  QTest::newRow("unknown extra field")
      << fileWith(R"({"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"x":[]}})", "z") << 1;
}

void TestSafetensors::acceptsUnusualButValidFiles() {
  QFETCH(QByteArray, file);
  QFETCH(int, tensor_count);
  const Result<SafetensorsContent> content = SafetensorsReader::parse(file);
  QVERIFY2(content.ok(), qPrintable(content.ok() ? QString() : content.error().text()));
  QCOMPARE(int(content->tensors.size()), tensor_count);
}

void TestSafetensors::rejectsHostileHeader_data() {
  QTest::addColumn<QByteArray>("file");
  QTest::addColumn<SafetensorsError>("expected");
  using E = SafetensorsError;
  const auto entry = [](const QByteArray& fields) {
    return fileWith("{\"t\":{" + fields + "}}", "12345678");
  };

  QTest::newRow("empty file") << QByteArray() << E::TooShort;
  QTest::newRow("7 bytes") << QByteArray(7, '\0') << E::TooShort;
  QTest::newRow("length past end") << lengthField(100) + "{}" << E::HeaderPastEnd;
  QTest::newRow("length one past end") << lengthField(3) + "{}" << E::HeaderPastEnd;
  QTest::newRow("length just above limit") << lengthField(100'000'001) + "{}" << E::HeaderTooLarge;
  QTest::newRow("length 2^64-1") << lengthField(std::numeric_limits<quint64>::max()) + "{}"
                                 << E::HeaderTooLarge;
  QTest::newRow("zero-length header") << lengthField(0) + "data" << E::HeaderNotJson;
  QTest::newRow("not json") << fileWith("{hello") << E::HeaderNotJson;
  QTest::newRow("truncated json") << fileWith(R"({"t":{"dtype":"F32")") << E::HeaderNotJson;
  QTest::newRow("invalid utf-8") << fileWith("{\"\xff\xfe\":{}}") << E::HeaderNotJson;
  QTest::newRow("nul padding") << fileWith(QByteArray("{}\0\0", 4)) << E::HeaderNotJson;
  QTest::newRow("text after a zero byte") << fileWith(QByteArray("{}\0{\"a\":1}", 10)) << E::HeaderNotJson;
  QTest::newRow("json array") << fileWith("[1,2,3]") << E::HeaderNotObject;
  QTest::newRow("json string") << fileWith("\"weights\"") << E::HeaderNotObject;
  QTest::newRow("deeply nested array")
      << fileWith(QByteArray(100000, '[') + QByteArray(100000, ']')) << E::HeaderNotObject;
  QTest::newRow("entry not an object") << fileWith(R"({"t":[1]})") << E::BadEntry;
  QTest::newRow("missing dtype") << entry(R"("shape":[2],"data_offsets":[0,8])") << E::BadEntry;
  QTest::newRow("missing shape") << entry(R"("dtype":"F32","data_offsets":[0,8])") << E::BadEntry;
  QTest::newRow("missing offsets") << entry(R"("dtype":"F32","shape":[2])") << E::BadEntry;
  QTest::newRow("dtype a number") << entry(R"("dtype":4,"shape":[2],"data_offsets":[0,8])") << E::BadEntry;
  QTest::newRow("shape a string") << entry(R"("dtype":"F32","shape":"2","data_offsets":[0,8])")
                                  << E::BadEntry;
  QTest::newRow("shape of floats") << entry(R"("dtype":"F32","shape":[2.0],"data_offsets":[0,8])")
                                   << E::BadEntry;
  QTest::newRow("shape of bools") << entry(R"("dtype":"F32","shape":[true],"data_offsets":[0,8])")
                                  << E::BadEntry;
  QTest::newRow("nested shape") << entry(R"("dtype":"F32","shape":[[2]],"data_offsets":[0,8])")
                                << E::BadEntry;
  QTest::newRow("one offset") << entry(R"("dtype":"F32","shape":[2],"data_offsets":[8])") << E::BadEntry;
  QTest::newRow("three offsets") << entry(R"("dtype":"F32","shape":[2],"data_offsets":[0,8,8])")
                                 << E::BadEntry;
  QTest::newRow("offset a string") << entry(R"("dtype":"F32","shape":[2],"data_offsets":[0,"8"])")
                                   << E::BadEntry;
  QTest::newRow("offsets an object") << entry(R"("dtype":"F32","shape":[2],"data_offsets":{"a":0})")
                                     << E::BadEntry;
  QTest::newRow("unknown dtype") << entry(R"("dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8])")
                                 << E::UnknownDType;
  QTest::newRow("lowercase dtype") << entry(R"("dtype":"f32","shape":[2],"data_offsets":[0,8])")
                                   << E::UnknownDType;
  QTest::newRow("negative dim") << entry(R"("dtype":"F32","shape":[-2],"data_offsets":[0,8])") << E::BadShape;
  QTest::newRow("dim above int64")
      << entry(R"("dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,8])") << E::BadShape;
  QTest::newRow("element count overflows")
      << entry(R"("dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8])") << E::BadShape;
  QTest::newRow("byte count overflows")
      << entry(R"("dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8])") << E::BadShape;
  QTest::newRow("end past data") << entry(R"("dtype":"F32","shape":[4],"data_offsets":[0,16])")
                                 << E::OffsetsOutOfRange;
  QTest::newRow("end at 2^64-1")
      << entry(R"("dtype":"U8","shape":[2],"data_offsets":[18446744073709551613,18446744073709551615])")
      << E::OffsetsOutOfRange;
  QTest::newRow("negative begin") << entry(R"("dtype":"F32","shape":[2],"data_offsets":[-8,0])")
                                  << E::OffsetsOutOfRange;
  QTest::newRow("begin after end") << entry(R"("dtype":"F32","shape":[2],"data_offsets":[8,0])")
                                   << E::OffsetsOutOfRange;
  QTest::newRow("size mismatch") << entry(R"("dtype":"F32","shape":[2],"data_offsets":[0,4])")
                                 << E::SizeMismatch;
  QTest::newRow("overlapping tensors")
      << fileWith(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                  "123456789abc")
      << E::OverlappingTensors;
  QTest::newRow("same offsets twice") << fileWith(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                                  R"("b":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})",
                                                  "12345678")
                                      << E::OverlappingTensors;
  QTest::newRow("duplicate name") << fileWith(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                              R"("a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                                              "12345678")
                                  << E::DuplicateName;
  QTest::newRow("duplicate metadata key")
      << fileWith(R"({"__metadata__":{"k":"1","k":"2"}})") << E::DuplicateName;
  QTest::newRow("metadata value a number") << fileWith(R"({"__metadata__":{"k":1}})") << E::BadMetadata;
  QTest::newRow("metadata value an object") << fileWith(R"({"__metadata__":{"k":{}}})") << E::BadMetadata;
  QTest::newRow("metadata an array") << fileWith(R"({"__metadata__":["k"]})") << E::BadMetadata;
  QTest::newRow("metadata null") << fileWith(R"({"__metadata__":null})") << E::BadMetadata;
}

void TestSafetensors::rejectsHostileHeader() {
  QFETCH(QByteArray, file);
  QFETCH(SafetensorsError, expected);
  const Result<SafetensorsContent> content = SafetensorsReader::parse(file);
  QVERIFY(!content.ok());
  QCOMPARE(SafetensorsReader::errorKind(content.error()), expected);
  QCOMPARE(content.error().code, ErrorCode::BadFormat);
  QVERIFY(!content.error().message.isEmpty());
  QVERIFY(!content.error().hint.isEmpty());
}

void TestSafetensors::readFileReportsMissingFile() {
  QTemporaryDir dir;
  const Result<SafetensorsContent> content =
      SafetensorsReader::readFile(dir.filePath(QStringLiteral("absent.safetensors")));
  QVERIFY(!content.ok());
  QCOMPARE(content.error().code, ErrorCode::FileNotFound);
  QCOMPARE(SafetensorsReader::errorKind(content.error()), SafetensorsError::FileUnreadable);
  QVERIFY(content.error().message.contains(QStringLiteral("absent.safetensors")));
}

void TestSafetensors::writerRejectsInconsistentTensors_data() {
  QTest::addColumn<TensorMap>("tensors");
  TensorData short_bytes = makeTensor(DType::F32, {2, 2});
  short_bytes.bytes.chop(1);
  TensorData negative = makeTensor(DType::U8, {2});
  negative.shape = {-2};
  QTest::newRow("bytes shorter than shape") << TensorMap{{"w", short_bytes}};
  QTest::newRow("negative dim") << TensorMap{{"w", negative}};
  QTest::newRow("reserved name") << TensorMap{{"__metadata__", makeTensor(DType::U8, {1})}};
  QTest::newRow("name not utf-8") << TensorMap{{"\xff", makeTensor(DType::U8, {1})}};
}

void TestSafetensors::writerRejectsInconsistentTensors() {
  QFETCH(TensorMap, tensors);
  const Result<QByteArray> bytes = SafetensorsWriter::serialize(tensors);
  QVERIFY(!bytes.ok());
  QCOMPARE(bytes.error().code, ErrorCode::BadValue);
  QVERIFY(!bytes.error().message.isEmpty());
}

void TestSafetensors::writeFileFailsInMissingFolder() {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("no/such/folder/model.safetensors"));
  const Status written = SafetensorsWriter::writeFile(path, {{"w", makeTensor(DType::F32, {2})}});
  QVERIFY(!written.ok());
  QCOMPARE(written.error().code, ErrorCode::FileUnwritable);
  QVERIFY(written.error().message.contains(path));
  QVERIFY(!written.error().hint.isEmpty());

  // A file where a folder should be fails the same way, even for root.
  QFile blocker(dir.filePath(QStringLiteral("file")));
  QVERIFY(blocker.open(QIODevice::WriteOnly));
  blocker.close();
  const Status under_file =
      SafetensorsWriter::writeFile(dir.filePath(QStringLiteral("file/model.safetensors")), {});
  QVERIFY(!under_file.ok());
  QCOMPARE(under_file.error().code, ErrorCode::FileUnwritable);
}

// writeSources (a checkpoint of a live model): the same bytes as the whole map serialised, each
// source asked once, in name order; a source whose bytes do not fit its shape fails the write and
// leaves no file.
void TestSafetensors::sourcesWriteTheSameFileOneTensorAtATime() {
  QTemporaryDir dir;
  TensorMap tensors;
  tensors["embed.weight"] = makeTensor(DType::F32, {4, 3}, 1);
  tensors["head.bias"] = makeTensor(DType::BF16, {3}, 2);
  tensors["scale"] = makeTensor(DType::F64, {}, 3);
  tensors["empty"] = makeTensor(DType::I64, {0, 5}, 4);
  const std::map<std::string, std::string> metadata{{"format", "pt"}};
  TensorSources sources;
  std::vector<std::string> asked;
  for (const auto& [name, tensor] : tensors) {
    TensorSource source = sourceOf(tensor);
    // Half of them fill the writer's scratch instead of giving a view of their own bytes.
    const bool viaScratch = asked.size() % 2 == 0;
    source.bytes = [&asked, name, bytes = tensor.bytes, viaScratch](QByteArray& scratch) {
      asked.push_back(name);
      if (!viaScratch) return QByteArrayView(bytes);
      scratch = bytes;
      return QByteArrayView(scratch);
    };
    sources.emplace(name, std::move(source));
    asked.push_back({});
  }
  asked.clear();
  const QString path = dir.filePath(QStringLiteral("sources.safetensors"));
  const Status written = SafetensorsWriter::writeSources(path, sources, metadata);
  QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().text()));
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const auto expected = SafetensorsWriter::serialize(tensors, metadata);
  QVERIFY(expected.ok());
  QCOMPARE(file.readAll(), *expected);
  QCOMPARE(asked, (std::vector<std::string>{"embed.weight", "empty", "head.bias", "scale"}));

  TensorSources wrong;
  wrong["short"] = sourceOf(tensors["embed.weight"]);
  wrong["short"].shape = {5, 3};  // 60 bytes announced, 48 given
  const QString bad = dir.filePath(QStringLiteral("bad.safetensors"));
  const Status refused = SafetensorsWriter::writeSources(bad, wrong);
  QVERIFY(!refused.ok());
  QVERIFY2(refused.error().message.contains(QLatin1String("does not match its shape")),
           qPrintable(refused.error().message));
  QVERIFY(!QFile::exists(bad));
  QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);  // no temporary file left
}

void TestSafetensors::writeFileFailsInReadOnlyFolder() {
  QTemporaryDir dir;
  const QString folder = dir.filePath(QStringLiteral("read-only"));
  QVERIFY(QDir().mkdir(folder));
  QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
  const auto restore = qScopeGuard([&] {
    QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
  });
  QFile probe(folder + QStringLiteral("/probe"));
  if (probe.open(QIODevice::WriteOnly)) QSKIP("Permissions do not bind this user (root); nothing to test.");

  const Status written = SafetensorsWriter::writeFile(folder + QStringLiteral("/model.safetensors"),
                                                      {{"w", makeTensor(DType::U8, {4})}});
  QVERIFY(!written.ok());
  QCOMPARE(written.error().code, ErrorCode::FileUnwritable);
}

void TestSafetensors::writeFailsOnFullDevice_data() {
  QTest::addColumn<qint64>("budget_bytes");
  QTest::newRow("nothing fits") << qint64(0);
  QTest::newRow("length field only") << qint64(8);
  QTest::newRow("inside the header") << qint64(20);
  QTest::newRow("inside the data") << qint64(validFile().size() - 3);
}

void TestSafetensors::writeFailsOnFullDevice() {
  QFETCH(qint64, budget_bytes);
  FailingDevice device(budget_bytes);
  const Result<SafetensorsContent> content = SafetensorsReader::parse(validFile());
  QVERIFY(content.ok());
  const Status written = SafetensorsWriter::write(device, content->tensors, content->metadata);
  QVERIFY(!written.ok());
  QCOMPARE(written.error().code, ErrorCode::FileUnwritable);
  QVERIFY(written.error().message.contains(QStringLiteral("No space left on device")));
}

void TestSafetensors::failedWriteKeepsOldFile() {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("model.safetensors"));
  const TensorMap original{{"w", makeTensor(DType::F32, {3}, 1)}};
  QVERIFY(SafetensorsWriter::writeFile(path, original).ok());

  TensorData broken = makeTensor(DType::F32, {3}, 2);
  broken.bytes.chop(2);
  QVERIFY(!SafetensorsWriter::writeFile(path, {{"w", broken}}).ok());

  const Result<SafetensorsContent> content = SafetensorsReader::readFile(path);
  QVERIFY(content.ok());
  compareTensors(content->tensors, original);
  QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("model.safetensors")});
}

void TestSafetensors::randomMutationsNeverCrash() {
  const QByteArray valid = validFile();
  const qsizetype header_end = qsizetype(8 + qFromLittleEndian<quint64>(valid.constData()));
  // Bytes that change the structure of JSON rather than only its text.
  const QByteArray json_bytes = QByteArrayLiteral("{}[],:\"-0123456789e. \\");
  QRandomGenerator random(20240611);
  int parsed_ok = 0;
  for (int i = 0; i < 2000; ++i) {
    QByteArray mutated = valid;
    switch (random.bounded(4)) {
      case 0:  // random bytes anywhere
        for (int n = 1 + random.bounded(4); n > 0; --n) {
          mutated[random.bounded(mutated.size())] = char(random.bounded(256));
        }
        break;
      case 1:  // JSON syntax inside the header
        for (int n = 1 + random.bounded(3); n > 0; --n) {
          mutated[8 + random.bounded(header_end - 8)] = json_bytes[random.bounded(json_bytes.size())];
        }
        break;
      case 2:  // truncation
        mutated.truncate(random.bounded(mutated.size()));
        break;
      default:  // a wrong length field
        mutated[random.bounded(8)] = char(random.bounded(256));
        break;
    }
    const Result<SafetensorsContent> content = SafetensorsReader::parse(mutated);
    if (content.ok()) {
      ++parsed_ok;
      for (const auto& [name, tensor] : content->tensors) {
        QCOMPARE(std::optional<int64_t>(tensor.bytes.size()), checkedByteSize(tensor.dtype, tensor.shape));
      }
    } else {
      QVERIFY(SafetensorsReader::errorKind(content.error()) != SafetensorsError::None);
      QVERIFY(!content.error().message.isEmpty());
    }
  }
  qInfo("%d of 2000 mutated files parsed", parsed_ok);
  // Both outcomes must occur, or the mutations test nothing.
  QVERIFY(parsed_ok > 0);
  QVERIFY(parsed_ok < 2000);
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
