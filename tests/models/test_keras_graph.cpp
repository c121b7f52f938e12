// Tests of the Keras graph built from TF.js layers exports: small functional, Sequential and nested
// (Teachable Machine-shaped) models written by make_keras_reference.py, whose outputs that script
// computes with plain torch.nn.functional following Keras's definitions; refusals that name the layer;
// and the real nsfwjs@4.3.0 MobileNetV2 and InceptionV3 on sklearn's china.jpg.

#include "core/models/detail/KerasGraph.h"
#include "core/models/detail/KerasTopology.h"
#include "core/weights/TfjsModel.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TfjsTestData.h"

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
namespace md = attune::detail;
using nlohmann::json;

namespace {

torch::Tensor readFloats(const QString& path, const std::vector<int64_t>& shape) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  const QByteArray bytes = file.readAll();
  return torch::from_blob(const_cast<char*>(bytes.constData()), shape, torch::kFloat32).clone();
}

// Keras's NHWC <-> the graph's NCHW, for 4-D tensors only.
torch::Tensor toNchw(const torch::Tensor& t) {
  return t.dim() == 4 ? t.permute({0, 3, 1, 2}).contiguous() : t;
}
torch::Tensor toNhwc(const torch::Tensor& t) {
  return t.dim() == 4 ? t.permute({0, 2, 3, 1}).contiguous() : t;
}

struct Built {
  TfjsModel model;
  md::KerasTopology topology;
};

Result<Built> load(const QString& folder) {
  auto model = readTfjsModel(folder);
  if (!model) return model.error();
  auto topology = md::parseKerasTopology(model->modelConfig);
  if (!topology) return topology.error();
  return Built{std::move(*model), std::move(*topology)};
}

// nsfwjs's preprocessing: RGB / 255, bilinear resize (align_corners, as tf.image.resizeBilinear with
// alignCorners = true) to side x side. Returns NCHW [1, 3, side, side].
torch::Tensor loadPhoto(const QString& path, int64_t side) {
  QImage image(path);
  if (image.isNull()) return {};
  image = image.convertToFormat(QImage::Format_RGB888);
  torch::Tensor pixels = torch::empty({image.height(), image.width(), 3}, torch::kUInt8);
  for (int y = 0; y < image.height(); ++y)
    std::memcpy(pixels[y].data_ptr(), image.constScanLine(y), size_t(image.width()) * 3);
  torch::Tensor x = pixels.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32) / 255.0;
  return torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                   .size(std::vector<int64_t>{side, side})
                                                   .mode(torch::kBilinear)
                                                   .align_corners(true));
}

}  // namespace

class TestKerasGraph : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  json m_reference;
  QString m_realData;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    torch::set_num_threads(2);
    QVERIFY2(QFile::exists(QStringLiteral(ATTUNE_REFERENCE_PYTHON)),
             "python3 with torch is required (apt install python3-torch)");
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                 {attune::testing::testPath("ATTUNE_KERAS_REFERENCE_SCRIPT"), m_dir.path()});
    QVERIFY2(python.waitForFinished(300'000), "make_keras_reference.py did not finish");
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
             python.readAll().constData());
    QFile reference(m_dir.filePath(QStringLiteral("reference.json")));
    QVERIFY(reference.open(QIODevice::ReadOnly));
    m_reference = json::parse(reference.readAll().toStdString());
  }

  void matchesKerasReference_data() {
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < m_reference["cases"].size(); ++i)
      QTest::newRow(m_reference["cases"][i]["name"].get<std::string>().c_str()) << int(i);
  }
  void matchesKerasReference() {
    QFETCH(int, index);
    const json& c = m_reference["cases"][size_t(index)];
    auto built = load(m_dir.filePath(QString::fromStdString(c["model"].get<std::string>())));
    QVERIFY2(built.ok(), built.ok() ? "" : qPrintable(built.error().text()));
    auto graph =
        md::KerasGraphImpl::build(built->topology, built->model.weights, c["cut"].get<std::string>());
    QVERIFY2(graph.ok(), graph.ok() ? "" : qPrintable(graph.error().text()));
    (*graph)->eval();
    const torch::Tensor input =
        readFloats(m_dir.filePath(QString::fromStdString(c["input"].get<std::string>())),
                   c["input_shape"].get<std::vector<int64_t>>());
    const torch::Tensor expected =
        readFloats(m_dir.filePath(QString::fromStdString(c["output"].get<std::string>())),
                   c["output_shape"].get<std::vector<int64_t>>());
    torch::NoGradGuard noGrad;
    const torch::Tensor actual = toNhwc((*graph)->forward(toNchw(input)));
    QCOMPARE(actual.sizes().vec(), expected.sizes().vec());
    const double difference = (actual - expected).abs().max().item<double>();
    QVERIFY2(difference < 1e-4, qPrintable(QString::number(difference)));
  }

  void defaultCutAndInputSize_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("cut");
    QTest::addColumn<std::vector<int64_t>>("inputShape");
    // The feature map before the old head (Flatten / global pooling / Dense and the pooling before it).
    QTest::newRow("functional") << "functional"
                                << "act" << std::vector<int64_t>{11, 13, 3};
    QTest::newRow("sequential") << "sequential"
                                << "b1" << std::vector<int64_t>{8, 8, 2};
    QTest::newRow("nested") << "nested"
                            << "conv_relu" << std::vector<int64_t>{9, 9, 3};
  }
  void defaultCutAndInputSize() {
    QFETCH(QString, model);
    QFETCH(QString, cut);
    QFETCH(std::vector<int64_t>, inputShape);
    auto built = load(m_dir.filePath(model));
    QVERIFY2(built.ok(), built.ok() ? "" : qPrintable(built.error().text()));
    QCOMPARE(QString::fromStdString(built->topology.defaultCut()), cut);
    QCOMPARE(built->topology.inputShape, inputShape);
  }

  // Weights are parameters in LibTorch's layout under the Keras layer names; a cut builds only what
  // the cut layer needs; BatchNorm statistics are buffers of torch::nn::BatchNorm2d.
  void weightsBecomeNamedParameters() {
    auto built = load(m_dir.filePath(QStringLiteral("functional")));
    QVERIFY(built.ok());
    auto whole = md::KerasGraphImpl::build(built->topology, built->model.weights);
    QVERIFY(whole.ok());
    const auto parameters = (*whole)->named_parameters();
    QCOMPARE(parameters["conv1.weight"].sizes().vec(), (std::vector<int64_t>{8, 3, 3, 3}));
    QCOMPARE(parameters["dw.weight"].sizes().vec(), (std::vector<int64_t>{16, 1, 3, 3}));
    QCOMPARE(parameters["fc1.weight"].sizes().vec(), (std::vector<int64_t>{10, 144}));
    QVERIFY(parameters.contains("bn2_beta"));  // Keras's BatchNormalization(scale=False): beta only
    QVERIFY(!parameters.contains("bn2_gamma"));
    QVERIFY((*whole)->named_buffers().contains("bn1.running_var"));
    int batchNorms = 0;
    for (const auto& module : (*whole)->modules(/*include_self=*/false))
      if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get()) != nullptr) ++batchNorms;
    QCOMPARE(batchNorms, 2);
    for (const auto& parameter : parameters) QVERIFY(parameter.value().requires_grad());

    auto cut = md::KerasGraphImpl::build(built->topology, built->model.weights, "add");
    QVERIFY(cut.ok());
    QVERIFY((*cut)->named_parameters().contains("sep_pointwise.weight"));
    QVERIFY(!(*cut)->named_parameters().contains("fc1.weight"));
    QVERIFY(!(*cut)->named_parameters().contains("dil.weight"));
  }

  // Dropout drops in training and is the identity in evaluation.
  void dropoutOnlyInTraining() {
    auto built = load(m_dir.filePath(QStringLiteral("functional")));
    QVERIFY(built.ok());
    auto graph = md::KerasGraphImpl::build(built->topology, built->model.weights, "drop");
    QVERIFY(graph.ok());
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::rand({4, 3, 11, 13});
    (*graph)->eval();
    const torch::Tensor a = (*graph)->forward(x), b = (*graph)->forward(x);
    QVERIFY(torch::equal(a, b));
    (*graph)->train();
    // BatchNorm in training would use batch statistics: keep it out of this comparison.
    for (const auto& module : (*graph)->modules(/*include_self=*/false))
      if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get()) != nullptr) module->eval();
    torch::manual_seed(1);
    const torch::Tensor c = (*graph)->forward(x);
    QVERIFY(!torch::equal(a, c));
    // Each value is dropped or scaled by 1 / (1 - rate), rate 0.5.
    QVERIFY(torch::allclose(c, torch::where(c.eq(0), torch::zeros_like(a), 2 * a)));
  }

  void refusals_data() {
    QTest::addColumn<QString>("mutation");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("unknown layer") << "unknown layer"
                                   << "Lambda";
    QTest::newRow("missing weight") << "missing weight"
                                    << "conv1/kernel";
    QTest::newRow("wrong weight shape") << "wrong weight shape"
                                        << "dw/bias";
    QTest::newRow("unknown activation") << "unknown activation"
                                        << "mish";
    QTest::newRow("unknown cut") << "unknown cut"
                                 << "nowhere";
    QTest::newRow("shared layer") << "shared layer"
                                  << "more than once";
    QTest::newRow("input out of order") << "input out of order"
                                        << "does not come before";
  }
  void refusals() {
    QFETCH(QString, mutation);
    QFETCH(QString, messagePart);
    auto built = load(m_dir.filePath(QStringLiteral("functional")));
    QVERIFY(built.ok());
    json config = built->model.modelConfig;
    TensorMap weights = built->model.weights;
    json& layers = config["config"]["layers"];
    std::string cut;
    if (mutation == "unknown layer") layers[7]["class_name"] = "Lambda";  // "leaky"
    if (mutation == "missing weight") weights.erase("conv1/kernel");
    if (mutation == "wrong weight shape") weights["dw/bias"].shape = {8, 2};
    if (mutation == "unknown activation") layers[8]["config"]["activation"] = "mish";
    if (mutation == "unknown cut") cut = "nowhere";
    if (mutation == "shared layer") layers[8]["inbound_nodes"].push_back(layers[8]["inbound_nodes"][0]);
    if (mutation == "input out of order") layers[2]["inbound_nodes"][0][0][0] = "fc2";
    auto topology = md::parseKerasTopology(config);
    Result<std::shared_ptr<md::KerasGraphImpl>> graph = Error();
    if (topology) graph = md::KerasGraphImpl::build(*topology, weights, cut);
    const Error error = topology ? (graph ? Error() : graph.error()) : topology.error();
    QVERIFY2(!topology.ok() || !graph.ok(), "must be refused");
    QVERIFY2(error.message.contains(messagePart), qPrintable(error.message));
    QVERIFY(!error.hint.isEmpty());
    if (mutation == "unknown layer") QVERIFY(error.message.contains(QLatin1String("leaky")));
  }

  // The real MobileNetV2 of nsfwjs@4.3.0 with its own head: china.jpg is its class 2 with p > 0.99.
  void nsfwjsMobileNetV2PredictsChina() {
    m_realData = testing::fetchTfjsTestData();
    QVERIFY2(!m_realData.isEmpty(),
             "fetch_tfjs_data.sh failed: the npm registry (nsfwjs@4.3.0) and Debian's "
             "archive (python3-sklearn) must be reachable for this test");
    auto built = load(m_realData + "/nsfwjs/mobilenet_v2");
    QVERIFY2(built.ok(), built.ok() ? "" : qPrintable(built.error().text()));
    QCOMPARE(built->topology.defaultCut(), std::string("out_relu"));
    QCOMPARE(built->topology.inputShape, (std::vector<int64_t>{224, 224, 3}));
    auto graph = md::KerasGraphImpl::build(built->topology, built->model.weights);
    QVERIFY2(graph.ok(), graph.ok() ? "" : qPrintable(graph.error().text()));
    (*graph)->eval();
    const torch::Tensor photo = loadPhoto(m_realData + "/china.jpg", 224);
    QVERIFY(photo.defined());
    torch::NoGradGuard noGrad;
    const torch::Tensor probabilities = (*graph)->forward(photo);
    QCOMPARE(probabilities.sizes().vec(), (std::vector<int64_t>{1, 5}));
    qInfo("MobileNetV2 china.jpg probabilities: %s",
          QString::fromStdString(c10::str(probabilities)).simplified().toLatin1().constData());
    QCOMPARE(probabilities.argmax(1).item<int64_t>(), int64_t(2));
    QVERIFY(probabilities[0][2].item<double>() > 0.99);

    auto backbone = md::KerasGraphImpl::build(built->topology, built->model.weights, "out_relu");
    QVERIFY(backbone.ok());
    (*backbone)->eval();
    QCOMPARE((*backbone)->forward(photo).sizes().vec(), (std::vector<int64_t>{1, 1280, 7, 7}));

    // Its ReLU6 layers before each ZeroPadding2D write straight into the padded map when no gradient is
    // recorded (KerasLayers.h), and run as two layers when one is: both give the same features, in the
    // default layout and in channels-last.
    const torch::Tensor batch = torch::cat({photo, photo.flip(3)});
    const torch::Tensor fused = (*backbone)->forward(batch);
    const torch::Tensor nhwc = (*backbone)->forward(batch.contiguous(torch::MemoryFormat::ChannelsLast));
    torch::Tensor separate;
    {
      torch::AutoGradMode grad(true);
      separate = (*backbone)->forward(batch.clone().requires_grad_(true)).detach();
    }
    QVERIFY(torch::equal(fused, separate));
    QVERIFY2(torch::allclose(fused, nhwc, 1e-4, 1e-4),
             qPrintable(QString::number((fused - nhwc).abs().max().item<double>())));
  }

  // The real InceptionV3 (318 layers, 299 x 299) runs and gives a probability vector.
  void nsfwjsInceptionV3Runs() {
    QVERIFY2(!m_realData.isEmpty(), "the real data was not fetched (see nsfwjsMobileNetV2PredictsChina)");
    auto built = load(m_realData + "/nsfwjs/inception_v3");
    QVERIFY2(built.ok(), built.ok() ? "" : qPrintable(built.error().text()));
    QCOMPARE(built->topology.inputShape, (std::vector<int64_t>{299, 299, 3}));
    qInfo("InceptionV3 default cut: %s", built->topology.defaultCut().c_str());
    QCOMPARE(built->topology.defaultCut(), std::string("mixed10"));
    auto graph = md::KerasGraphImpl::build(built->topology, built->model.weights);
    QVERIFY2(graph.ok(), graph.ok() ? "" : qPrintable(graph.error().text()));
    (*graph)->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor probabilities = (*graph)->forward(loadPhoto(m_realData + "/china.jpg", 299));
    QCOMPARE(probabilities.sizes().vec(), (std::vector<int64_t>{1, 5}));
    qInfo("InceptionV3 china.jpg probabilities: %s",
          QString::fromStdString(c10::str(probabilities)).simplified().toLatin1().constData());
    QVERIFY(probabilities.min().item<double>() >= 0.0);
    QVERIFY(std::abs(probabilities.sum().item<double>() - 1.0) < 1e-4);
  }
};

QTEST_GUILESS_MAIN(TestKerasGraph)
#include "test_keras_graph.moc"
