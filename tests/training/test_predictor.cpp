// Predictor: the model of a finished run, opened from the run's folder alone, classifies images
// exactly as the run validated them (same best checkpoint, same evaluation transform); an unreadable
// image gets an empty row and its reason; and a folder that is not a run, a run without a saved
// model, pre-trained files that are gone, and a damaged checkpoint are refused with a plain message.
// (Texts: test_text_training and test_word_vectors.)

#include "TinyDataset.h"
#include "core/eval/Predictor.h"
#include "core/training/TrainingJob.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace attune;
using attune::testing::runToEnd;

namespace {

// Copies a run folder (its files only) to `target`.
bool copyRun(const QString& run, const QString& target) {
  if (!QDir().mkpath(target)) return false;
  for (const QString& name : QDir(run).entryList(QDir::Files))
    if (!QFile::copy(QDir(run).filePath(name), QDir(target).filePath(name))) return false;
  return true;
}

QString errorOf(const Result<std::unique_ptr<Predictor>>& result) {
  return result.ok() ? QString() : result.error().text();
}

}  // namespace

class TestPredictor : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_run;
  TrainingJob m_job;
  RunSummary m_summary;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString data = m_dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(data, 2, 6);
    Project project = attune::testing::tinyProject(m_dir.filePath(QStringLiteral("tiny.attune")), data);
    auto job = prepareTrainingJob(project);
    QVERIFY2(job.ok(), job.ok() ? "" : qPrintable(job.error().text()));
    m_job = *job;
    m_summary = runToEnd(m_job);
    QVERIFY2(m_summary.outcome == RunOutcome::Finished, qPrintable(m_summary.message));
    m_run = QFileInfo(m_summary.bestCheckpoint).absolutePath();
  }

  void imagesAsTheRunValidated() {
    auto predictor = Predictor::openRun(m_run);
    QVERIFY2(predictor.ok(), qPrintable(errorOf(predictor)));
    QVERIFY((*predictor)->task() == TaskKind::ImageClassification);
    QCOMPARE((*predictor)->classes(), m_job.classes);
    QCOMPARE((*predictor)->checkpointPath(), m_summary.bestCheckpoint);
    QCOMPARE((*predictor)->checkpointEpoch(), m_summary.bestEpoch);
    QCOMPARE((*predictor)->runId(), m_summary.runId);

    // The validation images, with a file that is not an image among them.
    const QString broken = m_dir.filePath(QStringLiteral("broken.png"));
    QFile file(broken);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a picture");
    file.close();
    QStringList paths;
    for (const auto& sample : m_job.valSamples) paths << sample.path;
    paths.insert(1, broken);
    QStringList failures;
    auto rows = (*predictor)->predictImages(paths, &failures);
    QVERIFY(rows.ok());
    QCOMPARE(int(rows->size()), int(paths.size()));
    QCOMPARE(int(failures.size()), int(paths.size()));
    QVERIFY((*rows)[1].empty());
    QVERIFY(!failures[1].isEmpty());
    int correct = 0;
    for (int i = 0, sample = 0; i < int(paths.size()); ++i) {
      if (i == 1) continue;
      const auto& row = (*rows)[size_t(i)];
      QCOMPARE(int(row.size()), int(m_job.classes.size()));
      QVERIFY(failures[i].isEmpty());
      double sum = 0.0;
      for (double p : row) sum += p;
      QVERIFY(std::abs(sum - 1.0) < 1e-6);
      correct += int(std::max_element(row.begin(), row.end()) - row.begin()) ==
                 m_job.valSamples[size_t(sample++)].label;
    }
    QCOMPARE(double(correct) / double(m_job.valSamples.size()), m_summary.bestValAccuracy);

    // The same broken file given twice gets its reason twice.
    QStringList twice;
    auto doubled = (*predictor)->predictImages({broken, paths[0], broken}, &twice);
    QVERIFY(doubled.ok());
    QVERIFY((*doubled)[0].empty() && (*doubled)[2].empty() && !(*doubled)[1].empty());
    QVERIFY(!twice[0].isEmpty());
    QCOMPARE(twice[2], twice[0]);
    QVERIFY(twice[1].isEmpty());

    // Many batches (the Predictor's are 32 images) from one loader whose workers read ahead, with
    // broken files in a later batch and at a batch's edge: every row is its own image's, the same
    // as when that image is classified alone.
    QStringList many;
    for (int i = 0; i < 75; ++i) many << paths[0 == i % 2 ? 0 : 2];
    for (int broken_at : {31, 32, 40, 74}) many[broken_at] = broken;
    QStringList manyFailures;
    auto manyRows = (*predictor)->predictImages(many, &manyFailures);
    QVERIFY(manyRows.ok());
    QCOMPARE(int(manyRows->size()), int(many.size()));
    const auto alone0 = (*predictor)->predictImages({paths[0]});
    const auto alone2 = (*predictor)->predictImages({paths[2]});
    QVERIFY(alone0.ok() && alone2.ok());
    for (int i = 0; i < int(many.size()); ++i) {
      if (many[i] == broken) {
        QVERIFY2((*manyRows)[size_t(i)].empty() && !manyFailures[i].isEmpty(),
                 qPrintable(QString::number(i)));
        continue;
      }
      const auto& expected = (many[i] == paths[0] ? *alone0 : *alone2)[0];
      const auto& row = (*manyRows)[size_t(i)];
      QCOMPARE(int(row.size()), int(expected.size()));
      for (size_t c = 0; c < row.size(); ++c)
        QVERIFY2(std::abs(row[c] - expected[c]) < 1e-5, qPrintable(QStringLiteral("row %1").arg(i)));
    }

    // An image model does not read texts; "last" opens the last checkpoint.
    QVERIFY(!(*predictor)->predictTexts({QStringLiteral("a text")}).ok());
    auto last = Predictor::openRun(m_run, PredictorOptions{QStringLiteral("last")});
    QVERIFY2(last.ok(), qPrintable(errorOf(last)));
    QVERIFY((*last)->checkpointPath().endsWith(QStringLiteral("last.safetensors")));
  }

  void refusesWhatIsNotAUsableRun() {
    // A folder that is not a run.
    auto none = Predictor::openRun(m_dir.filePath(QStringLiteral("images")));
    QVERIFY(errorOf(none).contains(QStringLiteral("not a training run")));

    // A run whose epochs never finished: no checkpoint.
    const QString unfinished = m_dir.filePath(QStringLiteral("unfinished"));
    QVERIFY(copyRun(m_run, unfinished));
    QVERIFY(QFile::remove(QDir(unfinished).filePath(QStringLiteral("best.safetensors"))));
    QVERIFY(QFile::remove(QDir(unfinished).filePath(QStringLiteral("last.safetensors"))));
    QVERIFY2(errorOf(Predictor::openRun(unfinished)).contains(QStringLiteral("no saved model yet")),
             qPrintable(errorOf(Predictor::openRun(unfinished))));

    // The pre-trained weights the model was built from are gone: an image model's checkpoint holds
    // every tensor, so it still opens (text models need their tokenizer: test_text_training).
    const QString moved = m_dir.filePath(QStringLiteral("moved"));
    QVERIFY(copyRun(m_run, moved));
    QFile config(QDir(moved).filePath(QStringLiteral("config.json")));
    QVERIFY(config.open(QIODevice::ReadOnly));
    auto document = nlohmann::json::parse(config.readAll().toStdString());
    config.close();
    document["config"]["model"]["weights"] = m_dir.filePath(QStringLiteral("gone.safetensors")).toStdString();
    QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
    config.write(QByteArray::fromStdString(document.dump()));
    config.close();
    auto withoutPretrained = Predictor::openRun(moved);
    QVERIFY2(withoutPretrained.ok(), qPrintable(errorOf(withoutPretrained)));
    auto original = Predictor::openRun(m_run);
    QVERIFY(original.ok());
    const QStringList one = {m_job.valSamples.front().path};
    const auto expected = (*original)->predictImages(one);
    const auto actual = (*withoutPretrained)->predictImages(one);
    QVERIFY(expected.ok() && actual.ok());
    QCOMPARE(*actual, *expected);

    // A damaged checkpoint (cut short) and damaged settings: messages, never a crash.
    const QString damaged = m_dir.filePath(QStringLiteral("damaged"));
    QVERIFY(copyRun(m_run, damaged));
    QFile best(QDir(damaged).filePath(QStringLiteral("best.safetensors")));
    QVERIFY(best.resize(best.size() / 2));
    QVERIFY(!errorOf(Predictor::openRun(damaged)).isEmpty());
    QFile settings(QDir(damaged).filePath(QStringLiteral("config.json")));
    QVERIFY(settings.open(QIODevice::WriteOnly | QIODevice::Truncate));
    settings.write("{\"config\": 3");
    settings.close();
    QVERIFY(errorOf(Predictor::openRun(damaged)).contains(QStringLiteral("damaged")));
  }
};

QTEST_GUILESS_MAIN(TestPredictor)
#include "test_predictor.moc"
