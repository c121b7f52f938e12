// Tests of the Keras classifier: a TF.js export (written by make_keras_reference.py) cut at its
// default layer, a new 3-class head; training lowers the loss, a frozen backbone keeps its weights
// and BatchNorm statistics; and the real nsfwjs@4.3.0 MobileNetV2 as a backbone.

#include "core/models/detail/KerasClassifier.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TfjsTestData.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
namespace md = attune::detail;

namespace {

std::map<std::string, torch::Tensor> snapshot(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& item : module.named_parameters()) state[item.key()] = item.value().detach().clone();
  for (const auto& item : module.named_buffers()) state[item.key()] = item.value().detach().clone();
  return state;
}

double trainSteps(md::ImageClassifierImpl& model, const torch::Tensor& x, const torch::Tensor& y, int steps,
                  double* firstLoss) {
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) trainable.push_back(p);
  torch::optim::SGD optimizer(trainable, torch::optim::SGDOptions(0.05).momentum(0.9));
  model.train();
  double loss = 0.0;
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    torch::Tensor l = torch::nn::functional::cross_entropy(model.forward(x), y);
    l.backward();
    optimizer.step();
    loss = l.item<double>();
    if (step == 0 && firstLoss != nullptr) *firstLoss = loss;
  }
  // The last step's training-mode loss: evaluation mode would normalise with the running statistics,
  // which Keras's momentum (0.99) moves only slowly.
  return loss;
}

}  // namespace

class TestKerasClassifier : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  TfjsModel m_model;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    torch::manual_seed(7);
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                 {attune::testing::testPath("ATTUNE_KERAS_REFERENCE_SCRIPT"), m_dir.path()});
    QVERIFY2(python.waitForFinished(300'000), "make_keras_reference.py did not finish");
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
             python.readAll().constData());
    auto model = readTfjsModel(m_dir.filePath(QStringLiteral("functional")));
    QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error().text()));
    m_model = std::move(*model);
  }

  void buildsAtTheDefaultCut() {
    auto classifier = md::makeKerasClassifier(m_model, {}, 3);
    QVERIFY2(classifier.ok(), classifier.ok() ? "" : qPrintable(classifier.error().text()));
    auto* keras = dynamic_cast<md::KerasClassifierImpl*>(classifier->get());
    QVERIFY(keras != nullptr);
    QCOMPARE(keras->cutLayer(), std::string("act"));
    QCOMPARE((*classifier)->headPrefix(), std::string("head."));
    const auto head = (*classifier)->named_parameters();
    QCOMPARE(head["head.weight"].sizes().vec(), (std::vector<int64_t>{3, 36}));  // concat of 16 + 4 + 16
    QCOMPARE((*classifier)->headParameters().size(), size_t(2));
    QVERIFY(!head.contains("backbone.fc1.weight"));  // the old head is not built
    QCOMPARE(md::kerasInputSize(m_model).value(), (std::vector<int64_t>{11, 13, 3}));
    (*classifier)->eval();
    QCOMPARE((*classifier)->forward(torch::rand({2, 3, 11, 13})).sizes().vec(), (std::vector<int64_t>{2, 3}));
  }

  void refusesAnUnknownCutOrNoClasses() {
    auto unknown = md::makeKerasClassifier(m_model, QStringLiteral("nowhere"), 3);
    QVERIFY(!unknown.ok());
    QVERIFY(unknown.error().message.contains(QLatin1String("nowhere")));
    QVERIFY(!md::makeKerasClassifier(m_model, {}, 0).ok());
  }

  // Values read from a model file are checked before anything runs: each hostile value below is an
  // Error naming the layer and the option, through the calls training makes (readTfjsModel, then
  // makeKerasClassifier, which runs the cut model once). A stride of 0 with "same" padding divided by
  // zero (SIGFPE) there and ended the whole process.
  void refusesHostileLayerValues_data() {
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("value");  // JSON
    QTest::newRow("stride 0, same padding") << "dw"
                                            << "strides"
                                            << "[0, 0]";
    QTest::newRow("one stride 0") << "conv_s2"
                                  << "strides"
                                  << "0";
    QTest::newRow("negative stride") << "conv1"
                                     << "strides"
                                     << "[-2, 2]";
    QTest::newRow("huge kernel") << "conv1"
                                 << "kernel_size"
                                 << "[100000, 3]";
    QTest::newRow("zero dilation") << "dil"
                                   << "dilation_rate"
                                   << "[0, 2]";
    QTest::newRow("stride as text") << "sep"
                                    << "strides"
                                    << "\"2\"";
    QTest::newRow("zero pool size") << "maxpool"
                                    << "pool_size"
                                    << "[0, 2]";
    QTest::newRow("zero pool stride") << "avgpool"
                                      << "strides"
                                      << "[1, 0]";
    QTest::newRow("zero units") << "fc1"
                                << "units"
                                << "0";
    QTest::newRow("units past 2^63") << "fc1"
                                     << "units"
                                     << "18446744073709551615";
    QTest::newRow("zero epsilon") << "bn1"
                                  << "epsilon"
                                  << "0";
    QTest::newRow("momentum above 1") << "bn2"
                                      << "momentum"
                                      << "7.5";
    QTest::newRow("dropout rate 1") << "drop"
                                    << "rate"
                                    << "1.0";
    QTest::newRow("negative padding") << "pad"
                                      << "padding"
                                      << "[[0, -1], [0, 1]]";
    QTest::newRow("concatenate axis 9") << "concat"
                                        << "axis"
                                        << "9";
    QTest::newRow("input side 0") << "input"
                                  << "batch_input_shape"
                                  << "[null, 0, 13, 3]";
    QTest::newRow("huge relu cap") << "relu1"
                                   << "max_value"
                                   << "1e300";
  }
  void refusesHostileLayerValues() {
    QFETCH(QString, layer);
    QFETCH(QString, option);
    QFETCH(QString, value);
    TfjsModel model = m_model;
    bool found = false;
    for (auto& item : model.modelConfig["config"]["layers"]) {
      if (item["name"] != layer.toStdString()) continue;
      item["config"][option.toStdString()] = nlohmann::json::parse(value.toStdString());
      found = true;
    }
    QVERIFY(found);
    auto classifier = md::makeKerasClassifier(model, {}, 3);
    QVERIFY(!classifier.ok());
    const QString message = classifier.error().message;
    QVERIFY2(message.contains(QLatin1Char('"') + layer + QLatin1Char('"')) && message.contains(option),
             qPrintable(message));
    QVERIFY(!classifier.error().hint.isEmpty());
  }

  void trainingLowersTheLoss() {
    auto classifier = md::makeKerasClassifier(m_model, QStringLiteral("add"), 3);
    QVERIFY(classifier.ok());
    torch::manual_seed(3);
    const torch::Tensor x = torch::rand({6, 3, 11, 13}) * 2 - 1;
    const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2}, torch::kLong);
    double before = 0.0;
    const double after = trainSteps(**classifier, x, y, 40, &before);
    QVERIFY2(after < 0.5 * before, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
  }

  void frozenBackboneKeepsWeightsAndStatistics() {
    auto classifier = md::makeKerasClassifier(m_model, {}, 3);
    QVERIFY(classifier.ok());
    (*classifier)->setBackboneState(md::BackboneState::Frozen);
    const auto before = snapshot(**classifier);
    const torch::Tensor x = torch::rand({4, 3, 11, 13});
    const torch::Tensor y = torch::tensor({0, 1, 2, 0}, torch::kLong);
    trainSteps(**classifier, x, y, 3, nullptr);
    const auto after = snapshot(**classifier);
    int changedHead = 0;
    for (const auto& [name, tensor] : before) {
      if (name.starts_with("head.")) {
        changedHead += torch::equal(tensor, after.at(name)) ? 0 : 1;
        continue;
      }
      QVERIFY2(torch::equal(tensor, after.at(name)), name.c_str());
    }
    QCOMPARE(changedHead, 2);

    // The same steps with a trainable backbone move its BatchNorm statistics: the check above is not vacuous.
    (*classifier)->setBackboneState(md::BackboneState::Trainable);
    trainSteps(**classifier, x, y, 1, nullptr);
    QVERIFY(!torch::equal(after.at("backbone.bn1.running_mean"),
                          (*classifier)->named_buffers()["backbone.bn1.running_mean"]));
  }

  // The real nsfwjs MobileNetV2 as a backbone: cut at out_relu (1280 channels), 224 x 224 input.
  void nsfwjsMobileNetV2Backbone() {
    const QString cache = testing::fetchTfjsTestData();
    QVERIFY2(!cache.isEmpty(),
             "fetch_tfjs_data.sh failed: the npm registry and Debian's archive must be reachable");
    auto model = readTfjsModel(cache + "/nsfwjs/mobilenet_v2");
    QVERIFY(model.ok());
    QCOMPARE(md::kerasInputSize(*model).value(), (std::vector<int64_t>{224, 224, 3}));
    auto classifier = md::makeKerasClassifier(*model, {}, 4);
    QVERIFY2(classifier.ok(), classifier.ok() ? "" : qPrintable(classifier.error().text()));
    QCOMPARE(dynamic_cast<md::KerasClassifierImpl*>(classifier->get())->cutLayer(), std::string("out_relu"));
    QCOMPARE((*classifier)->named_parameters()["head.weight"].sizes().vec(), (std::vector<int64_t>{4, 1280}));
    (*classifier)->eval();
    torch::NoGradGuard noGrad;
    QCOMPARE((*classifier)->forward(torch::rand({1, 3, 224, 224})).sizes().vec(),
             (std::vector<int64_t>{1, 4}));
  }
};

QTEST_GUILESS_MAIN(TestKerasClassifier)
#include "test_keras_classifier.moc"
