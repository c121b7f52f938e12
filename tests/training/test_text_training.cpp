// Text projects train through the same engine as images: a table of texts is split, encoded by the
// model's own tokenizer (WordPiece for BERT / DistilBERT, the word list of the word vectors) and
// dynamically padded; the models learn a small sentiment-like task, checkpoints say they are text
// models, k-fold keeps out-of-fold predictions by line, and a resumed text run is bit-identical.

#include "TinyDataset.h"
#include "core/eval/BatchPrediction.h"
#include "core/eval/Predictor.h"
#include "core/export/ModelExport.h"
#include "core/models/TextModelConfig.h"
#include "core/models/detail/StateDict.h"
#include "core/models/detail/TextClassifier.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"
#include "tests/support/TinyTexts.h"
#include "tests/support/TinyTransformer.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <random>

using namespace attune;
using attune::testing::runToEnd;
using namespace attune::testing::texts;
using attune::testing::writeTinyTransformer;
namespace md = attune::detail;

class TestTextTraining : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_reviews;

  Project textProject(const QString& name, const QString& architecture, const QString& weights) {
    return reviewProject(m_dir.filePath(name + QStringLiteral(".attune")), m_reviews, architecture, weights);
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

    // The run's model, opened from its folder alone, predicts the validation texts exactly as the
    // run scored them, and a new sentence by its words.
    auto predictor = Predictor::openRun(QFileInfo(summary.bestCheckpoint).absolutePath());
    QVERIFY2(predictor.ok(), predictor.ok() ? "" : qPrintable(predictor.error().text()));
    QVERIFY((*predictor)->task() == TaskKind::TextClassification);
    QCOMPARE((*predictor)->classes(), job->classes);
    QCOMPARE((*predictor)->checkpointEpoch(), summary.bestEpoch);
    QStringList texts;
    for (const auto& sample : job->valTexts) texts << sample.text;
    auto rows = (*predictor)->predictTexts(texts);
    QVERIFY(rows.ok());
    QCOMPARE(int(rows->size()), int(texts.size()));
    int correct = 0;
    for (size_t i = 0; i < rows->size(); ++i) {
      const auto& row = (*rows)[i];
      QCOMPARE(int(row.size()), 2);
      QVERIFY(std::abs(row[0] + row[1] - 1.0) < 1e-6);
      correct += int(std::max_element(row.begin(), row.end()) - row.begin()) == job->valTexts[i].label;
    }
    QCOMPARE(double(correct) / double(texts.size()), summary.bestValAccuracy);
    auto fresh = (*predictor)
                     ->predictTexts({QStringLiteral("great superb fun lovely"),
                                     QStringLiteral("awful boring dull terrible")});
    QVERIFY(fresh.ok());
    QVERIFY2((*fresh)[0][1] > 0.5 && (*fresh)[1][0] > 0.5,
             qPrintable(QStringLiteral("%1 %2").arg((*fresh)[0][1]).arg((*fresh)[1][0])));
    QVERIFY(!(*predictor)->predictImages({m_reviews}).ok());

    // A whole table into a CSV of predictions (what Try it's "Predict a Table into a CSV" does), read
    // by the project's text column: one row per text, answered as above.
    const QString csvPath = m_dir.filePath(architecture + QStringLiteral("-predictions.csv"));
    auto batch = predictIntoCsv(**predictor, {m_reviews}, project.data.textColumn, csvPath);
    QVERIFY2(batch.ok(), batch.ok() ? "" : qPrintable(batch.error().text()));
    QCOMPARE(batch->predicted, 40);
    QCOMPARE(batch->unreadable, 0);
    QFile csvFile(csvPath);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> csvLines = csvFile.readAll().trimmed().split('\n');
    QCOMPARE(csvLines.size(), 41);
    QCOMPARE(csvLines[0], QByteArray("item,predicted,probability,neg,pos"));
    QVERIFY2(csvLines[1].startsWith("reviews.csv:2,"), csvLines[1].constData());
    QVERIFY(!predictIntoCsv(**predictor, {m_dir.filePath(QStringLiteral("missing.csv"))},
                            project.data.textColumn, csvPath)
                 .ok());

    // Exported, the model carries what it is built from (the tokenizer's or the word list's files)
    // and answers as the run does after the pre-trained files are gone.
    ModelExportRequest request;
    request.run = QFileInfo(summary.bestCheckpoint).absolutePath();
    request.outDirectory = m_dir.filePath(architecture + QStringLiteral("-export"));
    auto exported = exportModel(project, request);
    QVERIFY2(exported.ok(), exported.ok() ? "" : qPrintable(exported.error().text()));
    QCOMPARE(exported->epoch, summary.bestEpoch);
    const QString base = QDir(request.outDirectory).filePath(QStringLiteral("base"));
    if (architecture == QLatin1String("word_vectors")) {
      QVERIFY(QFileInfo::exists(base + QStringLiteral("/vectors.safetensors")));
    } else {
      for (const char* file : {"config.json", "vocab.txt"})
        QVERIFY2(QFileInfo::exists(base + '/' + architecture + '/' + QLatin1String(file)), file);
      // Not the pre-trained weights: the exported model.safetensors replaces all of them.
      QVERIFY(!QFileInfo::exists(base + '/' + architecture + QStringLiteral("/model.safetensors")));
    }
    const QString moved = weights + QStringLiteral(".moved");
    QVERIFY(QDir().rename(weights, moved));
    // The run itself needs them (its tokenizer or word list); the export carries its own.
    const auto withoutBase = Predictor::openRun(QFileInfo(summary.bestCheckpoint).absolutePath());
    QVERIFY(!withoutBase.ok());
    QVERIFY2(withoutBase.error().text().contains(QStringLiteral("no longer there")),
             qPrintable(withoutBase.error().text()));
    auto fromExport = Predictor::openExport(request.outDirectory);
    QVERIFY2(fromExport.ok(), fromExport.ok() ? "" : qPrintable(fromExport.error().text()));
    QCOMPARE((*fromExport)->classes(), job->classes);
    auto exportedRows = (*fromExport)->predictTexts(texts);
    QVERIFY(exportedRows.ok());
    for (size_t i = 0; i < rows->size(); ++i)
      for (size_t c = 0; c < 2; ++c) QVERIFY(std::abs((*exportedRows)[i][c] - (*rows)[i][c]) < 1e-9);
    QVERIFY(QDir().rename(moved, weights));
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
  // "catalog:bert-base-uncased" is the model's folder in the Hugging Face cache (a snapshot holding
  // config.json, the weights and the vocabulary); a snapshot without its config is refused by name.
  void bertFromTheCatalogCache() {
    QTemporaryDir caches;
    QVERIFY(caches.isValid());
    qputenv("ATTUNE_CACHE_DIR", caches.filePath(QStringLiteral("attune")).toUtf8());
    qputenv("TORCH_HOME", caches.filePath(QStringLiteral("torch")).toUtf8());
    qputenv("HF_HUB_CACHE", caches.filePath(QStringLiteral("hf")).toUtf8());
    const QString repo = caches.filePath(QStringLiteral("hf/models--google-bert--bert-base-uncased"));
    const QString snapshot = repo + QStringLiteral("/snapshots/0123456789abcdef0123456789abcdef01234567");
    // As huggingface_hub writes it: the bytes in blobs/, the snapshot's files relative links to them.
    QVERIFY(!writeTinyTransformer(repo + QStringLiteral("/blobs"), TextModelKind::Bert).isEmpty());
    QVERIFY(QDir().mkpath(snapshot));
    for (const QString& name :
         {QStringLiteral("config.json"), QStringLiteral("model.safetensors"), QStringLiteral("vocab.txt")}) {
      QVERIFY(QFile::rename(repo + QStringLiteral("/blobs/") + name,
                            repo + QStringLiteral("/blobs/blob-") + name));
      QVERIFY(QFile::link(QStringLiteral("../../blobs/blob-") + name, snapshot + u'/' + name));
    }
    QVERIFY(QDir().mkpath(repo + QStringLiteral("/refs")));
    QFile ref(repo + QStringLiteral("/refs/main"));
    QVERIFY(ref.open(QIODevice::WriteOnly));
    ref.write("0123456789abcdef0123456789abcdef01234567");
    ref.close();

    Project project = textProject(QStringLiteral("catalog"), QStringLiteral("bert"),
                                  QStringLiteral("catalog:bert-base-uncased"));
    project.config.epochs = 1;
    auto job = prepareTrainingJob(project);
    QVERIFY2(job.ok(), job.ok() ? "" : qPrintable(job.error().text()));
    QCOMPARE(job->config.weightsPath, snapshot);
    const RunSummary summary = runToEnd(*job);
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));

    QVERIFY(QFile::remove(snapshot + QStringLiteral("/config.json")));
    auto refused = prepareTrainingJob(project);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().text().contains(QStringLiteral("config.json")),
             qPrintable(refused.error().text()));
    for (const char* name : {"ATTUNE_CACHE_DIR", "TORCH_HOME", "HF_HUB_CACHE"}) qunsetenv(name);
  }

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
