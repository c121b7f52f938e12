// Attune's image classifiers against torchvision 0.14 on the same random weights: identical
// state_dict names and shapes, and the same logits. The reference files come from make_reference.py
// (run once with Debian's python3-torchvision; kept in the test cache, tests/CMakeLists.txt).

#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/weights/SafetensorsReader.h"
#include "tests/support/TestEnvironment.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <algorithm>
#include <map>

using namespace attune;
// Plain "detail" would be ambiguous with ATen's global ::detail namespace.
namespace md = attune::detail;

namespace {

constexpr double kMaxAbsDifference = 1e-4;
constexpr int kReferenceClasses = 7;  // make_reference.py's NUM_CLASSES

constexpr const char* kArchitectures[] = {"resnet18",        "resnet34",           "resnet50",
                                          "mobilenet_v2",    "mobilenet_v3_small", "mobilenet_v3_large",
                                          "efficientnet_b0", "convnext_tiny",      "vit_b_16"};
const QString kReferenceDir = QStringLiteral(ATTUNE_MODELS_REFERENCE_DIR);

using ShapeMap = std::map<std::string, std::vector<int64_t>>;

ShapeMap shapesOf(const TensorMap& tensors) {
  ShapeMap shapes;
  for (const auto& [name, data] : tensors) shapes.emplace(name, data.shape);
  return shapes;
}

ShapeMap shapesFromJson(const std::string& json) {
  ShapeMap shapes;
  const auto object = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::vector<int64_t> shape;
    for (const auto& dim : it.value().toArray()) shape.push_back(dim.toInteger());
    shapes.emplace(it.key().toStdString(), shape);
  }
  return shapes;
}

// "only in Attune: a, b; only in torchvision: c; shape differs: d"
QString describeDifference(const ShapeMap& ours, const ShapeMap& theirs) {
  QStringList onlyOurs, onlyTheirs, shapeDiffers;
  for (const auto& [name, shape] : ours) {
    const auto found = theirs.find(name);
    if (found == theirs.end())
      onlyOurs << QString::fromStdString(name);
    else if (found->second != shape)
      shapeDiffers << QString::fromStdString(name);
  }
  for (const auto& item : theirs)
    if (!ours.contains(item.first)) onlyTheirs << QString::fromStdString(item.first);
  return QStringLiteral("only in Attune: %1; only in torchvision: %2; shape differs: %3")
      .arg(onlyOurs.mid(0, 5).join(u", "), onlyTheirs.mid(0, 5).join(u", "),
           shapeDiffers.mid(0, 5).join(u", "));
}

}  // namespace

class TestModelParity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void parity_data();
  void parity();
};

void TestModelParity::initTestCase() {
  torch::manual_seed(0);
  torch::set_num_threads(2);

  const bool cached = std::all_of(std::begin(kArchitectures), std::end(kArchitectures), [](const char* id) {
    return QFileInfo::exists(kReferenceDir + QLatin1Char('/') + QLatin1String(id) + u".safetensors");
  });
  if (cached) return;  // importing torch in Python alone takes seconds

  const QString python = QStringLiteral(ATTUNE_REFERENCE_PYTHON);
  if (python.isEmpty() || python.endsWith(QLatin1String("NOTFOUND")))
    QFAIL(
        "No /usr/bin/python3 to make the reference outputs: install python3-torchvision (installer/setup.sh "
        "--test).");
  // The script makes only the files that are missing.
  QProcess script;
  script.setProcessChannelMode(QProcess::MergedChannels);
  script.start(python, {attune::testing::testPath("ATTUNE_MODELS_REFERENCE_SCRIPT"), QStringLiteral("--out"),
                        kReferenceDir});
  QVERIFY2(script.waitForFinished(15 * 60 * 1000), "make_reference.py did not finish");
  const QByteArray output = script.readAll();
  if (!output.isEmpty()) qInfo().noquote() << output.trimmed();
  QVERIFY2(script.exitStatus() == QProcess::NormalExit && script.exitCode() == 0, output.constData());
}

void TestModelParity::parity_data() {
  QTest::addColumn<QString>("architecture");
  for (const char* id : kArchitectures) QTest::newRow(id) << QString::fromLatin1(id);
}

void TestModelParity::parity() {
  QFETCH(QString, architecture);

  auto content =
      SafetensorsReader::readFile(kReferenceDir + QLatin1Char('/') + architecture + u".safetensors");
  QVERIFY2(content.ok(), qPrintable(content ? QString() : content.error().text()));
  TensorMap tensors = std::move(content->tensors);
  const auto input = md::toTensor(tensors.at("input"));
  const auto expected = md::toTensor(tensors.at("logits"));
  tensors.erase("input");
  tensors.erase("logits");

  auto model = md::makeImageClassifier(architecture, kReferenceClasses);
  QVERIFY(model);

  // Names and shapes, before loading: the architecture itself must be torchvision's.
  const ShapeMap ours = shapesOf(md::stateDictOf(*model));
  const ShapeMap theirs = shapesFromJson(content->metadata.at("state_dict"));
  QVERIFY2(ours == theirs, qPrintable(describeDifference(ours, theirs)));
  QCOMPARE(shapesOf(tensors), theirs);

  const auto report = md::loadStateDict(*model, tensors, model->headPrefix(), md::HeadPolicy::LoadAll);
  QVERIFY2(report.ok(), qPrintable(report ? QString() : report.error().text()));
  QVERIFY2(report->missing.isEmpty(), qPrintable(report->missing.join(u", ")));
  QVERIFY2(report->unexpected.isEmpty(), qPrintable(report->unexpected.join(u", ")));
  QVERIFY(report->freshHead.isEmpty());
  QCOMPARE(report->loadedCount, static_cast<int>(tensors.size()));

  // Every parameter and buffer (num_batches_tracked included) now holds the file's bytes.
  const TensorMap loaded = md::stateDictOf(*model);
  for (const auto& [name, data] : tensors) {
    QVERIFY2(loaded.at(name).dtype == data.dtype, name.c_str());
    QVERIFY2(loaded.at(name).bytes == data.bytes, name.c_str());
  }

  model->eval();
  torch::NoGradGuard noGrad;
  const auto logits = model->forward(input);
  QCOMPARE(logits.sizes().vec(), expected.sizes().vec());
  const double maxAbsDifference = (logits - expected).abs().max().item<double>();
  qInfo().noquote() << architecture << "max |logit difference| to torchvision:" << maxAbsDifference
                    << "(largest |logit|" << expected.abs().max().item<double>() << ")";
  QVERIFY2(maxAbsDifference <= kMaxAbsDifference, qPrintable(QString::number(maxAbsDifference)));
}

QTEST_GUILESS_MAIN(TestModelParity)
#include "test_model_parity.moc"
