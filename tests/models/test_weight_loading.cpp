// Loading weights into Attune's image classifiers: a fresh head for the project's classes, errors
// that name the tensors that do not fit, dtype conversion, and a frozen backbone that stays frozen.
// The weights come from Attune's own models (names are proven equal to torchvision's by
// test_model_parity), so this test needs no Python.

#include "core/models/Architecture.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/weights/SafetensorsWriter.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace attune;
// Plain "detail" would be ambiguous with ATen's global ::detail namespace.
namespace md = attune::detail;
using md::BackboneState;
using md::HeadPolicy;

namespace {

md::ImageClassifierPtr makeModel(const char* architecture, int numClasses) {
  return md::makeImageClassifier(QString::fromLatin1(architecture), numClasses);
}

bool sameTensor(const TensorData& a, const TensorData& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.bytes == b.bytes;
}

QString errorText(const Result<WeightLoadReport>& result) {
  return result.ok() ? QStringLiteral("(no error)") : result.error().text();
}

// Small inputs keep the test fast; the architectures are size-agnostic thanks to adaptive pooling.
torch::Tensor smallBatch() {
  return torch::randn({4, 3, 64, 64});
}

}  // namespace

class TestWeightLoading : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void architectureTable();
  void initialisationLikeTorchvision();
  void tensorDataRoundTrip_data();
  void tensorDataRoundTrip();
  void replaceHead_data();
  void replaceHead();
  void missingBackboneKeyIsAnError();
  void backboneShapeMismatchIsAnError();
  void unexpectedKeyIsReported();
  void wrongArchitectureIsAnError();
  void loadAllRejectsOtherHead();
  void keepHeadLoadsAllButTheHead();
  void missingBatchCounterIsTolerated();
  void halfPrecisionWeightsConvert();
  void loadWeightsFile();
  void frozenBackbone();
  void frozenBackboneIsDeterministic_data();
  void frozenBackboneIsDeterministic();
  void visionTransformerTakesOtherSizes();
  void reportSummary();
};

void TestWeightLoading::initTestCase() {
  torch::manual_seed(0);
  torch::set_num_threads(2);
}

void TestWeightLoading::architectureTable() {
  // The architectures built after torchvision (the list may hold others, such as imported models).
  const std::pair<const char*, const char*> torchvision[] = {
      {"resnet18", "ResNet-18"},
      {"resnet34", "ResNet-34"},
      {"resnet50", "ResNet-50"},
      {"mobilenet_v2", "MobileNetV2"},
      {"mobilenet_v3_small", "MobileNetV3-Small"},
      {"mobilenet_v3_large", "MobileNetV3-Large"},
      {"efficientnet_b0", "EfficientNet-B0"},
      {"convnext_tiny", "ConvNeXt-Tiny"},
      {"vit_b_16", "ViT-B/16"},
  };
  for (const auto& [id, displayName] : torchvision) {
    const ArchitectureInfo* info = findArchitecture(QString::fromLatin1(id));
    QVERIFY2(info, id);
    QCOMPARE(info->displayName, QString::fromUtf8(displayName));
    QCOMPARE(info->inputSize, 224);
    QVERIFY(!info->description.isEmpty());
    auto model = md::makeImageClassifier(info->id, 3);
    QVERIFY2(model, id);
    QCOMPARE(QString::fromStdString(model->headPrefix()), info->headPrefix);
  }
  QCOMPARE(findArchitecture(QStringLiteral("resnet50"))->headPrefix, QStringLiteral("fc."));
  QCOMPARE(findArchitecture(QStringLiteral("mobilenet_v2"))->headPrefix, QStringLiteral("classifier.1."));
  QCOMPARE(findArchitecture(QStringLiteral("mobilenet_v3_small"))->headPrefix,
           QStringLiteral("classifier.3."));
  QCOMPARE(findArchitecture(QStringLiteral("mobilenet_v3_large"))->headPrefix,
           QStringLiteral("classifier.3."));
  QCOMPARE(findArchitecture(QStringLiteral("efficientnet_b0"))->headPrefix, QStringLiteral("classifier.1."));
  QCOMPARE(findArchitecture(QStringLiteral("convnext_tiny"))->headPrefix, QStringLiteral("classifier.2."));
  QCOMPARE(findArchitecture(QStringLiteral("vit_b_16"))->displayName, QStringLiteral("ViT-B/16"));
  QCOMPARE(findArchitecture(QStringLiteral("vit_b_16"))->headPrefix, QStringLiteral("heads.head."));
  QVERIFY(findArchitecture(QStringLiteral("vgg16")) == nullptr);
  QVERIFY(md::makeImageClassifier(QStringLiteral("vgg16"), 3) == nullptr);
}

void TestWeightLoading::initialisationLikeTorchvision() {
  // Kaiming normal with fan_out for every convolution: std = sqrt(2 / (out_channels * kernel area)).
  const auto std = [](const TensorData& data) { return md::toTensor(data).std().item<double>(); };
  const TensorMap resnet = md::stateDictOf(*makeModel("resnet50", 3));
  QVERIFY(std::abs(std(resnet.at("conv1.weight")) / std::sqrt(2.0 / (64 * 7 * 7)) - 1.0) < 0.05);
  QVERIFY(std::abs(std(resnet.at("layer3.0.conv2.weight")) / std::sqrt(2.0 / (256 * 3 * 3)) - 1.0) < 0.05);
  QVERIFY(torch::equal(md::toTensor(resnet.at("layer1.0.bn1.weight")), torch::ones({64})));
  QVERIFY(torch::equal(md::toTensor(resnet.at("layer1.0.bn1.bias")), torch::zeros({64})));
  // PyTorch's Linear default: uniform in +-1/sqrt(fan_in).
  const auto fc = md::toTensor(resnet.at("fc.weight"));
  QVERIFY(fc.abs().max().item<double>() <= 1.0 / std::sqrt(2048.0));

  // MobileNetV2's head: normal(0, 0.01) weights, zero bias.
  const TensorMap mobilenet = md::stateDictOf(*makeModel("mobilenet_v2", 100));
  QVERIFY(std::abs(std(mobilenet.at("classifier.1.weight")) / 0.01 - 1.0) < 0.05);
  QVERIFY(torch::equal(md::toTensor(mobilenet.at("classifier.1.bias")), torch::zeros({100})));
  QVERIFY(std::abs(std(mobilenet.at("features.18.0.weight")) / std::sqrt(2.0 / 1280) - 1.0) < 0.05);

  // EfficientNet's head: uniform in +-1/sqrt(out_features), zero bias; SE convolutions Kaiming too.
  const TensorMap efficientnet = md::stateDictOf(*makeModel("efficientnet_b0", 100));
  QVERIFY(md::toTensor(efficientnet.at("classifier.1.weight")).abs().max().item<double>() <= 0.1);
  QVERIFY(std(efficientnet.at("classifier.1.weight")) > 0.05);  // uniform(-0.1, 0.1): std 0.058
  QVERIFY(torch::equal(md::toTensor(efficientnet.at("features.2.0.block.2.fc1.bias")), torch::zeros({4})));

  // ConvNeXt: normal(0, 0.02) for convolutions and Linear layers, layer scale 1e-6.
  const TensorMap convnext = md::stateDictOf(*makeModel("convnext_tiny", 3));
  QVERIFY(std::abs(std(convnext.at("features.5.0.block.3.weight")) / 0.02 - 1.0) < 0.05);
  QVERIFY(
      torch::allclose(md::toTensor(convnext.at("features.1.0.layer_scale")), torch::full({96, 1, 1}, 1e-6)));

  // ViT: a zero head and class token, position embeddings normal(0, 0.02).
  const TensorMap vit = md::stateDictOf(*makeModel("vit_b_16", 3));
  QVERIFY(torch::equal(md::toTensor(vit.at("heads.head.weight")), torch::zeros({3, 768})));
  QVERIFY(torch::equal(md::toTensor(vit.at("class_token")), torch::zeros({1, 1, 768})));
  QVERIFY(std::abs(std(vit.at("encoder.pos_embedding")) / 0.02 - 1.0) < 0.05);
  QVERIFY(std::abs(std(vit.at("conv_proj.weight")) / std::sqrt(1.0 / 768) - 1.0) < 0.05);
}

void TestWeightLoading::tensorDataRoundTrip_data() {
  QTest::addColumn<int>("scalarType");
  QTest::newRow("F64") << static_cast<int>(torch::kFloat64);
  QTest::newRow("F32") << static_cast<int>(torch::kFloat32);
  QTest::newRow("F16") << static_cast<int>(torch::kFloat16);
  QTest::newRow("BF16") << static_cast<int>(torch::kBFloat16);
  QTest::newRow("I64") << static_cast<int>(torch::kInt64);
  QTest::newRow("I32") << static_cast<int>(torch::kInt32);
  QTest::newRow("I16") << static_cast<int>(torch::kInt16);
  QTest::newRow("I8") << static_cast<int>(torch::kInt8);
  QTest::newRow("U8") << static_cast<int>(torch::kUInt8);
  QTest::newRow("Bool") << static_cast<int>(torch::kBool);
}

void TestWeightLoading::tensorDataRoundTrip() {
  QFETCH(int, scalarType);
  const auto type = static_cast<torch::ScalarType>(scalarType);
  // A non-contiguous view checks that toTensorData writes row-major bytes.
  const auto original = (torch::randn({3, 5}) * 50).to(type).t();
  const TensorData data = md::toTensorData(original);
  QCOMPARE(data.shape, (std::vector<int64_t>{5, 3}));
  QCOMPARE(data.bytes.size(), qsizetype{15} * dtypeSize(data.dtype));
  const auto back = md::toTensor(data);
  QCOMPARE(back.scalar_type(), type);
  QVERIFY(torch::equal(back, original));

  const auto scalar = md::toTensor(md::toTensorData(torch::tensor(int64_t{42})));
  QCOMPARE(scalar.dim(), int64_t{0});
  QCOMPARE(scalar.item<int64_t>(), int64_t{42});
}

void TestWeightLoading::replaceHead_data() {
  QTest::addColumn<QString>("architecture");
  QTest::addColumn<int>("headInputs");  // the features the head sees
  QTest::newRow("resnet18") << QStringLiteral("resnet18") << 512;
  QTest::newRow("mobilenet_v2") << QStringLiteral("mobilenet_v2") << 1280;
  QTest::newRow("mobilenet_v3_small") << QStringLiteral("mobilenet_v3_small") << 1024;
  QTest::newRow("mobilenet_v3_large") << QStringLiteral("mobilenet_v3_large") << 1280;
  QTest::newRow("efficientnet_b0") << QStringLiteral("efficientnet_b0") << 1280;
  QTest::newRow("convnext_tiny") << QStringLiteral("convnext_tiny") << 768;
  QTest::newRow("vit_b_16") << QStringLiteral("vit_b_16") << 768;
}

void TestWeightLoading::replaceHead() {
  QFETCH(QString, architecture);
  QFETCH(int, headInputs);
  auto pretrained = md::makeImageClassifier(architecture, 10);
  const TensorMap weights = md::stateDictOf(*pretrained);

  auto model = md::makeImageClassifier(architecture, 3);
  const std::string head = model->headPrefix();
  const TensorMap before = md::stateDictOf(*model);
  const auto report = md::loadStateDict(*model, weights, head, HeadPolicy::ReplaceHead);
  QVERIFY2(report.ok(), qPrintable(errorText(report)));

  QStringList expectedFresh{QString::fromStdString(head + "bias"), QString::fromStdString(head + "weight")};
  QStringList fresh = report->freshHead;
  fresh.sort();
  QCOMPARE(fresh, expectedFresh);
  QVERIFY(report->missing.isEmpty());
  QVERIFY(report->unexpected.isEmpty());
  QVERIFY(report->backboneComplete());
  QCOMPARE(report->loadedCount, static_cast<int>(weights.size()) - 2);

  const TensorMap after = md::stateDictOf(*model);
  for (const auto& [name, data] : after) {
    if (name.starts_with(head))
      QVERIFY2(sameTensor(data, before.at(name)), name.c_str());  // the fresh head keeps its init
    else
      QVERIFY2(sameTensor(data, weights.at(name)), name.c_str());
  }
  QCOMPARE(after.at(head + "weight").shape, (std::vector<int64_t>{3, headInputs}));
}

void TestWeightLoading::missingBackboneKeyIsAnError() {
  TensorMap weights = md::stateDictOf(*makeModel("resnet18", 10));
  weights.erase("layer2.0.conv1.weight");
  auto model = makeModel("resnet18", 10);
  const TensorMap before = md::stateDictOf(*model);
  const auto result = md::loadStateDict(*model, weights, "fc.", HeadPolicy::ReplaceHead);
  QVERIFY(!result.ok());
  QCOMPARE(result.error().code, ErrorCode::MissingKey);
  QVERIFY2(result.error().message.contains(u"layer2.0.conv1.weight"), qPrintable(result.error().message));
  QVERIFY(!result.error().hint.isEmpty());
  // Nothing was copied: a failed load leaves the model as it was.
  QVERIFY(sameTensor(md::stateDictOf(*model).at("conv1.weight"), before.at("conv1.weight")));
}

void TestWeightLoading::backboneShapeMismatchIsAnError() {
  TensorMap weights = md::stateDictOf(*makeModel("resnet18", 10));
  weights["layer1.0.bn1.weight"] = md::toTensorData(torch::ones({32}));
  auto model = makeModel("resnet18", 10);
  const auto result = md::loadStateDict(*model, weights, "fc.", HeadPolicy::ReplaceHead);
  QVERIFY(!result.ok());
  QCOMPARE(result.error().code, ErrorCode::ShapeMismatch);
  QVERIFY2(result.error().message.contains(u"layer1.0.bn1.weight: file [32], model [64]"),
           qPrintable(result.error().message));
}

void TestWeightLoading::unexpectedKeyIsReported() {
  TensorMap weights = md::stateDictOf(*makeModel("resnet18", 10));
  weights["aux_logits.weight"] = md::toTensorData(torch::zeros({2, 2}));
  auto model = makeModel("resnet18", 10);
  const auto report = md::loadStateDict(*model, weights, "fc.", HeadPolicy::LoadAll);
  QVERIFY2(report.ok(), qPrintable(errorText(report)));
  QCOMPARE(report->unexpected, QStringList{QStringLiteral("aux_logits.weight")});
  QCOMPARE(report->loadedCount, static_cast<int>(weights.size()) - 1);
}

void TestWeightLoading::wrongArchitectureIsAnError() {
  const TensorMap resnet18 = md::stateDictOf(*makeModel("resnet18", 10));
  auto resnet34 = makeModel("resnet34", 10);
  const auto result = md::loadStateDict(*resnet34, resnet18, "fc.", HeadPolicy::ReplaceHead);
  QVERIFY(!result.ok());
  QCOMPARE(result.error().code, ErrorCode::MissingKey);
  QVERIFY2(result.error().message.contains(u"layer1.2."), qPrintable(result.error().message));
  QVERIFY2(result.error().hint.contains(u"architecture"), qPrintable(result.error().hint));
  qInfo().noquote() << result.error().text();

  // ResNet-50's bottlenecks have the same block names as ResNet-34's, with other shapes.
  const TensorMap resnet50 = md::stateDictOf(*makeModel("resnet50", 10));
  const auto mismatch = md::loadStateDict(*resnet34, resnet50, "fc.", HeadPolicy::ReplaceHead);
  QVERIFY(!mismatch.ok());
  QVERIFY2(mismatch.error().message.contains(u"layer1.0.conv1.weight: file [64,64,1,1], model [64,64,3,3]"),
           qPrintable(mismatch.error().message));

  auto mobilenet = makeModel("mobilenet_v2", 10);
  QVERIFY(!md::loadStateDict(*mobilenet, resnet18, "classifier.1.", HeadPolicy::ReplaceHead).ok());
}

void TestWeightLoading::loadAllRejectsOtherHead() {
  const TensorMap weights = md::stateDictOf(*makeModel("resnet18", 10));
  auto model = makeModel("resnet18", 3);
  const auto result = md::loadStateDict(*model, weights, "fc.", HeadPolicy::LoadAll);
  QVERIFY(!result.ok());
  QCOMPARE(result.error().code, ErrorCode::ShapeMismatch);
  QVERIFY2(result.error().message.contains(u"fc.weight: file [10,512], model [3,512]"),
           qPrintable(result.error().message));
}

void TestWeightLoading::keepHeadLoadsAllButTheHead() {
  // A run's model for other classes: the backbone is loaded, the head stays as initialised, even when
  // its shape is the same (the same number of other classes must not inherit their rows).
  auto source = makeModel("resnet18", 3);
  const TensorMap weights = md::stateDictOf(*source);
  for (const int classes : {3, 4}) {
    auto model = makeModel("resnet18", classes);
    const torch::Tensor headBefore = model->named_parameters()["fc.weight"].clone();
    const auto report = md::loadStateDict(*model, weights, "fc.", HeadPolicy::KeepHead);
    QVERIFY2(report.ok(), qPrintable(errorText(report)));
    QCOMPARE(report->freshHead, (QStringList{QStringLiteral("fc.weight"), QStringLiteral("fc.bias")}));
    QVERIFY(report->unexpected.isEmpty());
    QVERIFY(torch::equal(model->named_parameters()["fc.weight"], headBefore));
    QVERIFY(torch::equal(model->named_parameters()["layer4.1.conv2.weight"],
                         source->named_parameters()["layer4.1.conv2.weight"]));
  }
  // Outside the head everything must still fit.
  const TensorMap other = md::stateDictOf(*makeModel("resnet50", 3));
  QVERIFY(!md::loadStateDict(*makeModel("resnet34", 3), other, "fc.", HeadPolicy::KeepHead).ok());
}

void TestWeightLoading::missingBatchCounterIsTolerated() {
  // Files saved before PyTorch 0.4.1 have no num_batches_tracked; PyTorch loads them as well.
  TensorMap weights = md::stateDictOf(*makeModel("resnet18", 10));
  std::erase_if(weights, [](const auto& item) { return item.first.ends_with(".num_batches_tracked"); });
  auto model = makeModel("resnet18", 10);
  const auto report = md::loadStateDict(*model, weights, "fc.", HeadPolicy::LoadAll);
  QVERIFY2(report.ok(), qPrintable(errorText(report)));
  QVERIFY(report->missing.isEmpty());
}

void TestWeightLoading::halfPrecisionWeightsConvert() {
  const TensorMap weights = md::stateDictOf(*makeModel("resnet18", 10));
  TensorMap half;
  for (const auto& [name, data] : weights) {
    const auto tensor = md::toTensor(data);
    half.emplace(name, tensor.is_floating_point() ? md::toTensorData(tensor.to(torch::kHalf)) : data);
  }
  QCOMPARE(half.at("conv1.weight").dtype, DType::F16);

  auto model = makeModel("resnet18", 10);
  const auto report = md::loadStateDict(*model, half, "fc.", HeadPolicy::LoadAll);
  QVERIFY2(report.ok(), qPrintable(errorText(report)));
  for (const auto& [name, data] : md::stateDictOf(*model)) {
    const auto expected = md::toTensor(half.at(name)).to(md::toTensor(data).scalar_type());
    QVERIFY2(data.dtype == weights.at(name).dtype, name.c_str());
    QVERIFY2(torch::equal(md::toTensor(data), expected), name.c_str());
  }
}

void TestWeightLoading::loadWeightsFile() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath(QStringLiteral("mobilenet_v2.safetensors"));
  const TensorMap weights = md::stateDictOf(*makeModel("mobilenet_v2", 1000));
  const auto written = SafetensorsWriter::writeFile(path, weights);
  QVERIFY2(written.ok(), qPrintable(written ? QString() : written.error().text()));

  auto model = makeModel("mobilenet_v2", 5);
  const auto report = md::loadWeightsFile(*model, path, model->headPrefix(), HeadPolicy::ReplaceHead);
  QVERIFY2(report.ok(), qPrintable(errorText(report)));
  QCOMPARE(report->freshHead.size(), 2);
  QCOMPARE(report->loadedCount, static_cast<int>(weights.size()) - 2);
  QVERIFY(sameTensor(md::stateDictOf(*model).at("features.0.0.weight"), weights.at("features.0.0.weight")));

  const auto missing = md::loadWeightsFile(*model, dir.filePath(QStringLiteral("absent.safetensors")),
                                           "classifier.1.", HeadPolicy::ReplaceHead);
  QVERIFY(!missing.ok());
}

void TestWeightLoading::frozenBackbone() {
  auto model = makeModel("resnet18", 3);
  model->setBackboneState(BackboneState::Frozen);
  model->train(true);
  QVERIFY(model->is_training());
  for (const auto& parameter : model->backboneParameters()) QVERIFY(!parameter.requires_grad());
  QCOMPARE(model->headParameters().size(), size_t{2});
  for (const auto& parameter : model->headParameters()) QVERIFY(parameter.requires_grad());
  for (const auto& item : model->named_modules()) {
    if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(item.value().get()))
      QVERIFY2(!item.value()->is_training(), item.key().c_str());
  }

  const TensorMap before = md::stateDictOf(*model);
  const auto logits = model->forward(smallBatch());
  logits.logsumexp(1).mean().backward();
  const TensorMap after = md::stateDictOf(*model);
  for (const auto& [name, data] : before) {
    if (!name.starts_with("fc.")) QVERIFY2(sameTensor(data, after.at(name)), name.c_str());
  }
  for (const auto& parameter : model->headParameters()) QVERIFY(parameter.grad().defined());
  for (const auto& parameter : model->backboneParameters()) QVERIFY(!parameter.grad().defined());

  // Unfreezing trains BatchNorm again: its running statistics follow the batches.
  model->setBackboneState(BackboneState::Trainable);
  for (const auto& parameter : model->backboneParameters()) QVERIFY(parameter.requires_grad());
  {
    torch::NoGradGuard noGrad;
    model->forward(smallBatch());
  }
  QVERIFY(!sameTensor(md::stateDictOf(*model).at("bn1.running_mean"), before.at("bn1.running_mean")));

  // MobileNetV2's head dropout keeps training while the backbone is frozen.
  auto mobilenet = makeModel("mobilenet_v2", 3);
  mobilenet->setBackboneState(BackboneState::Frozen);
  mobilenet->train(true);
  QVERIFY(mobilenet->named_modules()["classifier.0"]->is_training());
  QVERIFY(!mobilenet->named_modules()["features.1.conv.0.1"]->is_training());
  mobilenet->eval();
  QVERIFY(!mobilenet->named_modules()["classifier.0"]->is_training());
}

void TestWeightLoading::frozenBackboneIsDeterministic_data() {
  QTest::addColumn<QString>("architecture");
  QTest::newRow("efficientnet_b0") << QStringLiteral("efficientnet_b0");
  QTest::newRow("convnext_tiny") << QStringLiteral("convnext_tiny");
}

void TestWeightLoading::frozenBackboneIsDeterministic() {
  // Stochastic depth drops blocks at random while training; a frozen backbone is a fixed feature
  // extractor, so it stays off there (as BatchNorm stays in eval mode).
  QFETCH(QString, architecture);
  auto model = md::makeImageClassifier(architecture, 3);
  const auto stochasticDepthModes = [&] {
    std::vector<bool> modes;
    for (const auto& item : model->named_modules())
      if (item.key().ends_with("stochastic_depth")) modes.push_back(item.value()->is_training());
    return modes;
  };
  model->train(true);
  QVERIFY(!stochasticDepthModes().empty());
  for (const bool training : stochasticDepthModes()) QVERIFY(training);

  model->setBackboneState(BackboneState::Frozen);
  model->train(true);
  for (const bool training : stochasticDepthModes()) QVERIFY(!training);
  {
    torch::NoGradGuard noGrad;
    const auto batch = smallBatch();
    model->named_modules()["classifier"]->eval();  // the dropout before the head is not the backbone's
    QVERIFY(torch::equal(model->forward(batch), model->forward(batch)));
  }

  model->setBackboneState(BackboneState::Trainable);
  for (const bool training : stochasticDepthModes()) QVERIFY(training);
}

void TestWeightLoading::visionTransformerTakesOtherSizes() {
  // torchvision's ViT refuses any size but 224; Attune resizes the position embeddings of the patch
  // grid, so that a smaller input size (faster training) works too.
  auto model = makeModel("vit_b_16", 3);
  torch::NoGradGuard noGrad;
  {
    auto& head = *model->named_modules()["heads.head"]->as<torch::nn::Linear>();
    torch::nn::init::normal_(head.weight);  // torchvision's zero head would give zero logits
  }
  model->eval();
  const auto logits = model->forward(smallBatch());
  QCOMPARE(logits.sizes().vec(), (std::vector<int64_t>{4, 3}));
  QVERIFY(torch::isfinite(logits).all().item<bool>());
  QCOMPARE(model->forward(torch::randn({1, 3, 96, 160})).sizes().vec(), (std::vector<int64_t>{1, 3}));
  QVERIFY_THROWS_EXCEPTION(c10::Error, model->forward(torch::randn({1, 3, 8, 224})));
}

void TestWeightLoading::reportSummary() {
  WeightLoadReport report;
  report.loadedCount = 120;
  report.freshHead = QStringList{QStringLiteral("fc.weight"), QStringLiteral("fc.bias")};
  report.unexpected = QStringList{QStringLiteral("extra")};
  const QString summary = report.summary();
  QVERIFY2(summary.contains(u"120 tensors"), qPrintable(summary));
  QVERIFY2(summary.contains(u"(2 tensors)"), qPrintable(summary));
  QVERIFY2(summary.contains(u"1 tensor in the file not used"), qPrintable(summary));
}

QTEST_GUILESS_MAIN(TestWeightLoading)
#include "test_weight_loading.moc"
