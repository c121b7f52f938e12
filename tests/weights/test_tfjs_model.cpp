// Tests of the TF.js layers-model reader: synthetic model.json exports with every storage kind over
// several shards and groups, the JavaScript-wrapped form nsfwjs ships, the JS literal subset, damaged
// and hostile exports, seeded random mutations, and the real nsfwjs@4.3.0 models (fetched by
// fetch_tfjs_data.sh from the npm registry into the test cache).

#include "core/weights/JsLiteral.h"
#include "core/weights/TfjsModel.h"
#include "core/weights/WeightsFile.h"
#include "tests/support/TfjsTestData.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <cmath>

#include <sys/stat.h>

using namespace attune;
using nlohmann::json;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

template <typename T>
void append(QByteArray& bytes, T value) {
  char buffer[sizeof(T)];
  qToLittleEndian(value, buffer);
  bytes.append(buffer, sizeof(T));
}

std::vector<float> valuesOf(const TensorData& tensor) {
  std::vector<float> values(size_t(tensor.numel()));
  std::memcpy(values.data(), tensor.bytes.constData(), values.size() * 4);
  return values;
}

// A small export with every storage kind: its manifest, its bytes per group, and the values a reader
// must produce (computed here from the stored numbers as TF.js defines them).
struct Synthetic {
  json manifest = json::array();
  std::vector<QByteArray> groupBytes;
  std::map<std::string, std::vector<float>> expected;
};

Synthetic makeSynthetic() {
  Synthetic s;
  QByteArray g1;
  json w1 = json::array();
  // float32 kernel [1,1,2,3]
  std::vector<float> kernel;
  for (int i = 0; i < 6; ++i) kernel.push_back(0.25f * float(i) - 0.5f);
  for (float v : kernel) append<float>(g1, v);
  w1.push_back({{"name", "conv/kernel"}, {"shape", {1, 1, 2, 3}}, {"dtype", "float32"}});
  s.expected["conv/kernel"] = kernel;
  // uint8-quantised bias [3]: min + scale * q
  const double min8 = -0.7, scale8 = 0.01;
  std::vector<float> bias;
  for (int q : {0, 128, 255}) {
    g1.append(char(q));
    bias.push_back(float(min8 + scale8 * q));
  }
  w1.push_back({{"name", "conv/bias"},
                {"shape", {3}},
                {"dtype", "float32"},
                {"quantization", {{"dtype", "uint8"}, {"min", min8}, {"scale", scale8}}}});
  s.expected["conv/bias"] = bias;
  // uint16-quantised [2,2]
  const double min16 = 1.5, scale16 = 1e-4;
  std::vector<float> gamma;
  for (int q : {0, 1, 40000, 65535}) {
    append<quint16>(g1, quint16(q));
    gamma.push_back(float(min16 + scale16 * q));
  }
  w1.push_back({{"name", "bn/gamma"},
                {"shape", {2, 2}},
                {"dtype", "float32"},
                {"quantization", {{"dtype", "uint16"}, {"min", min16}, {"scale", scale16}}}});
  s.expected["bn/gamma"] = gamma;
  s.manifest.push_back(
      {{"paths", {"group1-shard1of3", "group1-shard2of3", "group1-shard3of3"}}, {"weights", w1}});
  s.groupBytes.push_back(g1);

  QByteArray g2;
  json w2 = json::array();
  // float16 [4]: 1.0, -2.0, 0.5, the smallest subnormal
  for (quint16 h : {quint16(0x3C00), quint16(0xC000), quint16(0x3800), quint16(0x0001)})
    append<quint16>(g2, h);
  w2.push_back(
      {{"name", "half/w"}, {"shape", {4}}, {"dtype", "float32"}, {"quantization", {{"dtype", "float16"}}}});
  s.expected["half/w"] = {1.0f, -2.0f, 0.5f, std::ldexp(1.0f, -24)};
  for (qint32 v : {7, -3}) append<qint32>(g2, v);
  w2.push_back({{"name", "step/count"}, {"shape", {2}}, {"dtype", "int32"}});
  s.expected["step/count"] = {7.0f, -3.0f};
  // a scalar
  append<float>(g2, 3.25f);
  w2.push_back({{"name", "scalar"}, {"shape", json::array()}, {"dtype", "float32"}});
  s.expected["scalar"] = {3.25f};
  s.manifest.push_back({{"paths", {"group2-shard1of1.bin"}}, {"weights", w2}});
  s.groupBytes.push_back(g2);
  return s;
}

json topologyOf() {
  return {{"keras_version", "2.2.4"},
          {"backend", "tensorflow"},
          {"model_config",
           {{"class_name", "Sequential"}, {"config", {{"name", "tiny"}, {"layers", json::array()}}}}}};
}

// Splits group 1 over three shards (cutting through tensors, as the converter does at 4 MB).
std::map<QString, QByteArray> shardsOf(const Synthetic& s) {
  const QByteArray& g1 = s.groupBytes[0];
  return {{QStringLiteral("group1-shard1of3"), g1.left(5)},
          {QStringLiteral("group1-shard2of3"), g1.mid(5, 20)},
          {QStringLiteral("group1-shard3of3"), g1.mid(25)},
          {QStringLiteral("group2-shard1of1.bin"), s.groupBytes[1]}};
}

TfjsShardLoader memoryLoader(const std::map<QString, QByteArray>& shards) {
  return [shards](const QString& path) -> Result<QByteArray> {
    auto it = shards.find(path);
    if (it == shards.end()) return Error(ErrorCode::FileNotFound, QStringLiteral("missing %1").arg(path));
    return it->second;
  };
}

QByteArray modelJson(const Synthetic& s) {
  return QByteArray::fromStdString(json{
      {"format", "layers-model"},
      {"generatedBy", "keras v2.2.4"},
      {"convertedBy", "TensorFlow.js Converter v1.0"},
      {"modelTopology", topologyOf()},
      {"weightsManifest", s.manifest}}.dump());
}

void writeExport(const QString& folder, const Synthetic& s) {
  QDir().mkpath(folder);
  QVERIFY(writeFile(folder + "/model.json", modelJson(s)));
  for (const auto& [name, bytes] : shardsOf(s)) QVERIFY(writeFile(folder + "/" + name, bytes));
}

void compareToExpected(const TfjsModel& model, const Synthetic& s) {
  QCOMPARE(model.weights.size(), s.expected.size());
  for (const auto& [name, values] : s.expected) {
    QVERIFY2(model.weights.count(name) == 1, name.c_str());
    const TensorData& tensor = model.weights.at(name);
    QCOMPARE(tensor.dtype, DType::F32);
    const auto actual = valuesOf(tensor);
    QCOMPARE(actual.size(), values.size());
    for (size_t i = 0; i < values.size(); ++i) QCOMPARE(actual[i], values[i]);
  }
}

}  // namespace

class TestTfjsModel : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void jsLiteral_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("expected");  // JSON dump; empty: must be refused
    QTest::newRow("unquoted keys") << QByteArray("{a:1,b_2:\"x\",$c:'y'}")
                                   << QByteArray("{\"$c\":\"y\",\"a\":1,\"b_2\":\"x\"}");
    QTest::newRow("minified booleans")
        << QByteArray("[!0,!1,true,false,null]") << QByteArray("[true,false,true,false,null]");
    QTest::newRow("numbers") << QByteArray("[.5,-.25,1e-3,-2E2,0,-7]")
                             << QByteArray("[0.5,-0.25,0.001,-200.0,0,-7]");
    QTest::newRow("escapes") << QByteArray("[\"a\\\"b\",'c\\'d',\"\\u00e9\\x41\\n\"]")
                             << QByteArray("[\"a\\\"b\",\"c'd\",\"éA\\n\"]");
    QTest::newRow("trailing commas") << QByteArray("{a:[1,2,],}") << QByteArray("{\"a\":[1,2]}");
    QTest::newRow("quoted and numeric keys")
        << QByteArray("{\"k\":1,2:3}") << QByteArray("{\"2\":3,\"k\":1}");
    QTest::newRow("function call") << QByteArray("{a:f(1)}") << QByteArray();
    QTest::newRow("identifier value") << QByteArray("{a:window}") << QByteArray();
    QTest::newRow("duplicate key") << QByteArray("{a:1,a:2}") << QByteArray();
    QTest::newRow("unterminated string") << QByteArray("['abc") << QByteArray();
    QTest::newRow("unterminated object") << QByteArray("{a:1") << QByteArray();
    QTest::newRow("bad number") << QByteArray("[1.2.3]") << QByteArray();
    QTest::newRow("infinity") << QByteArray("[1e999]") << QByteArray();
    QTest::newRow("deep nesting") << QByteArray(5000, '[') << QByteArray();
  }
  void jsLiteral() {
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, expected);
    qsizetype offset = 0;
    const auto value = parseJsLiteral(text, offset);
    if (expected.isEmpty()) {
      QVERIFY(!value.ok());
      QVERIFY(!value.error().message.isEmpty());
      return;
    }
    QVERIFY2(value.ok(), value.ok() ? "" : qPrintable(value.error().text()));
    QCOMPARE(QByteArray::fromStdString(value->dump()), expected);
    QCOMPARE(offset, text.size());
  }

  void exportsOfACommonJsWrapper() {
    const QByteArray bundle =
        "!function(e){module.exports=e()}(function(){return{1:[function(e,a,n){a.exports={x:[1,2]}},{}]}});";
    const auto value = parseJsExports(bundle);
    QVERIFY2(value.ok(), value.ok() ? "" : qPrintable(value.error().text()));
    QCOMPARE(QByteArray::fromStdString(value->dump()), QByteArray("{\"x\":[1,2]}"));
    QVERIFY(!parseJsExports("var a = 1;").ok());
  }

  void readsEveryStorageKindOverShardsAndGroups() {
    const Synthetic s = makeSynthetic();
    const QString folder = m_dir.filePath(QStringLiteral("export"));
    writeExport(folder, s);
    for (const QString& path : QStringList{folder, folder + "/model.json"}) {
      auto model = readTfjsModel(path);
      QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error().text()));
      compareToExpected(*model, s);
      QCOMPARE(model->manifest.size(), size_t(6));
      QCOMPARE(model->manifest[1].storage, std::string("uint8"));
      QCOMPARE(model->manifest[3].storage, std::string("float16"));
      QCOMPARE(model->metadata.at("keras_version"), std::string("2.2.4"));
      QCOMPARE(model->metadata.at("generated_by"), std::string("keras v2.2.4"));
      QCOMPARE(model->modelConfig["class_name"].get<std::string>(), std::string("Sequential"));
    }
  }

  // nsfwjs's form: a browserified CommonJS module exporting the object literal (unquoted keys, !0,
  // .5 numbers), and shards `<path>.min.js` exporting base64 strings.
  void readsTheJavaScriptWrappedForm() {
    const Synthetic s = makeSynthetic();
    const QString folder = m_dir.filePath(QStringLiteral("bundle"));
    QDir().mkpath(folder);
    QByteArray literal =
        json{{"modelTopology", topologyOf()}, {"weightsManifest", s.manifest}}.dump().c_str();
    // Unquote the keys the way a minifier writes them.
    for (const char* key :
         {"modelTopology", "weightsManifest", "paths", "weights", "name", "shape", "dtype", "quantization",
          "min", "scale", "keras_version", "backend", "model_config", "class_name", "config", "layers"})
      literal.replace(QByteArray(QByteArray("\"") + key + "\":"), QByteArray(QByteArray(key) + ":"));
    const QByteArray wrapper =
        "!function(e){if(\"object\"==typeof exports)module.exports=e()}(function(){return function "
        "e(a){}({1:["
        "function(e,a,n){a.exports=";
    QVERIFY(writeFile(folder + "/model.min.js", wrapper + literal + "},{}]},{},[1])(1)});"));
    for (const auto& [name, bytes] : shardsOf(s))
      QVERIFY(writeFile(folder + "/" + name + ".min.js",
                        wrapper + "\"" + bytes.toBase64() + "\"},{}]},{},[1])(1)});"));
    auto model = readTfjsModel(folder);
    QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error().text()));
    compareToExpected(*model, s);
  }

  void weightsFileReadsAnExport() {
    const Synthetic s = makeSynthetic();
    const QString folder = m_dir.filePath(QStringLiteral("weights-file"));
    writeExport(folder, s);
    auto file = readWeightsFile(folder);
    QVERIFY2(file.ok(), file.ok() ? "" : qPrintable(file.error().text()));
    QCOMPARE(file->format, QStringLiteral("tfjs-layers"));
    QCOMPARE(file->tensors.size(), s.expected.size());
    QCOMPARE(file->metadata.at("keras_version"), std::string("2.2.4"));
    QCOMPARE(file->metadata.at("generated_by"), std::string("keras v2.2.4"));
    QCOMPARE(json::parse(file->metadata.at("keras_model_topology"))["class_name"].get<std::string>(),
             std::string("Sequential"));
  }

  void rejectsDamagedExports_data() {
    QTest::addColumn<QString>("mutation");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("missing shard") << "missing shard"
                                   << "missing";
    QTest::newRow("short shard") << "short shard"
                                 << "cut short";
    QTest::newRow("long shard") << "long shard"
                                << "more bytes";
    QTest::newRow("duplicate name") << "duplicate name"
                                    << "twice";
    QTest::newRow("negative dimension") << "negative dimension"
                                        << "invalid shape";
    QTest::newRow("overflowing shape") << "overflowing shape"
                                       << "impossibly large";
    QTest::newRow("unknown dtype") << "unknown dtype"
                                   << "string";
    QTest::newRow("unknown quantisation") << "unknown quantisation"
                                          << "int4";
    QTest::newRow("quantisation without scale") << "quantisation without scale"
                                                << "min or scale";
    QTest::newRow("shard outside folder") << "shard outside folder"
                                          << "outside";
    QTest::newRow("graph model") << "graph model"
                                 << "graph model";
    QTest::newRow("no manifest") << "no manifest"
                                 << "weightsManifest";
  }
  void rejectsDamagedExports() {
    QFETCH(QString, mutation);
    QFETCH(QString, messagePart);
    Synthetic s = makeSynthetic();
    auto shards = shardsOf(s);
    json root{{"modelTopology", topologyOf()}, {"weightsManifest", s.manifest}};
    json& w1 = root["weightsManifest"][0]["weights"];
    if (mutation == "missing shard") shards.erase(QStringLiteral("group1-shard2of3"));
    if (mutation == "short shard") shards[QStringLiteral("group2-shard1of1.bin")].chop(1);
    if (mutation == "long shard") shards[QStringLiteral("group1-shard3of3")].append('x');
    if (mutation == "duplicate name") root["weightsManifest"][1]["weights"][2]["name"] = "conv/kernel";
    if (mutation == "negative dimension") w1[0]["shape"] = {1, -1, 2, 3};
    if (mutation == "overflowing shape") w1[0]["shape"] = {int64_t(1) << 32, int64_t(1) << 32, 8};
    if (mutation == "unknown dtype") w1[0]["dtype"] = "string";
    if (mutation == "unknown quantisation") w1[1]["quantization"]["dtype"] = "int4";
    if (mutation == "quantisation without scale") w1[1]["quantization"].erase("scale");
    if (mutation == "shard outside folder") root["weightsManifest"][0]["paths"][0] = "../secret";
    if (mutation == "graph model") root["modelTopology"] = {{"node", json::array()}};
    if (mutation == "no manifest") root.erase("weightsManifest");

    Result<TfjsModel> model = Error();
    if (mutation == "shard outside folder" || mutation == "missing shard") {
      // Through the files, so that the reader's own path checks run.
      const QString folder = m_dir.filePath(mutation);
      QDir().mkpath(folder);
      QVERIFY(writeFile(folder + "/model.json", QByteArray::fromStdString(root.dump())));
      for (const auto& [name, bytes] : shards) QVERIFY(writeFile(folder + "/" + name, bytes));
      model = readTfjsModel(folder);
    } else {
      model = parseTfjsModel(QByteArray::fromStdString(root.dump()), memoryLoader(shards));
    }
    QVERIFY(!model.ok());
    QVERIFY2(model.error().message.contains(messagePart, Qt::CaseInsensitive),
             qPrintable(model.error().message));
    QVERIFY(!model.error().hint.isEmpty());
  }

  // Files a user or another program could hand over: each is a clear Error through the same path
  // attune-cli's inspect and import-weights take (readWeightsFile), never an abort, a hang or a read
  // of unbounded size.
  void refusesHostileFiles_data() {
    QTest::addColumn<QString>("mutation");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("layer name with a 0xFF byte") << "0xff in layer name"
                                                 << "not UTF-8";
    QTest::newRow("weight name with a 0xFF byte") << "0xff in weight name"
                                                  << "not UTF-8";
    QTest::newRow("dtype is a number") << "dtype number"
                                       << "data type";
    QTest::newRow("shard is a named pipe") << "fifo shard"
                                           << "named pipe";
    QTest::newRow("shard links to /dev/zero") << "dev zero shard"
                                              << "device";
    QTest::newRow("shard larger than the manifest allows") << "large shard"
                                                           << "larger than the weights manifest allows";
    QTest::newRow("model.json is a named pipe") << "fifo model"
                                                << "named pipe";
  }
  void refusesHostileFiles() {
    QFETCH(QString, mutation);
    QFETCH(QString, messagePart);
    Synthetic s = makeSynthetic();
    json topology = topologyOf();
    topology["model_config"]["config"]["layers"].push_back(
        {{"class_name", "Dense"}, {"config", {{"name", "LAYER_NAME"}, {"units", 3}}}});
    json root{{"modelTopology", topology}, {"weightsManifest", s.manifest}};
    if (mutation == "0xff in weight name") root["weightsManifest"][0]["weights"][0]["name"] = "WEIGHT_NAME";
    if (mutation == "dtype number") root["weightsManifest"][0]["weights"][0]["dtype"] = 5;
    QByteArray text = QByteArray::fromStdString(root.dump());
    // A byte that is not UTF-8 in a name (the JSON stays well-formed around it).
    const QByteArray layerName("LAYER\xFF"), weightName("WEIGHT\xFF");
    if (mutation == "0xff in layer name") text.replace("LAYER_NAME", layerName);
    if (mutation == "0xff in weight name") text.replace("WEIGHT_NAME", weightName);
    const QString folder = m_dir.filePath(QStringLiteral("hostile-") + QString(mutation).replace(' ', '-'));
    QDir().mkpath(folder);
    auto shards = shardsOf(s);
    if (mutation == "large shard") shards[QStringLiteral("group1-shard3of3")].append(QByteArray(4096, 'x'));
    for (const auto& [name, bytes] : shards) QVERIFY(writeFile(folder + "/" + name, bytes));
    const QString shard = folder + QStringLiteral("/group1-shard2of3");
    if (mutation == "fifo shard" || mutation == "dev zero shard") QVERIFY(QFile::remove(shard));
    if (mutation == "fifo shard") QCOMPARE(::mkfifo(QFile::encodeName(shard).constData(), 0600), 0);
    if (mutation == "dev zero shard") QVERIFY(QFile::link(QStringLiteral("/dev/zero"), shard));
    if (mutation == "fifo model")
      QCOMPARE(::mkfifo(QFile::encodeName(folder + "/model.json").constData(), 0600), 0);
    else
      QVERIFY(writeFile(folder + "/model.json", text));

    QElapsedTimer timer;
    timer.start();
    auto file = readWeightsFile(folder);
    QVERIFY(timer.elapsed() < 1000);
    QVERIFY(!file.ok());
    QVERIFY2(file.error().message.contains(messagePart, Qt::CaseInsensitive),
             qPrintable(file.error().message));
    QVERIFY(!file.error().hint.isEmpty());
  }

  void refusesAFolderWithoutModel() {
    const QString folder = m_dir.filePath(QStringLiteral("empty"));
    QDir().mkpath(folder);
    auto model = readTfjsModel(folder);
    QVERIFY(!model.ok());
    QCOMPARE(int(model.error().code), int(ErrorCode::FileNotFound));
  }

  // Random byte changes, truncations and splices of the model text and the shards: every outcome is a
  // model or an Error, never a crash or a hang.
  void randomMutationsNeverCrash() {
    const Synthetic s = makeSynthetic();
    const QByteArray text = modelJson(s);
    const auto shards = shardsOf(s);
    QRandomGenerator random(20261130);
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
      QByteArray mutated = text;
      auto mutatedShards = shards;
      const int kind = random.bounded(4);
      if (kind == 0) {
        for (int i = 0, n = 1 + random.bounded(4); i < n; ++i)
          mutated[random.bounded(mutated.size())] = char(random.bounded(256));
      } else if (kind == 1) {
        mutated.truncate(random.bounded(mutated.size()));
      } else if (kind == 2) {
        const int at = random.bounded(mutated.size());
        mutated.insert(at, text.mid(random.bounded(text.size()), random.bounded(40)));
      } else {
        auto it = std::next(mutatedShards.begin(), random.bounded(int(mutatedShards.size())));
        if (random.bounded(2) == 0 && !it->second.isEmpty())
          it->second.truncate(random.bounded(it->second.size()));
        else
          it->second.append(char(random.bounded(256)));
      }
      const auto model = parseTfjsModel(mutated, memoryLoader(mutatedShards));
      if (model.ok()) {
        ++accepted;
        for (const auto& [name, tensor] : model->weights)
          QCOMPARE(int64_t(tensor.bytes.size()), tensor.numel() * 4);
      } else {
        QVERIFY(!model.error().message.isEmpty());
      }
    }
    QVERIFY(accepted < 3000);
  }

  // The real nsfwjs@4.3.0 models (npm registry); an unreachable registry fails the test.
  void readsTheRealNsfwjsModels() {
    const QString cache = testing::fetchTfjsTestData();
    QVERIFY2(!cache.isEmpty(),
             "fetch_tfjs_data.sh failed: the npm registry (nsfwjs@4.3.0) and Debian's archive "
             "must be reachable for this test");
    auto mobilenet = readTfjsModel(cache + "/nsfwjs/mobilenet_v2");
    QVERIFY2(mobilenet.ok(), mobilenet.ok() ? "" : qPrintable(mobilenet.error().text()));
    QCOMPARE(mobilenet->weights.size(), size_t(266));
    int64_t values = 0;
    for (const auto& [name, tensor] : mobilenet->weights) values += tensor.numel();
    QCOMPARE(values, int64_t(2619461));
    for (const auto& info : mobilenet->manifest) QCOMPARE(info.storage, std::string("uint8"));
    double sum = 0.0;
    for (float v : valuesOf(mobilenet->weights.at("Conv1/kernel"))) sum += v;
    QVERIFY2(std::abs(sum - -5.33341) < 1e-3, qPrintable(QString::number(sum, 'g', 8)));
    QCOMPARE(mobilenet->metadata.at("keras_version"), std::string("2.2.4"));

    auto inception = readTfjsModel(cache + "/nsfwjs/inception_v3/model.min.js");
    QVERIFY2(inception.ok(), inception.ok() ? "" : qPrintable(inception.error().text()));
    QCOMPARE(inception->modelConfig["config"]["layers"].size(), size_t(318));
    values = 0;
    for (const auto& [name, tensor] : inception->weights) values += tensor.numel();
    QVERIFY2(std::abs(double(values) - 22.4e6) < 0.05e6, qPrintable(QString::number(values)));

    // The third export of the package is a graph model: refused with a reason, not misread.
    auto graph = readTfjsModel(cache + "/nsfwjs/mobilenet_v2_mid");
    QVERIFY(!graph.ok());
    QVERIFY(graph.error().message.contains(QLatin1String("graph model")));
  }
};

QTEST_GUILESS_MAIN(TestTfjsModel)
#include "test_tfjs_model.moc"
