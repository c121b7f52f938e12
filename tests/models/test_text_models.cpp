// BERT and DistilBERT sequence classifiers: tiny models written in Hugging Face's exact format by
// make_text_reference.py (an independent torch.nn.functional implementation) load with no missing
// keys and reproduce its logits, padded or not; real checkpoints' key variants load (gamma/beta, no
// prefix, pytorch_model.bin, pre-training heads, another number of classes); missing tensors and bad
// config.json files are refused in plain words; a small batch is overfitted; layer groups cover every
// parameter exactly once.

#include "core/models/TextModelConfig.h"
#include "core/models/TextModelFolder.h"
#include "core/models/detail/StateDict.h"
#include "core/models/detail/TextClassifier.h"
#include "core/weights/WeightsFile.h"
#include "tests/support/RandomModelInputs.h"
#include "tests/support/TestEnvironment.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
namespace md = attune::detail;

namespace {

constexpr int kReferenceClasses = 3;  // make_text_reference.py's CLASSES
constexpr double kTolerance = 1e-5;

QString errorText(const Error& error) {
  return error.text();
}

double maxDifference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace

class TestTextModels : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  TensorMap m_reference;

  torch::Tensor reference(const QString& model, const char* what) const {
    const auto found = m_reference.find(model.toStdString() + '.' + what);
    return found == m_reference.end() ? torch::Tensor() : md::toTensor(found->second);
  }
  QString folder(const QString& name) const { return m_dir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    torch::set_num_threads(2);
    QVERIFY2(QFile::exists(QStringLiteral(ATTUNE_REFERENCE_PYTHON)),
             "python3 with torch is required (apt install python3-torch)");
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
                 {attune::testing::testPath("ATTUNE_TEXT_REFERENCE_SCRIPT"), m_dir.path()});
    QVERIFY2(python.waitForFinished(300'000), "make_text_reference.py did not finish");
    const QByteArray log = python.readAll();
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0, log.constData());
    auto file = readWeightsFile(folder(QStringLiteral("reference.safetensors")));
    QVERIFY2(file.ok(), file.ok() ? "" : qPrintable(errorText(file.error())));
    m_reference = std::move(file->tensors);
  }

  void matchesReference_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QStringList>("unused");
    QTest::newRow("bert (gelu, position_ids buffer in the file)")
        << "bert" << QStringList{QStringLiteral("bert.embeddings.position_ids")};
    QTest::newRow("bert (tanh gelu, pad id 3, 16 token types)") << "bert_tanh" << QStringList{};
    QTest::newRow("distilbert (gelu)") << "distilbert" << QStringList{};
    QTest::newRow("distilbert (relu, sinusoidal positions, pad id 1)") << "distilbert_relu" << QStringList{};
  }
  void matchesReference() {
    QFETCH(QString, model);
    QFETCH(QStringList, unused);
    auto loaded = md::loadTextClassifier(folder(model), kReferenceClasses);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(errorText(loaded.error())));
    const auto& report = loaded->report;
    QVERIFY2(report.missing.isEmpty() && report.shapeMismatches.isEmpty(), qPrintable(report.summary()));
    QVERIFY2(report.freshHead.isEmpty(), qPrintable(report.freshHead.join(", ")));
    QCOMPARE(report.unexpected, unused);
    QCOMPARE(report.loadedCount, int(md::stateDictOf(*loaded->model).size()));

    auto& classifier = *loaded->model;
    classifier.eval();
    torch::NoGradGuard noGrad;
    const auto ids = reference(model, "ids");
    const auto features = classifier.features(ids);
    const auto logits = classifier.classify(features);
    QCOMPARE(logits.sizes().vec(), reference(model, "logits").sizes().vec());
    const double featureDifference = maxDifference(features, reference(model, "features"));
    const double logitDifference = maxDifference(logits, reference(model, "logits"));
    qInfo("%s: max |difference| features %.2e, logits %.2e", qPrintable(model), featureDifference,
          logitDifference);
    QVERIFY2(featureDifference < kTolerance, qPrintable(QString::number(featureDifference)));
    QVERIFY2(logitDifference < kTolerance, qPrintable(QString::number(logitDifference)));
    QVERIFY(maxDifference(classifier.forward(ids), logits) == 0.0);
  }

  // Each sequence alone without padding, and the batch with extra padding, give the batch's logits.
  void paddingDoesNotChangeLogits_data() { matchesReference_data(); }
  void paddingDoesNotChangeLogits() {
    QFETCH(QString, model);
    auto loaded = md::loadTextClassifier(folder(model), kReferenceClasses);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(errorText(loaded.error())));
    auto& classifier = *loaded->model;
    classifier.eval();
    torch::NoGradGuard noGrad;
    const auto ids = reference(model, "ids");
    const auto expected = reference(model, "logits");
    const auto lengths = classifier.tokenMask(ids).sum(1);
    QVERIFY(lengths.min().item<int64_t>() < ids.size(1));  // some rows are padded
    for (int64_t row = 0; row < ids.size(0); ++row) {
      const auto alone = ids[row].slice(0, 0, lengths[row].item<int64_t>()).unsqueeze(0);
      const double difference = maxDifference(classifier.forward(alone)[0], expected[row]);
      QVERIFY2(difference < kTolerance, qPrintable(QStringLiteral("row %1: %2").arg(row).arg(difference)));
    }
    const auto morePadding = torch::cat(
        {ids, torch::full({ids.size(0), 7}, classifier.config().padTokenId, torch::kInt64)}, /*dim=*/1);
    QVERIFY(maxDifference(classifier.forward(morePadding), expected) < kTolerance);
  }

  void checkpointVariantsLoad_data() {
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("base");
    QTest::addColumn<bool>("pytorchFile");
    QTest::addColumn<QStringList>("unused");
    QTest::addColumn<QStringList>("freshHead");
    const QStringList bertHead{QStringLiteral("classifier.weight"), QStringLiteral("classifier.bias")};
    QTest::newRow("gamma/beta, pre-training heads, pytorch_model.bin, no model_type")
        << "bert_legacy"
        << "bert" << true
        << QStringList{"cls.predictions.bias",
                       "cls.predictions.decoder.weight",
                       "cls.predictions.transform.LayerNorm.bias",
                       "cls.predictions.transform.LayerNorm.weight",
                       "cls.predictions.transform.dense.bias",
                       "cls.predictions.transform.dense.weight",
                       "cls.seq_relationship.bias",
                       "cls.seq_relationship.weight"}
        << bertHead;
    QTest::newRow("bare BertModel without the bert. prefix") << "bert_bare"
                                                             << "bert" << false << QStringList{} << bertHead;
    QTest::newRow("classifier for 5 classes") << "bert_5_classes"
                                              << "bert" << false << QStringList{} << bertHead;
    QTest::newRow("DistilBertForMaskedLM, legacy torch.save")
        << "distilbert_mlm"
        << "distilbert" << true
        << QStringList{"vocab_layer_norm.bias",  "vocab_layer_norm.weight", "vocab_projector.bias",
                       "vocab_projector.weight", "vocab_transform.bias",    "vocab_transform.weight"}
        << QStringList{"pre_classifier.weight", "pre_classifier.bias", "classifier.weight",
                       "classifier.bias"};
  }
  void checkpointVariantsLoad() {
    QFETCH(QString, variant);
    QFETCH(QString, base);
    QFETCH(bool, pytorchFile);
    QFETCH(QStringList, unused);
    QFETCH(QStringList, freshHead);
    auto loaded = md::loadTextClassifier(folder(variant), kReferenceClasses);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(errorText(loaded.error())));
    QCOMPARE(loaded->folder.weightsFormat == TextWeightsFormat::PyTorch, pytorchFile);
    QVERIFY(!loaded->folder.hasTokenizer());
    const auto& report = loaded->report;
    QVERIFY(report.backboneComplete());
    auto sorted = [](QStringList list) {
      list.sort();
      return list;
    };
    QCOMPARE(sorted(report.unexpected), sorted(unused));
    QCOMPARE(sorted(report.freshHead), sorted(freshHead));

    // The encoder is the base classifier's, so what enters the head is the same.
    auto& classifier = *loaded->model;
    classifier.eval();
    torch::NoGradGuard noGrad;
    const double difference =
        maxDifference(classifier.features(reference(base, "ids")), reference(base, "features"));
    QVERIFY2(difference < kTolerance, qPrintable(QString::number(difference)));
    QCOMPARE(classifier.forward(reference(base, "ids")).size(1), int64_t(kReferenceClasses));
  }

  void missingEncoderTensorIsRefused_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("removed");
    QTest::newRow("bert") << "bert"
                          << "bert.encoder.layer.1.output.dense.weight";
    QTest::newRow("bert pooler") << "bert"
                                 << "bert.pooler.dense.bias";
    QTest::newRow("distilbert") << "distilbert"
                                << "distilbert.transformer.layer.0.sa_layer_norm.bias";
  }
  void missingEncoderTensorIsRefused() {
    QFETCH(QString, model);
    QFETCH(QString, removed);
    auto described = describeTextModelFolder(folder(model));
    QVERIFY2(described.ok(), described.ok() ? "" : qPrintable(errorText(described.error())));
    auto file = readWeightsFile(described->weightsFile);
    QVERIFY(file.ok());
    QCOMPARE(file->tensors.erase(removed.toStdString()), size_t(1));
    auto classifier = md::makeTextClassifier(described->config, kReferenceClasses);
    const auto before = md::stateDictOf(*classifier);
    auto result = md::loadTextCheckpoint(*classifier, std::move(file->tensors));
    QVERIFY(!result.ok());
    QVERIFY2(result.error().message.contains(removed), qPrintable(result.error().message));
    QVERIFY(!result.error().hint.isEmpty());
    // Nothing was copied: the model is as it was.
    const auto after = md::stateDictOf(*classifier);
    for (const auto& [name, data] : before) QVERIFY2(after.at(name).bytes == data.bytes, name.c_str());
  }

  void badConfigIsRefused_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("named");
    QTest::newRow("heads do not divide the width")
        << QByteArray(R"({"model_type": "bert", "hidden_size": 30, "num_attention_heads": 4})")
        << "divisible";
    QTest::newRow("absurd vocabulary")
        << QByteArray(R"({"model_type": "bert", "vocab_size": 2000000000})") << "vocab_size";
    QTest::newRow("absurd total size")
        << QByteArray(
               R"({"model_type": "bert", "vocab_size": 1000000, "hidden_size": 8192, "num_hidden_layers": 128,
                          "num_attention_heads": 64, "intermediate_size": 32768})")
        << "million parameters";
    QTest::newRow("zero layers") << QByteArray(R"({"model_type": "distilbert", "n_layers": 0})")
                                 << "n_layers";
    QTest::newRow("size as text") << QByteArray(R"({"model_type": "bert", "hidden_size": "big"})")
                                  << "hidden_size";
    QTest::newRow("another model type") << QByteArray(R"({"model_type": "roberta"})") << "roberta";
    QTest::newRow("unknown activation")
        << QByteArray(R"({"model_type": "distilbert", "activation": "mish"})") << "mish";
    QTest::newRow("relative positions")
        << QByteArray(R"({"model_type": "bert", "position_embedding_type": "relative_key"})")
        << "relative_key";
    QTest::newRow("pad id outside the vocabulary")
        << QByteArray(R"({"model_type": "bert", "vocab_size": 10, "pad_token_id": 10})") << "pad_token_id";
    QTest::newRow("dropout of 1") << QByteArray(R"({"model_type": "bert", "hidden_dropout_prob": 1.0})")
                                  << "hidden_dropout_prob";
    QTest::newRow("no model named") << QByteArray(R"({"colour": "blue"})") << "names no BERT";
    QTest::newRow("not JSON") << QByteArray("{oops") << "not valid JSON";
    QTest::newRow("not an object") << QByteArray("[1, 2]") << "not a JSON object";
  }
  void badConfigIsRefused() {
    QFETCH(QByteArray, json);
    QFETCH(QString, named);
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("config.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(json);
    file.close();
    auto config = readTextModelConfig(file.fileName());
    QVERIFY(!config.ok());
    QVERIFY2(config.error().message.contains(named), qPrintable(config.error().message));
    QVERIFY(!config.error().hint.isEmpty());
    auto described = describeTextModelFolder(dir.path());  // the folder is refused for the same reason
    QVERIFY(!described.ok());
    QCOMPARE(described.error().message, config.error().message);
  }

  void folderWithoutWeightsIsRefused() {
    QTemporaryDir dir;
    QVERIFY(QFile::copy(folder(QStringLiteral("bert")) + QStringLiteral("/config.json"),
                        dir.filePath(QStringLiteral("config.json"))));
    auto described = describeTextModelFolder(dir.path());
    QVERIFY(!described.ok());
    QVERIFY(described.error().code == ErrorCode::FileNotFound);
    QVERIFY2(described.error().message.contains(QLatin1String("model.safetensors")),
             qPrintable(described.error().message));
    QVERIFY(!describeTextModelFolder(dir.filePath(QStringLiteral("absent"))).ok());
  }

  void configRoundTripAndParameterCount_data() {
    QTest::addColumn<QString>("model");
    for (const char* name : {"bert", "bert_tanh", "bert_legacy", "distilbert", "distilbert_relu"})
      QTest::newRow(name) << name;
  }
  void configRoundTripAndParameterCount() {
    QFETCH(QString, model);
    auto config = readTextModelConfig(folder(model) + QStringLiteral("/config.json"));
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(errorText(config.error())));
    auto again = parseTextModelConfig(config->toJson());
    QVERIFY2(again.ok(), again.ok() ? "" : qPrintable(errorText(again.error())));
    QVERIFY(again->toJson() == config->toJson());
    QCOMPARE(again->hiddenSize, 32);
    QCOMPARE(again->numHiddenLayers, 2);
    QCOMPARE(again->intermediateSize, 37);

    auto classifier = md::makeTextClassifier(*config, 5);
    int64_t trainable = 0;
    for (const auto& parameter : classifier->parameters()) trainable += parameter.numel();
    QCOMPARE(config->parameterCount(5), qint64(trainable));
  }

  // bert-base-uncased's and distilbert-base-uncased's published sizes.
  void baseModelSizes() {
    QCOMPARE(TextModelConfig::defaultsFor(TextModelKind::Bert).parameterCount(2) - (768 * 2 + 2),
             qint64(109'482'240));
    QCOMPARE(TextModelConfig::defaultsFor(TextModelKind::DistilBert).parameterCount(2) - (768 * 768 + 768) -
                 (768 * 2 + 2),
             qint64(66'362'880));
  }

  // Attune's sine table is DistilBERT's (the file holds the one make_text_reference.py computed).
  void sinusoidalPositionsMatch() {
    auto described = describeTextModelFolder(folder(QStringLiteral("distilbert_relu")));
    QVERIFY(described.ok());
    QVERIFY(described->config.sinusoidalPositions);
    auto classifier = md::makeTextClassifier(described->config, 2);
    const std::string name = "distilbert.embeddings.position_embeddings.weight";
    const auto file = readWeightsFile(described->weightsFile);
    QVERIFY(file.ok());
    const auto own = md::toTensor(md::stateDictOf(*classifier).at(name));
    QVERIFY(maxDifference(own, md::toTensor(file->tensors.at(name))) < 1e-6);
    for (const auto& item : classifier->named_parameters()) QVERIFY(item.key() != name);  // never trained
  }

  void badTokenIdsAreRefused_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("bert") << "bert";
    QTest::newRow("distilbert") << "distilbert";
  }
  void badTokenIdsAreRefused() {
    QFETCH(QString, model);
    auto loaded = md::loadTextClassifier(folder(model), kReferenceClasses);
    QVERIFY(loaded.ok());
    auto& classifier = *loaded->model;
    auto refuses = [&](const torch::Tensor& ids) {
      try {
        classifier.forward(ids);
      } catch (const c10::Error&) {
        return true;
      }
      return false;
    };
    QVERIFY(refuses(torch::full({1, 41}, 5, torch::kInt64)));  // longer than 40 positions
    QVERIFY(refuses(torch::full({1, 4}, 99, torch::kInt64)));  // outside the vocabulary of 99
    QVERIFY(refuses(torch::full({1, 4}, -1, torch::kInt64)));
    QVERIFY(refuses(torch::full({1, 4}, 5, torch::kInt32)));
    QVERIFY(!refuses(torch::full({1, 40}, 5, torch::kInt64)));
    // A text of padding only (an empty text) gives finite logits, not NaN.
    torch::NoGradGuard noGrad;
    const auto empty = torch::full({1, 3}, classifier.config().padTokenId, torch::kInt64);
    QVERIFY(torch::isfinite(classifier.forward(empty)).all().item<bool>());
  }

  void layerGroupsCoverEveryParameter_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("bert") << int(TextModelKind::Bert)
                          << QStringList{"embeddings", "encoder layer 0", "encoder layer 1", "pooler",
                                         "head"};
    QTest::newRow("distilbert") << int(TextModelKind::DistilBert)
                                << QStringList{"embeddings", "transformer layer 0", "transformer layer 1",
                                               "head"};
  }
  void layerGroupsCoverEveryParameter() {
    QFETCH(int, kind);
    QFETCH(QStringList, names);
    const auto config = attune::testing::tinyTextConfig(TextModelKind(kind));
    const auto groups = textLayerGroups(config);
    QStringList groupNames;
    for (const auto& group : groups) groupNames << group.name;
    QCOMPARE(groupNames, names);

    auto classifier = md::makeTextClassifier(config, 2);
    std::vector<int> sizes(groups.size(), 0);
    for (const auto& item : classifier->named_parameters()) {
      const QString name = QString::fromStdString(item.key());
      int matches = 0;
      size_t last = 0;
      for (size_t g = 0; g < groups.size(); ++g) {
        for (const auto& prefix : groups[g].prefixes) {
          if (name.startsWith(prefix)) {
            ++matches;
            last = g;
          }
        }
      }
      QVERIFY2(matches == 1, qPrintable(QStringLiteral("%1 is in %2 groups").arg(name).arg(matches)));
      ++sizes[last];
      // The last group is the head, and the model agrees on which parameters that is.
      QCOMPARE(last == groups.size() - 1, classifier->isHeadName(item.key()));
    }
    for (size_t g = 0; g < groups.size(); ++g) QVERIFY2(sizes[g] > 0, qPrintable(groups[g].name));
    // Layer 2 is the second encoder layer, not the tenth or the first.
    QVERIFY(groups[2].prefixes.first().endsWith(QLatin1String(".1.")));
  }

  // 8 texts of 2 classes, fresh tiny models, AdamW in training mode (dropout on): the training loss
  // goes to about 0 and every text is classified right in eval mode.
  void overfitsSmallBatch_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("bert") << int(TextModelKind::Bert);
    QTest::newRow("distilbert") << int(TextModelKind::DistilBert);
  }
  void overfitsSmallBatch() {
    QFETCH(int, kind);
    torch::manual_seed(11);
    const auto config = attune::testing::tinyTextConfig(TextModelKind(kind));
    auto classifier = md::makeTextClassifier(config, 2);
    const auto ids =
        attune::testing::randomPaddedIds({12, 7, 9, 3, 12, 5, 10, 8}, config.vocabSize, config.padTokenId);
    const auto labels = torch::tensor({0, 1, 0, 1, 1, 0, 1, 0}, torch::kInt64);
    torch::optim::AdamW optimizer(classifier->parameters(),
                                  torch::optim::AdamWOptions(2e-3).weight_decay(0.01));
    constexpr int kSteps = 60;
    double loss = 0.0;
    classifier->train();
    for (int step = 0; step < kSteps; ++step) {
      optimizer.zero_grad();
      auto value = torch::cross_entropy_loss(classifier->forward(ids), labels);
      value.backward();
      optimizer.step();
      loss = value.item<double>();
    }
    classifier->eval();
    torch::NoGradGuard noGrad;
    const auto logits = classifier->forward(ids);
    const double evalLoss = torch::cross_entropy_loss(logits, labels).item<double>();
    const double accuracy = logits.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
    qInfo("%s: training loss after %d steps %.4f, eval loss %.4f, accuracy %.2f",
          kind == int(TextModelKind::Bert) ? "bert" : "distilbert", kSteps, loss, evalLoss, accuracy);
    QVERIFY2(evalLoss < 0.05, qPrintable(QString::number(evalLoss)));
    QCOMPARE(accuracy, 1.0);
  }
};

QTEST_GUILESS_MAIN(TestTextModels)
#include "test_text_models.moc"
