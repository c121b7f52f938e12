// Every architecture Attune trains, written as ONNX (core/models/detail/OnnxModel.h), gives in ONNX
// Runtime (npm onnxruntime-node, an independent runtime) the probabilities Attune's own model gives on
// the same input tensors: max |difference| <= 1e-4, at batch sizes 1 and 3, and for text at two
// sequence lengths with padding inside the batch. Each file also passes python3-onnx's checker with
// full shape inference (a second reader). Then the refusals: a layer that ONNX cannot express, and a
// graph whose declared shapes contradict what its nodes compute.

#include "core/models/detail/Bert.h"
#include "core/models/detail/DistilBert.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/KerasClassifier.h"
#include "core/models/detail/OnnxModel.h"
#include "core/models/detail/TextClassifier.h"
#include "core/models/detail/WordVectorClassifier.h"
#include "core/weights/TfjsModel.h"
#include "tests/support/OnnxRuntime.h"
#include "tests/support/RandomModelInputs.h"
#include "tests/support/TfjsTestData.h"

#include <torch/torch.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace attune;
namespace md = attune::detail;
using attune::testing::OnnxTensor;
using attune::testing::OnnxTensors;

namespace {

constexpr double kTolerance = 1e-4;

OnnxTensor tensorOf(const torch::Tensor& source) {
  const torch::Tensor t = source.contiguous();
  OnnxTensor tensor;
  tensor.dtype = t.scalar_type() == torch::kInt64 ? "int64" : "float32";
  tensor.shape.assign(t.sizes().begin(), t.sizes().end());
  tensor.data = QByteArray(static_cast<const char*>(t.data_ptr()), qsizetype(t.numel() * t.element_size()));
  return tensor;
}

torch::Tensor torchOf(const OnnxTensor& tensor) {
  return torch::from_blob(const_cast<char*>(tensor.data.constData()), tensor.shape, torch::kFloat32).clone();
}

// BatchNorm statistics of real activations (a cumulative average over a few random batches), so that a
// deep randomly initialised network computes values of ordinary size, and every BatchNorm parameter
// away from its initial 1 / 0 (a BatchNorm written wrongly would then show).
void settle(md::ImageClassifierImpl& model, int64_t side) {
  torch::NoGradGuard noGrad;
  for (auto& module : model.modules(/*include_self=*/false)) {
    if (auto* norm = dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get())) {
      norm->options.momentum(c10::nullopt);
      norm->weight.uniform_(0.5, 1.5);
      norm->bias.uniform_(-0.2, 0.2);
    }
  }
  for (auto& parameter : model.parameters())
    if (parameter.numel() > 0 && parameter.std().item<double>() == 0.0) parameter.normal_(0.0, 0.05);
  model.train();
  for (int i = 0; i < 3; ++i) model.forward(torch::randn({4, 3, side, side}));
  model.eval();
}

// Writes `model` as ONNX into `dir`/NAME.onnx and checks it with python3-onnx.
QString writeOnnx(const md::ImageClassifierImpl& model, const md::OnnxModelSpec& spec,
                  const QTemporaryDir& dir, const QString& name) {
  const std::string bytes = md::modelToOnnx(model, spec);
  const QString path = dir.filePath(name + QStringLiteral(".onnx"));
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(bytes.data(), qint64(bytes.size())) != qint64(bytes.size()))
    return {};
  return path;
}

struct Difference {
  double probabilities = 0.0;
  double logits = 0.0;
  double logitScale = 0.0;
};

Difference compare(const OnnxTensors& outputs, const torch::Tensor& logits) {
  Difference difference;
  const torch::Tensor ortLogits = torchOf(outputs.at("logits"));
  const torch::Tensor ortProbabilities = torchOf(outputs.at("probabilities"));
  if (ortLogits.sizes() != logits.sizes() || ortProbabilities.sizes() != logits.sizes())
    return {1e9, 1e9, 0.0};
  difference.probabilities = (ortProbabilities - torch::softmax(logits, 1)).abs().max().item<double>();
  difference.logits = (ortLogits - logits).abs().max().item<double>();
  difference.logitScale = logits.abs().max().item<double>();
  return difference;
}

// Weights of ordinary size for a freshly initialised text model (whose new head starts near zero, so
// that its logits would agree whatever the layers before it computed): LayerNorm scales around 1,
// everything else normal with std 0.2.
void enliven(md::ImageClassifierImpl& model) {
  torch::NoGradGuard noGrad;
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    const bool normScale =
        (name.find("LayerNorm") != std::string::npos || name.find("layer_norm") != std::string::npos) &&
        name.ends_with(".weight");
    if (normScale)
      item.value().uniform_(0.5, 1.5);
    else
      item.value().normal_(0.0, 0.2);
  }
}

// A classifier with a layer ONNX cannot express here: a convolution with reflection padding.
class ReflectingClassifier : public md::ImageClassifierImpl {
 public:
  ReflectingClassifier()
      : m_conv(register_module(
            "conv",
            torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1).padding_mode(torch::kReflect)))),
        m_head(register_module("head", torch::nn::Linear(4, 2))) {}
  torch::Tensor features(torch::Tensor input) override { return m_conv(input).mean({2, 3}); }
  std::string headPrefix() const override { return "head."; }
  md::OnnxValue onnxFeatures(md::OnnxGraph& graph, const md::OnnxValue& input) const override {
    return graph.globalAveragePool(graph.module(*m_conv, input));
  }
  md::OnnxValue onnxClassify(md::OnnxGraph& graph, const md::OnnxValue& features) const override {
    return graph.linear(*m_head, features);
  }

 protected:
  torch::Tensor classifyFeatures(torch::Tensor features) override { return m_head(features); }

 private:
  torch::nn::Conv2d m_conv;
  torch::nn::Linear m_head;
};

}  // namespace

class TestOnnxExport : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QTemporaryDir m_kerasReference;
  bool m_kerasReferenceMade = false;
  QString m_realData;
  QString m_modules;

  // Runs `path` in ONNX Runtime on `inputs` and compares with Attune's `logits`.
  void expectSameAnswers(const QString& path, const OnnxTensors& inputs, const torch::Tensor& logits,
                         const QString& what) {
    QString error;
    const OnnxTensors outputs = attune::testing::runOnnxFile(m_modules, path, inputs, &error);
    QVERIFY2(!outputs.empty(), qPrintable(what + QStringLiteral(": ") + error));
    QVERIFY2(outputs.count("logits") == 1 && outputs.count("probabilities") == 1, qPrintable(what));
    const Difference difference = compare(outputs, logits);
    qInfo("%s: max |probability difference| %.2e, max |logit difference| %.2e (logits up to %.2f)",
          qPrintable(what), difference.probabilities, difference.logits, difference.logitScale);
    QVERIFY2(difference.probabilities <= kTolerance, qPrintable(what));
    // The logits agree to float32 rounding of their size.
    QVERIFY2(difference.logits <= kTolerance * std::max(1.0, difference.logitScale), qPrintable(what));
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QString error;
    m_modules = attune::testing::onnxRuntimeModules(&error);
    QVERIFY2(!m_modules.isEmpty(), qPrintable(error));
    torch::set_num_threads(2);
  }

  void imageModelsGiveTheSameAnswersInOnnxRuntime_data() {
    QTest::addColumn<QString>("architecture");
    QTest::addColumn<int>("side");
    // The catalog's nine architectures; ViT at its pre-training size (its position embedding as it is)
    // and at 64 px (the embedding resized, as a run at another size uses it).
    for (const char* id : {"resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_small",
                           "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny"})
      QTest::newRow(id) << QString::fromLatin1(id) << 64;
    QTest::newRow("vit_b_16 at 224") << QStringLiteral("vit_b_16") << 224;
    QTest::newRow("vit_b_16 at 64") << QStringLiteral("vit_b_16") << 64;
  }

  void imageModelsGiveTheSameAnswersInOnnxRuntime() {
    QFETCH(QString, architecture);
    QFETCH(int, side);
    torch::manual_seed(7);
    auto model = md::makeImageClassifier(architecture, 5);
    QVERIFY(model);
    settle(*model, side);

    md::OnnxModelSpec spec;
    spec.imageHeight = spec.imageWidth = side;
    spec.classes = 5;
    spec.metadata = {{"class_names", R"(["a","b","c","d","e"])"}};
    const QString path = writeOnnx(*model, spec, m_dir, QStringLiteral("%1-%2").arg(architecture).arg(side));
    QVERIFY(!path.isEmpty());
    const QString checked = attune::testing::checkOnnxFile(path);
    QVERIFY2(checked.isEmpty(), qPrintable(checked));

    torch::NoGradGuard noGrad;
    for (int64_t batch : {1, 3}) {
      const torch::Tensor pixels = torch::randn({batch, 3, side, side});
      const torch::Tensor logits = model->forward(pixels);
      // Not a degenerate model: the classes get different scores.
      QVERIFY(logits.std(1).min().item<double>() > 1e-3);
      expectSameAnswers(path, {{md::kOnnxImageInput, tensorOf(pixels)}}, logits,
                        QStringLiteral("%1 at %2 px, batch %3").arg(architecture).arg(side).arg(batch));
      if (QTest::currentTestFailed()) return;
    }
  }

  void textModelsGiveTheSameAnswersInOnnxRuntime_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("bert gelu") << QStringLiteral("bert gelu");
    QTest::newRow("bert gelu_new") << QStringLiteral("bert gelu_new");
    QTest::newRow("distilbert gelu") << QStringLiteral("distilbert gelu");
    QTest::newRow("distilbert relu") << QStringLiteral("distilbert relu");
    QTest::newRow("word vectors mean") << QStringLiteral("words mean");
    QTest::newRow("word vectors max") << QStringLiteral("words max");
    QTest::newRow("word vectors mean+max, convolution") << QStringLiteral("words meanmax conv");
  }

  void textModelsGiveTheSameAnswersInOnnxRuntime() {
    QFETCH(QString, model);
    torch::manual_seed(13);
    md::ImageClassifierPtr classifier;
    int64_t pad = 0;
    int64_t vocab = 99;
    if (model.startsWith(QStringLiteral("words"))) {
      WordVectorOptions options;
      options.pooling = model.contains(QStringLiteral("meanmax")) ? WordPooling::MeanMax
                        : model.contains(QStringLiteral("max"))   ? WordPooling::Max
                                                                  : WordPooling::Mean;
      options.encoder = model.contains(QStringLiteral("conv")) ? WordEncoder::Convolution : WordEncoder::None;
      options.convChannels = 8;
      vocab = 30;
      auto made = md::makeWordVectorClassifier(options, attune::testing::randomWordTable(vocab, 6), 3);
      QVERIFY(made);
      classifier = *made;
    } else {
      const TextModelKind kind =
          model.startsWith(QStringLiteral("distilbert")) ? TextModelKind::DistilBert : TextModelKind::Bert;
      const HiddenActivation activation = model.endsWith(QStringLiteral("gelu_new"))
                                              ? HiddenActivation::GeluTanh
                                          : model.endsWith(QStringLiteral("relu")) ? HiddenActivation::Relu
                                                                                   : HiddenActivation::Gelu;
      TextModelConfig config = attune::testing::tinyTextConfig(kind);
      config.hiddenAct = activation;
      auto text = md::makeTextClassifier(config, 3);
      QVERIFY(text);
      pad = config.padTokenId;
      classifier = text;
    }
    enliven(*classifier);
    classifier->eval();

    md::OnnxModelSpec spec;
    spec.text = true;
    spec.classes = 3;
    const QString path = writeOnnx(*classifier, spec, m_dir, model.replace(' ', '_'));
    QVERIFY(!path.isEmpty());
    const QString checked = attune::testing::checkOnnxFile(path);
    QVERIFY2(checked.isEmpty(), qPrintable(checked));

    torch::NoGradGuard noGrad;
    // One text and three of different lengths (padding inside the batch), at two sequence lengths.
    for (const auto& lengths : std::vector<std::vector<int64_t>>{{7}, {7, 3, 5}, {19}, {19, 1, 12}}) {
      const torch::Tensor ids = attune::testing::randomPaddedIds(lengths, vocab, pad);
      const torch::Tensor mask = ids.ne(pad).to(torch::kInt64);
      const torch::Tensor logits = classifier->forward(ids);
      QVERIFY(logits.std(1).min().item<double>() > 1e-3);
      QString what = QStringLiteral("%1, lengths").arg(model);
      for (int64_t length : lengths) what += QStringLiteral(" %1").arg(length);
      expectSameAnswers(path, {{md::kOnnxTokenInput, tensorOf(ids)}, {md::kOnnxMaskInput, tensorOf(mask)}},
                        logits, what);
      if (QTest::currentTestFailed()) return;
    }
  }

  void kerasModelsGiveTheSameAnswersInOnnxRuntime_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("cut");
    // make_keras_reference.py's models, which use every layer kind Attune runs (one of each option that
    // changes the computation: same and valid padding, dilation, capped and leaky ReLUs, BatchNorm
    // without scale, Flatten to Dense), cut where a run cuts them; and the real nsfwjs@4.3.0 models.
    QTest::newRow("functional whole") << QStringLiteral("functional") << QString();
    QTest::newRow("functional cut at add") << QStringLiteral("functional") << QStringLiteral("add");
    QTest::newRow("functional cut at act") << QStringLiteral("functional") << QStringLiteral("act");
    QTest::newRow("functional cut at fc1") << QStringLiteral("functional") << QStringLiteral("fc1");
    QTest::newRow("sequential") << QStringLiteral("sequential") << QString();
    QTest::newRow("nested") << QStringLiteral("nested") << QString();
    QTest::newRow("nsfwjs MobileNetV2") << QStringLiteral("nsfwjs/mobilenet_v2") << QString();
    QTest::newRow("nsfwjs InceptionV3") << QStringLiteral("nsfwjs/inception_v3") << QString();
  }

  void kerasModelsGiveTheSameAnswersInOnnxRuntime() {
    QFETCH(QString, model);
    QFETCH(QString, cut);
    QString folder;
    if (model.startsWith(QStringLiteral("nsfwjs"))) {
      if (m_realData.isEmpty()) m_realData = attune::testing::fetchTfjsTestData();
      QVERIFY2(!m_realData.isEmpty(),
               "fetch_tfjs_data.sh failed: the npm registry (nsfwjs@4.3.0) must be reachable");
      folder = m_realData + QLatin1Char('/') + model;
    } else {
      if (!m_kerasReferenceMade) {
        QProcess python;
        python.setProcessChannelMode(QProcess::MergedChannels);
        python.start(QStringLiteral("/usr/bin/python3"),
                     {attune::testing::testPath("ATTUNE_KERAS_REFERENCE_SCRIPT"), m_kerasReference.path()});
        QVERIFY2(python.waitForFinished(300'000) && python.exitCode() == 0, python.readAll().constData());
        m_kerasReferenceMade = true;
      }
      QVERIFY(m_kerasReferenceMade);
      folder = m_kerasReference.filePath(model);
    }
    auto tfjs = readTfjsModel(folder);
    QVERIFY2(tfjs.ok(), tfjs.ok() ? "" : qPrintable(tfjs.error().text()));
    auto size = md::kerasInputSize(*tfjs);
    QVERIFY(size.ok());
    torch::manual_seed(5);
    auto classifier = md::makeKerasClassifier(*tfjs, cut, 4);
    QVERIFY2(classifier.ok(), classifier.ok() ? "" : qPrintable(classifier.error().text()));
    (*classifier)->eval();
    {
      // A head that spreads the classes apart (its initial weights keep the logits near zero).
      torch::NoGradGuard noGrad;
      for (auto& parameter : (*classifier)->headParameters()) parameter.normal_(0.0, 1.0);
    }

    md::OnnxModelSpec spec;
    spec.imageHeight = (*size)[0];
    spec.imageWidth = (*size)[1];
    spec.imageChannels = (*size)[2];
    spec.classes = 4;
    const QString path = writeOnnx(**classifier, spec, m_dir, QString(model).replace('/', '_') + cut);
    QVERIFY(!path.isEmpty());
    const QString checked = attune::testing::checkOnnxFile(path);
    QVERIFY2(checked.isEmpty(), qPrintable(checked));
    torch::NoGradGuard noGrad;
    for (int64_t batch : {1, 3}) {
      const torch::Tensor pixels =
          torch::rand({batch, spec.imageChannels, spec.imageHeight, spec.imageWidth});
      const torch::Tensor logits = (*classifier)->forward(pixels);
      QVERIFY(logits.std(1).min().item<double>() > 1e-3);
      expectSameAnswers(path, {{md::kOnnxImageInput, tensorOf(pixels)}}, logits,
                        QStringLiteral("%1 %2, batch %3").arg(model, cut).arg(batch));
      if (QTest::currentTestFailed()) return;
    }
  }

  void aLayerOnnxCannotExpressIsNamed() {
    ReflectingClassifier model;
    md::OnnxModelSpec spec;
    spec.imageHeight = spec.imageWidth = 16;
    spec.classes = 2;
    try {
      md::modelToOnnx(model, spec);
      QFAIL("a reflection-padded convolution was written as ONNX");
    } catch (const md::OnnxUnsupported& unsupported) {
      QVERIFY2(QString::fromUtf8(unsupported.what()).contains(QStringLiteral("pads other than with zeros")),
               unsupported.what());
    }
  }

  void declaredShapesThatContradictTheNodesAreRefused() {
    // The checker alone accepts this graph; full shape inference (strict) does not: the Gemm makes
    // [batch, 4] but the output says [batch, 5].
    torch::nn::Linear linear(3, 4);
    md::OnnxGraph graph(*linear);
    const auto x = graph.addInput("x", md::OnnxType::Float, {"batch", int64_t{3}});
    graph.addOutput(graph.linear(*linear, x), "y", md::OnnxType::Float, {"batch", int64_t{5}});
    try {
      graph.serialize("wrong", {});
      QFAIL("a graph whose output shape contradicts its nodes was written");
    } catch (const md::OnnxUnsupported& refused) {
      QVERIFY2(QString::fromUtf8(refused.what()).contains(QStringLiteral("checker")), refused.what());
    }
  }

  void initializersKeepTheModelsParameterNames() {
    torch::manual_seed(3);
    auto model = md::makeImageClassifier(QStringLiteral("resnet18"), 2);
    model->eval();
    md::OnnxModelSpec spec;
    spec.imageHeight = spec.imageWidth = 32;
    spec.classes = 2;
    const std::string bytes = md::modelToOnnx(*model, spec);
    // Every parameter and buffer that the forward pass reads is in the file under its state_dict name.
    for (const char* name : {"conv1.weight", "bn1.running_var", "layer4.1.conv2.weight",
                             "layer2.0.downsample.0.weight", "fc.weight", "fc.bias"})
      QVERIFY2(bytes.find(name) != std::string::npos, name);
  }
};

QTEST_GUILESS_MAIN(TestOnnxExport)
#include "test_onnx_export.moc"
