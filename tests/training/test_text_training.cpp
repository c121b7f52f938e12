// Text projects train through the same engine as images: a table of texts is split, encoded by the
// model's own tokenizer (WordPiece for BERT / DistilBERT, the word list of the word vectors) and
// dynamically padded; the models learn a small sentiment-like task, checkpoints say they are text
// models, k-fold keeps out-of-fold predictions by line, and a resumed text run is bit-identical.

#include "TinyDataset.h"
#include "core/models/TextModelConfig.h"
#include "core/models/detail/StateDict.h"
#include "core/models/detail/TextClassifier.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <random>

using namespace attune;
using attune::testing::runToEnd;
namespace md = attune::detail;

namespace {

const QStringList kPositive = {"good", "great", "lovely", "superb", "enjoyable", "fun"};
const QStringList kNegative = {"bad", "awful", "boring", "dull", "poor", "terrible"};
const QStringList kNeutral = {"the", "movie", "was", "plot", "and", "acting", "really", "quite"};

// A CSV of short reviews whose label follows from the words in them; one review with a quoted comma
// and one spanning two lines, as real exports have.
QString writeReviews(const QString& path, int perClass) {
  std::mt19937 rng(7);
  auto pick = [&](const QStringList& words) { return words[int(rng() % uint32_t(words.size()))]; };
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return {};
  file.write("text,label\n");
  for (int i = 0; i < perClass; ++i) {
    for (int positive = 0; positive < 2; ++positive) {
      const QStringList& words = positive ? kPositive : kNegative;
      QString text = QStringLiteral("%1 %2 %3 %4 %5")
                         .arg(pick(kNeutral), pick(kNeutral), pick(words), pick(kNeutral), pick(words));
      if (i == 0) text = QStringLiteral("\"%1, %2\"").arg(text, pick(words));
      if (i == 1) text = QStringLiteral("\"%1\n%2\"").arg(text, pick(words));
      file.write(QStringLiteral("%1,%2\n")
                     .arg(text, positive ? QStringLiteral("pos") : QStringLiteral("neg"))
                     .toUtf8());
    }
  }
  return path;
}

// A Hugging Face model folder (config.json, model.safetensors, vocab.txt) of a tiny random BERT or
// DistilBERT whose vocabulary holds the special tokens and the reviews' words.
QString writeTinyTransformer(const QString& folder, TextModelKind kind) {
  QDir().mkpath(folder);
  QStringList vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ",", "."};
  vocab << kPositive << kNegative << kNeutral;
  TextModelConfig config = TextModelConfig::defaultsFor(kind);
  config.vocabSize = int(vocab.size()) + 3;
  config.hiddenSize = 32;
  config.numHiddenLayers = 2;
  config.numAttentionHeads = 4;
  config.intermediateSize = 37;
  config.maxPositionEmbeddings = 64;
  torch::manual_seed(11);
  auto model = md::makeTextClassifier(config, 2);
  QFile configFile(QDir(folder).filePath(QStringLiteral("config.json")));
  QFile vocabFile(QDir(folder).filePath(QStringLiteral("vocab.txt")));
  if (!configFile.open(QIODevice::WriteOnly) || !vocabFile.open(QIODevice::WriteOnly)) return {};
  configFile.write(QByteArray::fromStdString(config.toJson().dump(2)));
  vocabFile.write(vocab.join(QLatin1Char('\n')).toUtf8() + '\n');
  // A pre-trained encoder has no classifier for the user's classes: leave the head out.
  TensorMap tensors = md::stateDictOf(*model);
  for (auto it = tensors.begin(); it != tensors.end();)
    it = model->isHeadName(it->first) ? tensors.erase(it) : std::next(it);
  if (!SafetensorsWriter::writeFile(QDir(folder).filePath(QStringLiteral("model.safetensors")), tensors).ok())
    return {};
  return folder;
}

// A word-vector file in the format of installer/convert_glove.py: row 0 padding, row 1 unknown, then
// one 8-d vector per word; the positive and negative words point in opposite directions.
QString writeTinyVectors(const QString& path) {
  QStringList words = kPositive + kNegative + kNeutral;
  const int width = 8;
  std::vector<float> values(size_t((words.size() + 2) * width), 0.0f);
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  for (qsizetype w = 0; w < words.size(); ++w) {
    const float sign = kPositive.contains(words[w]) ? 1.0f : kNegative.contains(words[w]) ? -1.0f : 0.0f;
    for (int d = 0; d < width; ++d) values[size_t((w + 2) * width + d)] = noise(rng) + (d == 0 ? sign : 0.0f);
  }
  TensorData table;
  table.dtype = DType::F32;
  table.shape = {words.size() + 2, width};
  table.bytes =
      QByteArray(reinterpret_cast<const char*>(values.data()), qsizetype(values.size() * sizeof(float)));
  nlohmann::json list = nlohmann::json::array();
  for (const QString& w : words) list.push_back(w.toStdString());
  if (!SafetensorsWriter::writeFile(path, {{"vectors", table}}, {{"attune.words", list.dump()}}).ok())
    return {};
  return path;
}

}  // namespace

class TestTextTraining : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_reviews;

  Project textProject(const QString& name, const QString& architecture, const QString& weights) {
    Project project;
    project.filePath = m_dir.filePath(name + QStringLiteral(".attune"));
    project.name = name;
    project.task = TaskKind::TextClassification;
    project.data.table = m_reviews;
    project.data.textColumn = QStringLiteral("text");
    project.data.labelColumn = QStringLiteral("label");
    project.data.valFraction = 0.25;
    project.config.architecture = architecture;
    project.config.weightsPath = weights;
    project.config.epochs = 8;
    project.config.batchSize = 8;
    project.config.lrHead = 2e-2;
    project.config.lrBackbone = 2e-3;
    project.config.labelSmoothing = 0.0;
    project.config.maxTokens = 16;
    return project;
  }

  static SafetensorsContent read(const QString& path) {
    auto content = SafetensorsReader::readFile(path);
    if (!content) qFatal("cannot read %s", qPrintable(path));
    return *content;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_reviews = writeReviews(m_dir.filePath(QStringLiteral("reviews.csv")), 20);
    QVERIFY(!m_reviews.isEmpty());
  }

  void textModelsLearnTheReviews_data() {
    QTest::addColumn<QString>("architecture");
    QTest::newRow("bert") << QStringLiteral("bert");
    QTest::newRow("distilbert") << QStringLiteral("distilbert");
    QTest::newRow("word vectors") << QStringLiteral("word_vectors");
  }
  void textModelsLearnTheReviews() {
    QFETCH(QString, architecture);
    QString weights;
    if (architecture == QLatin1String("word_vectors")) {
      weights = writeTinyVectors(m_dir.filePath(QStringLiteral("vectors.safetensors")));
    } else {
      weights = writeTinyTransformer(m_dir.filePath(architecture), architecture == QLatin1String("bert")
                                                                       ? TextModelKind::Bert
                                                                       : TextModelKind::DistilBert);
    }
    QVERIFY(!weights.isEmpty());
    Project project = textProject(architecture, architecture, weights);
    // The tiny "pre-trained" transformers are random: their encoder must learn the words too.
    if (architecture != QLatin1String("word_vectors")) {
      project.config.lrBackbone = 1e-2;
      project.config.epochs = 12;
    }
    auto job = prepareTrainingJob(project);
    QVERIFY2(job.ok(), job.ok() ? "" : qPrintable(job.error().text()));
    QCOMPARE(job->classes, QStringList({QStringLiteral("neg"), QStringLiteral("pos")}));
    QCOMPARE(int(job->trainTexts.size() + job->valTexts.size()), 40);
    QVERIFY(job->trainSamples.empty());
    std::vector<RunEvent> events;
    std::vector<EpochMetrics> epochs;
    const RunSummary summary = runToEnd(*job, nullptr, &epochs, &events);
    QStringList log;
    for (const auto& e : events) log << e.message;
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message + '\n' + log.join('\n')));
    QVERIFY2(log.join('\n').contains(QStringLiteral("texts")), qPrintable(log.join('\n')));
    QStringList curve;
    for (const auto& e : epochs)
      curve << QStringLiteral("%1/%2/%3")
                   .arg(e.trainLoss, 0, 'f', 3)
                   .arg(e.valLoss, 0, 'f', 3)
                   .arg(e.valAccuracy);
    QVERIFY2(summary.bestValAccuracy >= 0.9, qPrintable(curve.join(QLatin1Char(' '))));
    QVERIFY(epochs.back().trainLoss < epochs.front().trainLoss);
    const auto checkpoint = read(summary.bestCheckpoint);
    QCOMPARE(QString::fromStdString(checkpoint.metadata.at("attune.task")), QStringLiteral("text"));
    QCOMPARE(QString::fromStdString(checkpoint.metadata.at("attune.architecture")), architecture);
  }

  // With the pre-trained part frozen (the word vectors here), the head trains on features computed
  // once, for texts as for images.
  void frozenEmbeddingsUseTheFeatureCache() {
    const QString vectors = writeTinyVectors(m_dir.filePath(QStringLiteral("vectors-cache.safetensors")));
    Project project = textProject(QStringLiteral("cache"), QStringLiteral("word_vectors"), vectors);
    project.config.freeze = FreezeMode::Backbone;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    std::vector<RunEvent> events;
    const RunSummary summary = runToEnd(*job, nullptr, nullptr, &events);
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));
    bool cached = false;
    for (const auto& e : events) cached = cached || e.message.contains(QStringLiteral("computed once"));
    QVERIFY(cached);
    // The frozen vectors come out of training exactly as they went in.
    const auto before = read(vectors).tensors.at("vectors");
    const auto after = read(summary.lastCheckpoint).tensors.at("embedding.weight");
    QVERIFY(before.bytes == after.bytes);
  }

  // k-fold on texts: every labelled text is predicted once, by the fold that did not train on it, and
  // named by its line in the table.
  void crossValidationKeepsOutOfFoldPredictionsByLine() {
    const QString vectors = writeTinyVectors(m_dir.filePath(QStringLiteral("vectors-kfold.safetensors")));
    Project project = textProject(QStringLiteral("kfold"), QStringLiteral("word_vectors"), vectors);
    project.config.folds = 2;
    project.config.epochs = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    const RunSummary summary = runToEnd(*job);
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));
    QFile oof(QDir(summary.runDir).filePath(QStringLiteral("oof.csv")));
    QVERIFY(oof.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(oof.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(lines.first().startsWith(QStringLiteral("line,label,fold,predicted")));
    QCOMPARE(lines.size(), 41);
    QSet<int> seen;
    for (int i = 1; i < lines.size(); ++i) seen.insert(lines[i].section(QLatin1Char(','), 0, 0).toInt());
    QCOMPARE(seen.size(), 40);
    QVERIFY(!seen.contains(0));
  }

  // Stopped after 3 steps and resumed, a BERT run (dropout on, shuffled batches) ends with exactly the
  // weights of the run that was never interrupted.
  void resumedTextRunIsBitIdentical() {
    const QString folder =
        writeTinyTransformer(m_dir.filePath(QStringLiteral("bert-resume")), TextModelKind::Bert);
    Project project = textProject(QStringLiteral("resume"), QStringLiteral("bert"), folder);
    project.config.epochs = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    const RunSummary whole = runToEnd(*job);
    QVERIFY2(whole.outcome == RunOutcome::Finished, qPrintable(whole.message));

    TrainingSession first(*job);
    first.setStopAfterStep(3);
    const RunSummary stopped = runToEnd(first);
    QVERIFY2(stopped.outcome == RunOutcome::Stopped, qPrintable(stopped.message));
    auto resumedJob = prepareResumedJob(project, stopped.runDir);
    QVERIFY2(resumedJob.ok(), resumedJob.ok() ? "" : qPrintable(resumedJob.error().text()));
    const RunSummary resumed = runToEnd(*resumedJob);
    QVERIFY2(resumed.outcome == RunOutcome::Finished, qPrintable(resumed.message));
    const auto a = read(whole.lastCheckpoint), b = read(resumed.lastCheckpoint);
    QCOMPARE(a.tensors.size(), b.tensors.size());
    for (const auto& [name, tensor] : a.tensors)
      QVERIFY2(b.tensors.at(name).bytes == tensor.bytes, name.c_str());
  }

  // A text project refuses an image model, and an image project a text model, in plain words.
  void modelAndTaskMustMatch() {
    Project project = textProject(QStringLiteral("mismatch"), QStringLiteral("resnet18"), QString());
    auto job = prepareTrainingJob(project);
    QVERIFY(!job.ok());
    QVERIFY2(job.error().message.contains(QStringLiteral("reads images")), qPrintable(job.error().text()));
    Project images;
    images.filePath = m_dir.filePath(QStringLiteral("images.attune"));
    images.data.folder = m_dir.path();
    images.config.architecture = QStringLiteral("bert");
    auto imageJob = prepareTrainingJob(images);
    QVERIFY(!imageJob.ok());
    QVERIFY2(imageJob.error().message.contains(QStringLiteral("reads texts")),
             qPrintable(imageJob.error().text()));
  }
};

QTEST_GUILESS_MAIN(TestTextTraining)
#include "test_text_training.moc"
