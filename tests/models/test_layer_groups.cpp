// One source for layer groups: the groups the settings window shows and optim.group_lrs names
// (layerGroupsFor, without LibTorch) are those of the model the engine trains, name for name and in
// order, for every architecture and every setting that changes them (the word vectors' encoder, the
// number of layers in a BERT / DistilBERT folder). Each parameter of the built model lands in a group
// that names it by prefix, so a group list that misses a part of the model (the word vectors'
// convolution) cannot pass by leaving it in the first group.

#include "core/models/LayerGroups.h"
#include "core/models/TextModelConfig.h"
#include "core/training/LayerGroupPlan.h"
#include "core/training/detail/ModelSetup.h"
#include "core/training/detail/TrainingSetup.h"
#include "tests/support/TinyTexts.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace attune;
namespace ad = attune::detail;

Q_DECLARE_METATYPE(attune::TrainingConfig)

namespace {

constexpr int kClasses = 3;

QStringList namesOf(const std::vector<LayerGroupSpec>& groups) {
  QStringList names;
  for (const LayerGroupSpec& group : groups) names << group.name;
  return names;
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// A Hugging Face folder with config.json and vocab.txt only: enough to build the model without its
// pre-trained weights (PretrainedWeights::Skip).
QString writeTransformerFolder(const QString& folder, TextModelKind kind, int layers) {
  TextModelConfig config = TextModelConfig::defaultsFor(kind);
  config.vocabSize = 16;
  config.hiddenSize = 8;
  config.numHiddenLayers = layers;
  config.numAttentionHeads = 2;
  config.intermediateSize = 12;
  config.maxPositionEmbeddings = 16;
  if (!QDir().mkpath(folder)) return {};
  if (!writeFile(QDir(folder).filePath(QStringLiteral("config.json")),
                 QByteArray::fromStdString(config.toJson().dump(2))) ||
      !writeFile(QDir(folder).filePath(QStringLiteral("vocab.txt")),
                 "[PAD]\n[UNK]\n[CLS]\n[SEP]\ngood\nbad\n"))
    return {};
  return folder;
}

// A TF.js layers export of a tiny Keras CNN for 32x32 RGB: two 3x3 convolutions, global average
// pooling, a dense layer; four backbone tensors, so each of the three backbone groups gets one.
QString writeTfjsExport(const QString& folder) {
  const auto conv = [](const char* name, int filters, bool first) {
    nlohmann::json config{{"name", name},      {"filters", filters}, {"kernel_size", {3, 3}},
                          {"strides", {2, 2}}, {"padding", "same"},  {"activation", "relu"},
                          {"use_bias", true}};
    if (first) config["batch_input_shape"] = {nullptr, 32, 32, 3};
    return nlohmann::json{{"class_name", "Conv2D"}, {"config", config}};
  };
  const nlohmann::json layers = nlohmann::json::array(
      {conv("conv1", 4, true),
       conv("conv2", 4, false),
       {{"class_name", "GlobalAveragePooling2D"}, {"config", {{"name", "pool"}}}},
       {{"class_name", "Dense"}, {"config", {{"name", "dense"}, {"units", 2}, {"activation", "softmax"}}}}});
  const std::vector<std::pair<std::string, std::vector<int>>> weights = {
      {"conv1/kernel", {3, 3, 3, 4}}, {"conv1/bias", {4}},
      {"conv2/kernel", {3, 3, 4, 4}}, {"conv2/bias", {4}},
      {"dense/kernel", {4, 2}},       {"dense/bias", {2}}};
  nlohmann::json manifest = nlohmann::json::array();
  size_t count = 0;
  for (const auto& [name, shape] : weights) {
    manifest.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"}});
    size_t size = 1;
    for (int extent : shape) size *= size_t(extent);
    count += size;
  }
  const nlohmann::json model{
      {"format", "layers-model"},
      {"modelTopology", {{"class_name", "Sequential"}, {"config", {{"name", "tiny"}, {"layers", layers}}}}},
      {"weightsManifest", {{{"paths", {"group1-shard1of1.bin"}}, {"weights", manifest}}}}};
  std::vector<float> values(count);
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(std::sin(double(i))) * 0.3f;
  if (!QDir().mkpath(folder) ||
      !writeFile(folder + QStringLiteral("/model.json"), QByteArray::fromStdString(model.dump())) ||
      !writeFile(folder + QStringLiteral("/group1-shard1of1.bin"),  // little-endian hosts only
                 QByteArray(reinterpret_cast<const char*>(values.data()), qsizetype(count * sizeof(float)))))
    return {};
  return folder;
}

bool startsWithAny(const std::string& name, const QStringList& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const QString& prefix) { return QString::fromStdString(name).startsWith(prefix); });
}

}  // namespace

class TestLayerGroups : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  TrainingConfig configFor(const QString& architecture, const QString& weights = {}) const {
    TrainingConfig config;
    config.architecture = architecture;
    config.weightsPath = weights;
    return config;
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void shownGroupsAreTheTrainedModelsGroups_data() {
    QTest::addColumn<TrainingConfig>("config");
    const QString vectors =
        testing::texts::writeTinyVectors(m_dir.filePath(QStringLiteral("vectors.safetensors")));
    const QString tfjs = writeTfjsExport(m_dir.filePath(QStringLiteral("tfjs")));
    QVERIFY(!vectors.isEmpty() && !tfjs.isEmpty());
    // Every architecture Attune builds, with each setting that changes its groups; a new architecture
    // fails here until it has rows.
    for (const ArchitectureInfo& info : architectures()) {
      const QByteArray id = info.id.toUtf8();
      if (info.id == QLatin1String(kTfjsArchitecture)) {
        QTest::newRow(id.constData()) << configFor(info.id, tfjs);
      } else if (info.id == QLatin1String(kWordVectorArchitecture)) {
        for (const char* encoder : {"none", "conv"}) {
          for (const char* pooling : {"mean_max", "max"}) {  // pooling does not change the groups
            TrainingConfig config = configFor(info.id, vectors);
            config.wordEncoder = QString::fromLatin1(encoder);
            config.wordPooling = QString::fromLatin1(pooling);
            QTest::addRow("%s encoder=%s pooling=%s", id.constData(), encoder, pooling) << config;
          }
        }
      } else if (info.id == QLatin1String(kBertArchitecture) ||
                 info.id == QLatin1String(kDistilBertArchitecture)) {
        const TextModelKind kind =
            info.id == QLatin1String(kBertArchitecture) ? TextModelKind::Bert : TextModelKind::DistilBert;
        for (int layers : {1, 3}) {
          const QString folder = writeTransformerFolder(
              m_dir.filePath(QStringLiteral("%1-%2").arg(info.id).arg(layers)), kind, layers);
          QVERIFY(!folder.isEmpty());
          QTest::addRow("%s %d-layer", id.constData(), layers) << configFor(info.id, folder);
        }
      } else if (info.input == InputKind::Image) {
        QTest::newRow(id.constData()) << configFor(info.id);
      } else {
        QFAIL(qPrintable(QStringLiteral("No layer group rows for the architecture %1.").arg(info.id)));
      }
    }
  }
  void shownGroupsAreTheTrainedModelsGroups() {
    QFETCH(TrainingConfig, config);
    const std::vector<LayerGroupSpec> shown = layerGroupsFor(modelChoiceOf(config));
    QVERIFY(shown.size() >= 2);

    torch::manual_seed(1);
    auto prepared = ad::prepareModel(config, kClasses, ad::PretrainedWeights::Skip);
    QVERIFY2(prepared, qPrintable(prepared ? QString() : prepared.error().message));
    const ad::ImageClassifierImpl& model = *prepared->model;
    const auto bound = ad::bindLayerGroups(model, planLayerGroups(config, prepared->layerGroups));
    QStringList trained;
    for (const auto& group : bound) trained << group.plan.name;
    QCOMPARE(trained, namesOf(shown));

    // Each group holds parameters, and those of a group with prefixes are named by them (the head may
    // also hold what the model calls its head).
    size_t total = 0;
    for (const auto& group : bound) {
      QVERIFY2(!group.names.empty(), qPrintable(group.plan.name));
      for (const std::string& name : group.names) {
        if (group.plan.prefixes.isEmpty()) {
          QCOMPARE(model.isHeadName(name), group.plan.isHead);
        } else {
          QVERIFY2(startsWithAny(name, group.plan.prefixes) || (group.plan.isHead && model.isHeadName(name)),
                   qPrintable(QStringLiteral("%1 in %2").arg(QString::fromStdString(name), group.plan.name)));
        }
      }
      total += group.names.size();
    }
    QCOMPARE(total, model.named_parameters().size());
    // The optimiser gets the same groups (weights and exempt parameters of a group split in two).
    for (const auto& parameterGroup : ad::planParameterGroups(model, config))
      QVERIFY(parameterGroup.layerGroup < int(shown.size()));
  }

  // `--set optim.group_lrs.encoder=...` with the word vectors' convolution is used; without it the
  // run warns, naming the groups the model has.
  void aRateForAGroupTheModelLacksIsReportedWithTheModelsGroups() {
    const QString vectors =
        testing::texts::writeTinyVectors(m_dir.filePath(QStringLiteral("vectors-warning.safetensors")));
    QVERIFY(!vectors.isEmpty());
    TrainingJob job;
    job.classes = {QStringLiteral("neg"), QStringLiteral("pos")};
    for (const char* encoder : {"conv", "none"}) {
      TrainingConfig config = configFor(QString::fromLatin1(kWordVectorArchitecture), vectors);
      QVERIFY(config.set(QStringLiteral("model.word_encoder"), QString::fromLatin1(encoder)).ok());
      QVERIFY(config.set(QStringLiteral("optim.group_lrs.encoder"), QStringLiteral("1e-4")).ok());
      auto setup = ad::setUpTraining(job, config, ad::StartPointUse::Ignore);
      QVERIFY2(setup, qPrintable(setup ? QString() : setup.error().message));
      QStringList warnings;
      for (const RunEvent& event : setup->messages)
        if (event.kind == RunEventKind::Warning) warnings << event.message;
      if (QLatin1String(encoder) == QLatin1String("conv")) {
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));
        QCOMPARE(setup->groups[1].plan.name, QStringLiteral("encoder"));
        QCOMPARE(setup->groups[1].plan.baseLr, 1e-4);
      } else {
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(warnings[0].contains(QStringLiteral("named encoder")), qPrintable(warnings[0]));
        QVERIFY2(warnings[0].contains(QStringLiteral("Its groups are: embeddings, head.")),
                 qPrintable(warnings[0]));
      }
    }
  }

  // Before a BERT / DistilBERT folder is chosen (or when it cannot be read) the window shows the
  // groups of the architecture's recommended catalog model, the default-sized one.
  void withoutAFolderTheCatalogModelsGroupsShow_data() {
    QTest::addColumn<QString>("architecture");
    QTest::addColumn<int>("kind");
    QTest::newRow("bert") << QString::fromLatin1(kBertArchitecture) << int(TextModelKind::Bert);
    QTest::newRow("distilbert") << QString::fromLatin1(kDistilBertArchitecture)
                                << int(TextModelKind::DistilBert);
  }
  void withoutAFolderTheCatalogModelsGroupsShow() {
    QFETCH(QString, architecture);
    QFETCH(int, kind);
    const auto expected = textLayerGroups(TextModelConfig::defaultsFor(TextModelKind(kind)));
    const QString otherKind = writeTransformerFolder(
        m_dir.filePath(QStringLiteral("other-than-") + architecture),
        TextModelKind(kind) == TextModelKind::Bert ? TextModelKind::DistilBert : TextModelKind::Bert, 2);
    QVERIFY(!otherKind.isEmpty());
    for (const QString& weights :
         {QString(), QStringLiteral("catalog:whatever"), m_dir.filePath(QStringLiteral("none")), otherKind}) {
      const auto shown = layerGroupsFor(modelChoiceOf(configFor(architecture, weights)));
      QCOMPARE(namesOf(shown), namesOf(expected));
      for (size_t g = 0; g < shown.size(); ++g) QCOMPARE(shown[g].prefixes, expected[g].prefixes);
    }
  }
};

QTEST_GUILESS_MAIN(TestLayerGroups)
#include "test_layer_groups.moc"
