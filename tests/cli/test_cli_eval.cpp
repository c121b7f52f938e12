// attune-cli eval and predict as a user runs them, after a real training run of an image project and
// of a text project: the metrics agree with what training reported, other data is mapped onto the
// model's classes by name, predictions come as CSV or JSON lines, and mistakes get a reason.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "core/eval/EpochValidation.h"
#include "core/project/LabelJournal.h"
#include "tests/support/TinyTexts.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>

using namespace attune;
using testing::jsonLines;
using testing::runCli;

class TestCliEval : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_imageProject;
  QString m_images;
  double m_imageAccuracy = -1.0;

  // Trains `project` for a few epochs; the "done" event's best validation accuracy.
  static double train(const QString& project, const QStringList& settings) {
    QStringList arguments = {QStringLiteral("train"), project, QStringLiteral("--json")};
    for (const QString& setting : settings) arguments << QStringLiteral("--set") << setting;
    const auto result = runCli(arguments);
    if (result.exitCode != 0) qWarning("%s", result.err.constData());
    const auto events = jsonLines(result.out);
    if (events.empty() || events.back()["event"] != "done") return -1.0;
    return events.back()["best_val_accuracy"].get<double>();
  }

  // A text project `name`.attune on 20 reviews per class and tiny word vectors, made with `attune-cli
  // new`; its table is `name`.csv.
  QString newTextProject(const QString& name) {
    using namespace attune::testing::texts;
    const QString reviews = writeReviews(m_dir.filePath(name + QStringLiteral(".csv")), 20);
    const QString vectors = writeTinyVectors(m_dir.filePath(name + QStringLiteral(".safetensors")));
    const QString project = m_dir.filePath(name + QStringLiteral(".attune"));
    const auto created =
        runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("text"),
                QStringLiteral("--data"), reviews, QStringLiteral("--model"), QStringLiteral("word_vectors"),
                QStringLiteral("--weights"), vectors});
    if (created.exitCode != 0) qWarning("%s", created.err.constData());
    return created.exitCode == 0 ? project : QString();
  }

  // `attune-cli report` as HTML and as PDF for the latest run of `project`, whose accuracy is
  // `accuracy`; `settingsLine` is a plain-words sentence the settings section must hold.
  void checkReport(const QString& project, double accuracy, const QStringList& classes,
                   const QString& settingsLine) {
    const QString html = QFileInfo(project).absolutePath() + QStringLiteral("/report.html");
    const auto written =
        runCli({QStringLiteral("report"), project, QStringLiteral("--out"), html, QStringLiteral("--json")});
    QVERIFY2(written.exitCode == 0, written.err.constData());
    const auto done = jsonLines(written.out).back();
    QCOMPARE(done["event"].get<std::string>(), std::string("done"));
    QVERIFY(std::abs(done["accuracy"].get<double>() - accuracy) < 1e-6);
    QFile file(html);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString page = QString::fromUtf8(file.readAll());
    for (const char* section : {"<h2>What we found</h2>", "<h2>The data</h2>",
                                "<h2>The settings in plain words</h2>", "<h2>Training curves</h2>",
                                "<h3>Confusion matrix</h3>", "<h3>Per class</h3>", "<h3>Calibration</h3>"})
      QVERIFY2(page.contains(QLatin1String(section)), section);
    // The headline accuracy as the evaluation computed it, every class in the tables, three charts
    // (loss, accuracy, reliability) as inline SVG, and the settings in words.
    const QString headline =
        QStringLiteral("<b>Accuracy %1%</b>").arg(QString::number(100.0 * accuracy, 'f', 1));
    QVERIFY2(page.contains(headline), qPrintable(headline));
    for (const QString& name : classes) QVERIFY(page.contains(QStringLiteral("<th>%1</th>").arg(name)));
    QCOMPARE(page.count(QStringLiteral("<svg ")), 3);
    QVERIFY2(page.contains(settingsLine), qPrintable(settingsLine));
    QVERIFY(page.contains(QStringLiteral("Learning rates:")));

    const QString pdf = QFileInfo(project).absolutePath() + QStringLiteral("/report.pdf");
    const auto printed = runCli({QStringLiteral("report"), project, QStringLiteral("--out"), pdf});
    QVERIFY2(printed.exitCode == 0, printed.err.constData());
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    const QByteArray bytes = pdfFile.readAll();
    QVERIFY(bytes.startsWith("%PDF-"));
    QVERIFY(bytes.trimmed().endsWith("%%EOF"));
    // Three chart images and the text: far more than an empty page.
    QVERIFY2(bytes.size() > 20000, qPrintable(QString::number(bytes.size())));
    QVERIFY(bytes.count("/Subtype /Image") >= 3);

    const auto wrongSuffix = runCli({QStringLiteral("report"), project, QStringLiteral("--out"),
                                     QFileInfo(project).absolutePath() + QStringLiteral("/report.txt")});
    QCOMPARE(wrongSuffix.exitCode, 2);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_images = m_dir.filePath(QStringLiteral("images"));
    attune::testing::writeTinyDataset(m_images, 2, 6);
    m_imageProject = m_dir.filePath(QStringLiteral("images.attune"));
    const auto created =
        runCli({QStringLiteral("new"), m_imageProject, QStringLiteral("--task"), QStringLiteral("image"),
                QStringLiteral("--data"), m_images, QStringLiteral("--model"), QStringLiteral("resnet18"),
                QStringLiteral("--set"), QStringLiteral("model.input_size=32")});
    QVERIFY2(created.exitCode == 0, created.err.constData());
    m_imageAccuracy = train(m_imageProject, {QStringLiteral("epochs=2"), QStringLiteral("batch_size=4"),
                                             QStringLiteral("augment.random_resized_crop=false")});
    QVERIFY(m_imageAccuracy >= 0.0);
  }

  void evalReportsTheRunsValidationMetrics() {
    const auto result = runCli({QStringLiteral("eval"), m_imageProject, QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto events = jsonLines(result.out);
    QVERIFY(!events.empty());
    const auto& done = events.back();
    QCOMPARE(done["event"].get<std::string>(), std::string("done"));
    // The validation split the run was scored on, through the best checkpoint: the same accuracy.
    QVERIFY2(std::abs(done["accuracy"].get<double>() - m_imageAccuracy) < 1e-6, done.dump().c_str());
    const int count = done["count"].get<int>();
    QVERIFY(count >= 2);
    int total = 0;
    for (const auto& row : done["confusion"])
      for (const auto& cell : row) total += cell.get<int>();
    QCOMPARE(total, count);
    QCOMPARE(done["classes"].size(), size_t(2));
    QCOMPARE(done["classes"][0]["name"].get<std::string>(), std::string("class_0"));
    QCOMPARE(done["calibration"].size(), size_t(10));
    for (const char* key : {"balanced_accuracy", "log_loss", "expected_calibration_error"})
      QVERIFY2(done[key].is_number() && std::isfinite(done[key].get<double>()), key);
    QVERIFY(done["macro"]["f1"].is_number() && done["weighted"]["recall"].is_number());

    const auto plain = runCli({QStringLiteral("eval"), m_imageProject});
    QCOMPARE(plain.exitCode, 0);
    QVERIFY(plain.out.contains("Confusion matrix"));
    QVERIFY(plain.out.contains("class_1"));
    QVERIFY(plain.out.contains("balanced accuracy"));
  }

  void reportOfAnImageRun() {
    checkReport(m_imageProject, m_imageAccuracy, {QStringLiteral("class_0"), QStringLiteral("class_1")},
                QStringLiteral("Training images were flipped left to right at random"));
  }

  void evalOnOtherDataMapsClassesByName() {
    // class_0 and class_1 as the model knows them, and a class it has never seen.
    const QString other = m_dir.filePath(QStringLiteral("other"));
    attune::testing::writeTinyDataset(other, 3, 3);
    QVERIFY(QDir(other).rename(QStringLiteral("class_2"), QStringLiteral("unknown")));
    const auto result = runCli(
        {QStringLiteral("eval"), m_imageProject, QStringLiteral("--data"), other, QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto events = jsonLines(result.out);
    bool warned = false;
    for (const auto& event : events)
      warned = warned || (event["event"] == "warning" &&
                          event["message"].get<std::string>().find("unknown") != std::string::npos);
    QVERIFY(warned);
    QCOMPARE(events.back()["count"].get<int>(), 6);
  }

  void predictImagesAsCsvAndJson() {
    const QString folder = QDir(m_images).filePath(QStringLiteral("class_0"));
    const QString broken = m_dir.filePath(QStringLiteral("broken.png"));
    QFile file(broken);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a picture");
    file.close();
    const auto result =
        runCli({QStringLiteral("predict"), m_imageProject, folder, broken, QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto events = jsonLines(result.out);
    QCOMPARE(events.size(), size_t(6 + 1 + 1));
    for (size_t i = 0; i < 6; ++i) {
      QCOMPARE(events[i]["event"].get<std::string>(), std::string("prediction"));
      double sum = 0.0;
      for (const auto& [name, p] : events[i]["probabilities"].items()) sum += p.get<double>();
      QVERIFY(std::abs(sum - 1.0) < 1e-6);
    }
    QVERIFY(events[6]["error"].is_string() && !events[6]["error"].get<std::string>().empty());
    QCOMPARE(events.back()["count"].get<int>(), 7);

    const QString csv = m_dir.filePath(QStringLiteral("predictions.csv"));
    const auto written =
        runCli({QStringLiteral("predict"), m_imageProject, folder, QStringLiteral("--out"), csv});
    QVERIFY2(written.exitCode == 0, written.err.constData());
    QFile out(csv);
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = out.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 7);
    QCOMPARE(lines[0], QByteArray("item,predicted,probability,class_0,class_1"));
    QVERIFY(lines[1].startsWith(folder.toUtf8()));

    // Texts for an image model, and a project without a trained model: a reason, exit status 1.
    const auto texts = runCli(
        {QStringLiteral("predict"), m_imageProject, QStringLiteral("--text"), QStringLiteral("hello")});
    QCOMPARE(texts.exitCode, 1);
    const QString untrained = m_dir.filePath(QStringLiteral("untrained.attune"));
    QCOMPARE(runCli({QStringLiteral("new"), untrained, QStringLiteral("--task"), QStringLiteral("image"),
                     QStringLiteral("--data"), m_images})
                 .exitCode,
             0);
    const auto none = runCli({QStringLiteral("eval"), untrained});
    QCOMPARE(none.exitCode, 1);
    QVERIFY2(none.err.contains("no trained model yet"), none.err.constData());
  }

  void textProjectEvalAndPredict() {
    const QString project = newTextProject(QStringLiteral("reviews"));
    QVERIFY(!project.isEmpty());
    const QString reviews = m_dir.filePath(QStringLiteral("reviews.csv"));
    const double accuracy =
        train(project, {QStringLiteral("epochs=8"), QStringLiteral("batch_size=8"),
                        QStringLiteral("optim.lr_head=2e-2"), QStringLiteral("optim.lr_backbone=2e-3"),
                        QStringLiteral("loss.label_smoothing=0"), QStringLiteral("model.max_tokens=16")});
    QVERIFY2(accuracy >= 0.75, qPrintable(QString::number(accuracy)));

    const auto evaluated = runCli({QStringLiteral("eval"), project, QStringLiteral("--json")});
    QVERIFY2(evaluated.exitCode == 0, evaluated.err.constData());
    QVERIFY(std::abs(jsonLines(evaluated.out).back()["accuracy"].get<double>() - accuracy) < 1e-6);

    const auto typed = runCli({QStringLiteral("predict"), project, QStringLiteral("--text"),
                               QStringLiteral("great superb fun"), QStringLiteral("awful dull boring")});
    QVERIFY2(typed.exitCode == 0, typed.err.constData());
    const QList<QByteArray> lines = typed.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[1].startsWith("great superb fun,pos,"), lines[1].constData());
    QVERIFY2(lines[2].startsWith("awful dull boring,neg,"), lines[2].constData());

    // A table: every row of its text column, named by file and line.
    const auto table = runCli({QStringLiteral("predict"), project, reviews, QStringLiteral("--json")});
    QVERIFY2(table.exitCode == 0, table.err.constData());
    const auto events = jsonLines(table.out);
    QCOMPARE(events.back()["count"].get<int>(), 40);
    QCOMPARE(events.front()["item"].get<std::string>(), std::string("reviews.csv:2"));

    checkReport(project, accuracy, {QStringLiteral("neg"), QStringLiteral("pos")},
                QStringLiteral("Texts were cut to 16 tokens."));

    // --mistakes lists exactly the validation texts whose label the model doubts (at most 0.2 for
    // their label, at least 0.6 for the other class), most doubted first.
    const auto doubted =
        runCli({QStringLiteral("eval"), project, QStringLiteral("--mistakes"), QStringLiteral("--json")});
    QVERIFY2(doubted.exitCode == 0, doubted.err.constData());
    const auto mistakeEvents = jsonLines(doubted.out);
    const auto& summary = mistakeEvents.back();
    int expectedSuspects = 0;
    // Recount from the evaluation's own confusion: every suspect is a wrong answer.
    int wrong = 0;
    for (size_t t = 0; t < 2; ++t)
      for (size_t predicted = 0; predicted < 2; ++predicted)
        if (t != predicted) wrong += summary["confusion"][t][predicted].get<int>();
    double previous = -1.0;
    for (const auto& line : mistakeEvents) {
      if (line["event"] != "mistake") continue;
      ++expectedSuspects;
      QVERIFY(line["item"].get<std::string>().rfind("line ", 0) == 0);
      QVERIFY(line["label"] != line["suggested"]);
      const double given = line["label_probability"].get<double>();
      QVERIFY(given <= 0.2 && line["suggested_probability"].get<double>() >= 0.6);
      QVERIFY(given >= previous);
      previous = given;
    }
    QVERIFY(expectedSuspects <= wrong);
  }

  // A run that keeps every epoch's model: eval --checkpoint N scores epoch N's own model, and gets
  // what training's validation of that epoch got (its saved answers).
  void evalOfAnEpochsOwnModel() {
    const auto trained =
        runCli({QStringLiteral("train"), m_imageProject, QStringLiteral("--json"), QStringLiteral("--set"),
                QStringLiteral("epochs=2"), QStringLiteral("--set"), QStringLiteral("batch_size=4"),
                QStringLiteral("--set"), QStringLiteral("augment.random_resized_crop=false"),
                QStringLiteral("--set"), QStringLiteral("checkpoint.every_epoch=true")});
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    const auto done = jsonLines(trained.out).back();
    const QString runId = QString::fromStdString(done["run_id"].get<std::string>());
    const QString runDir = QString::fromStdString(done["run_dir"].get<std::string>());
    QVERIFY(QFileInfo::exists(runDir + QStringLiteral("/epoch-1.safetensors")));
    QVERIFY(QFileInfo::exists(runDir + QStringLiteral("/epoch-2.safetensors")));
    const auto epochs = validationByEpoch(runDir, {QStringLiteral("class_0"), QStringLiteral("class_1")});
    QVERIFY(epochs.ok());
    QCOMPARE(epochs->size(), size_t(2));
    for (int epoch : {1, 2}) {
      const auto evaluated =
          runCli({QStringLiteral("eval"), m_imageProject, QStringLiteral("--run"), runId,
                  QStringLiteral("--checkpoint"), QString::number(epoch), QStringLiteral("--json")});
      QVERIFY2(evaluated.exitCode == 0, evaluated.err.constData());
      const auto result = jsonLines(evaluated.out).back();
      QCOMPARE(result["epoch"].get<int>(), epoch);
      const double saved = (*epochs)[size_t(epoch - 1)].metrics.accuracy;
      QVERIFY2(std::abs(result["accuracy"].get<double>() - saved) < 1e-9,
               qPrintable(QStringLiteral("epoch %1: eval %2, saved answers %3 (%4 examples, eval %5)")
                              .arg(epoch)
                              .arg(result["accuracy"].get<double>())
                              .arg(saved)
                              .arg((*epochs)[size_t(epoch - 1)].metrics.count)
                              .arg(result["count"].get<int>())));
      QCOMPARE(result["confusion"].get<std::vector<std::vector<int>>>(),
               (*epochs)[size_t(epoch - 1)].metrics.confusion);
    }
    const auto missing = runCli({QStringLiteral("eval"), m_imageProject, QStringLiteral("--run"), runId,
                                 QStringLiteral("--checkpoint"), QStringLiteral("9")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains("kept no model of epoch 9"), missing.err.constData());
    const auto bad = runCli(
        {QStringLiteral("eval"), m_imageProject, QStringLiteral("--checkpoint"), QStringLiteral("first")});
    QCOMPARE(bad.exitCode, 2);
  }

  // train --from RUN:EPOCH starts a new run from that epoch's model: with rates too small to move the
  // weights, its first validation is the picked epoch's (and a fresh run's is not); config.json says
  // where it started; a model that was not kept, or a bad choice, is refused clearly.
  void trainFromAPickedEpoch() {
    const QString project = newTextProject(QStringLiteral("continued"));
    QVERIFY(!project.isEmpty());
    const QStringList common = {QStringLiteral("batch_size=8"), QStringLiteral("model.max_tokens=16"),
                                QStringLiteral("loss.label_smoothing=0")};
    const auto runOf = [&](const QStringList& extra, const QStringList& settings) {
      QStringList arguments = {QStringLiteral("train"), project, QStringLiteral("--json")};
      arguments << extra;
      for (const QString& setting : common + settings) arguments << QStringLiteral("--set") << setting;
      return runCli(arguments);
    };
    const auto first =
        runOf({}, {QStringLiteral("epochs=3"), QStringLiteral("optim.lr_head=2e-2"),
                   QStringLiteral("optim.lr_backbone=2e-3"), QStringLiteral("checkpoint.every_epoch=true")});
    QVERIFY2(first.exitCode == 0, first.err.constData());
    const QString firstId = QString::fromStdString(jsonLines(first.out).back()["run_id"].get<std::string>());
    const QString firstDir =
        QString::fromStdString(jsonLines(first.out).back()["run_dir"].get<std::string>());
    const QStringList classes = {QStringLiteral("neg"), QStringLiteral("pos")};
    const auto firstEpochs = validationByEpoch(firstDir, classes);
    QVERIFY(firstEpochs.ok() && firstEpochs->size() == 3);
    const double atEpoch2 = (*firstEpochs)[1].metrics.logLoss;

    const QStringList still = {QStringLiteral("epochs=1"), QStringLiteral("optim.lr_head=1e-9"),
                               QStringLiteral("optim.lr_backbone=1e-9")};
    const auto continued = runOf({QStringLiteral("--from"), firstId + QStringLiteral(":2")}, still);
    QVERIFY2(continued.exitCode == 0, continued.err.constData());
    QVERIFY2(continued.out.contains(
                 QStringLiteral("Started from the model of run %1 at epoch 2.").arg(firstId).toUtf8()),
             continued.out.constData());
    const QString continuedDir =
        QString::fromStdString(jsonLines(continued.out).back()["run_dir"].get<std::string>());
    QVERIFY(continuedDir != firstDir);
    const auto continuedEpochs = validationByEpoch(continuedDir, classes);
    QVERIFY(continuedEpochs.ok() && continuedEpochs->size() == 1);
    QVERIFY2(std::abs(continuedEpochs->front().metrics.logLoss - atEpoch2) < 1e-4,
             qPrintable(QStringLiteral("continued %1, epoch 2 %2")
                            .arg(continuedEpochs->front().metrics.logLoss)
                            .arg(atEpoch2)));
    QFile config(continuedDir + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(config.readAll().toStdString());
    QCOMPARE(document["started_from"]["run"].get<std::string>(), firstId.toStdString());
    QCOMPARE(document["started_from"]["epoch"].get<int>(), 2);

    // The control: the same still rates from the pre-trained vectors alone answer differently.
    const auto fresh = runOf({}, still);
    QVERIFY2(fresh.exitCode == 0, fresh.err.constData());
    const auto freshEpochs = validationByEpoch(
        QString::fromStdString(jsonLines(fresh.out).back()["run_dir"].get<std::string>()), classes);
    QVERIFY(freshEpochs.ok());
    QVERIFY2(std::abs(freshEpochs->front().metrics.logLoss - atEpoch2) > 1e-3,
             qPrintable(QString::number(freshEpochs->front().metrics.logLoss)));

    const auto notKept = runOf({QStringLiteral("--from"), firstId + QStringLiteral(":7")}, still);
    QCOMPARE(notKept.exitCode, 1);
    QVERIFY2(notKept.err.contains("kept no model of epoch 7"), notKept.err.constData());
    const auto badChoice = runOf({QStringLiteral("--from"), firstId + QStringLiteral(":first")}, still);
    QCOMPARE(badChoice.exitCode, 2);
    const auto both = runCli({QStringLiteral("train"), project, QStringLiteral("--from"), firstId,
                              QStringLiteral("--resume"), firstId});
    QCOMPARE(both.exitCode, 2);
  }

  // A k-fold run is evaluated by its out-of-fold answers: every labelled text once, each answered by
  // the fold that did not train on it, so the accuracy is oof.csv's own; its likely label mistakes
  // are named by line and carry the texts; other data is scored by the best fold's model.
  void kFoldRunIsEvaluatedOutOfFold() {
    const QString project = newTextProject(QStringLiteral("folds"));
    QVERIFY(!project.isEmpty());
    QStringList arguments = {QStringLiteral("train"), project, QStringLiteral("--json")};
    for (const char* setting : {"epochs=3", "batch_size=8", "kfold.folds=3", "optim.lr_head=2e-2",
                                "optim.lr_backbone=2e-3", "model.max_tokens=16"})
      arguments << QStringLiteral("--set") << QString::fromLatin1(setting);
    const auto trained = runCli(arguments);
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    const auto summary = jsonLines(trained.out).back();
    const QString runId = QString::fromStdString(summary["run_id"].get<std::string>());
    const QString runDir = QString::fromStdString(summary["run_dir"].get<std::string>());
    QFile oof(runDir + QStringLiteral("/oof.csv"));
    QVERIFY(oof.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = oof.readAll().trimmed().split('\n');
    int right = 0;
    for (qsizetype i = 1; i < rows.size(); ++i) {
      const QList<QByteArray> cells = rows[i].split(',');
      if (cells[1] == cells[3]) ++right;
    }
    QCOMPARE(rows.size() - 1, 40);

    const auto evaluated = runCli({QStringLiteral("eval"), project, QStringLiteral("--json")});
    QVERIFY2(evaluated.exitCode == 0, evaluated.err.constData());
    const auto done = jsonLines(evaluated.out).back();
    QCOMPARE(done["count"].get<int>(), 40);
    QCOMPARE(done["out_of_fold_folds"].get<int>(), 3);
    QCOMPARE(done["run"].get<std::string>(), runId.toStdString());
    QVERIFY(std::abs(done["accuracy"].get<double>() - right / 40.0) < 1e-9);

    const auto doubted =
        runCli({QStringLiteral("eval"), project, QStringLiteral("--mistakes"), QStringLiteral("--json")});
    QVERIFY2(doubted.exitCode == 0, doubted.err.constData());
    for (const auto& line : jsonLines(doubted.out))
      if (line["event"] == "mistake") QVERIFY(line["item"].get<std::string>().rfind("line ", 0) == 0);
    const auto plain = runCli({QStringLiteral("eval"), project});
    QVERIFY2(plain.out.contains("best models of its 3 folds (out-of-fold)"), plain.out.constData());

    // On other data, the run's best fold's model answers (named by run id or by default).
    for (const QStringList& run : {QStringList{}, QStringList{QStringLiteral("--run"), runId}}) {
      const auto other =
          runCli(QStringList{QStringLiteral("eval"), project, QStringLiteral("--data"),
                             m_dir.filePath(QStringLiteral("folds.csv")), QStringLiteral("--json")} +
                 run);
      QVERIFY2(other.exitCode == 0, other.err.constData());
      const auto scored = jsonLines(other.out).back();
      QCOMPARE(scored["count"].get<int>(), 40);
      QCOMPARE(scored["out_of_fold_folds"].get<int>(), 0);
      QVERIFY(scored["epoch"].get<int>() >= 1);
    }
  }

  // suggest: the latest run's answers for the unlabelled texts only, the least sure first; a text
  // labelled in Attune is no longer asked about; bad options are refused.
  void suggestOrdersTheUnlabelledTexts() {
    const QString project = newTextProject(QStringLiteral("pool"));
    QVERIFY(!project.isEmpty());
    QFile table(m_dir.filePath(QStringLiteral("pool.csv")));
    QVERIFY(table.open(QIODevice::ReadWrite | QIODevice::Append));
    table.seek(0);
    const int first = int(table.readAll().count('\n')) + 1;  // the line of the first text added
    table.write(
        "superb great fun lovely,\n"     // first: clearly positive
        "awful dull boring terrible,\n"  // + 1: clearly negative
        "good bad great awful,\n"        // + 2: a close call
        "great superb enjoyable good,\n"
        "poor awful bad dull,\n");
    table.close();
    const auto key = [first](int n) { return QStringLiteral("pool.csv:%1").arg(first + n).toStdString(); };
    QVERIFY(train(project,
                  {QStringLiteral("epochs=8"), QStringLiteral("batch_size=8"),
                   QStringLiteral("optim.lr_head=2e-2"), QStringLiteral("optim.lr_backbone=2e-3"),
                   QStringLiteral("loss.label_smoothing=0"), QStringLiteral("model.max_tokens=16")}) >= 0.75);
    const auto suggested = runCli({QStringLiteral("suggest"), project, QStringLiteral("--json")});
    QVERIFY2(suggested.exitCode == 0, suggested.err.constData());
    const auto events = jsonLines(suggested.out);
    QCOMPARE(events.back()["unlabelled"].get<int>(), 5);
    QCOMPARE(events.size(), size_t(6));
    std::map<std::string, std::string> byKey;
    double previous = 2.0;
    for (size_t i = 0; i + 1 < events.size(); ++i) {
      byKey[events[i]["key"].get<std::string>()] = events[i]["suggested"].get<std::string>();
      const double uncertainty = events[i]["uncertainty"].get<double>();
      QVERIFY(uncertainty <= previous);
      previous = uncertainty;
    }
    QCOMPARE(events.front()["key"].get<std::string>(), key(2));
    QCOMPARE(byKey[key(0)], std::string("pos"));
    QCOMPARE(byKey[key(1)], std::string("neg"));
    QCOMPARE(byKey[key(3)], std::string("pos"));
    QCOMPARE(byKey[key(4)], std::string("neg"));

    // In file order, limited; a text labelled in Attune leaves the pool.
    auto journal = LabelJournal::open(LabelJournal::pathFor(project));
    QVERIFY(journal.ok());
    QVERIFY((*journal)->append(
        {LabelChange::SetLabel, QString::fromStdString(key(0)), QStringLiteral("pos"), {}}));
    const auto ordered = runCli({QStringLiteral("suggest"), project, QStringLiteral("--order"),
                                 QStringLiteral("file"), QStringLiteral("--limit"), QStringLiteral("2")});
    QVERIFY2(ordered.exitCode == 0, ordered.err.constData());
    const QList<QByteArray> lines = ordered.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[1].startsWith(("awful dull boring terrible," + key(1) + ",neg,").c_str()),
             lines[1].constData());
    QVERIFY2(lines[2].startsWith(("good bad great awful," + key(2) + ",").c_str()), lines[2].constData());
    QCOMPARE(runCli({QStringLiteral("suggest"), project, QStringLiteral("--order"), QStringLiteral("random")})
                 .exitCode,
             2);
    QCOMPARE(
        runCli({QStringLiteral("suggest"), project, QStringLiteral("--limit"), QStringLiteral("0")}).exitCode,
        2);
  }

  // labels: a project's labels out as CSV and Label Studio tasks (with the model's predictions for the
  // unlabelled texts), a CSV of labels in (into the journal: the pool shrinks), and the image
  // project's labelled images copied into class folders.
  void labelsInAndOut() {
    const QString project =
        m_dir.filePath(QStringLiteral("pool.attune"));  // from suggestOrdersTheUnlabelledTexts
    QVERIFY(QFileInfo::exists(project));
    const QString tasks = m_dir.filePath(QStringLiteral("pool-tasks.json"));
    const auto exported = runCli({QStringLiteral("labels"), project, QStringLiteral("--export"), tasks,
                                  QStringLiteral("--predictions"), QStringLiteral("--json")});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    QCOMPARE(jsonLines(exported.out).back()["predictions"].get<int>(), 4);  // the unlabelled texts
    QFile file(tasks);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto document = nlohmann::json::parse(file.readAll().toStdString());
    QCOMPARE(document.size(), size_t(45));
    int predicted = 0;
    for (const auto& task : document)
      if (!task["predictions"].empty()) {
        ++predicted;
        QVERIFY(task["annotations"].empty());
        QVERIFY(task["predictions"][0]["model_version"].get<std::string>().rfind("attune run ", 0) == 0);
      }
    QCOMPARE(predicted, 4);

    const QString csv = m_dir.filePath(QStringLiteral("pool-in.csv"));
    QFile in(csv);
    QVERIFY(in.open(QIODevice::WriteOnly));
    in.write("text,label\ngood bad great awful,neg\npoor awful bad dull,neg\nnot in the table,pos\n");
    in.close();
    const auto imported = runCli({QStringLiteral("labels"), project, QStringLiteral("--import"), csv});
    QVERIFY2(imported.exitCode == 0, imported.err.constData());
    QVERIFY2(imported.out.contains("Imported 2 labels"), imported.out.constData());
    QVERIFY2(imported.out.contains("1 rows hold a text the project does not have"), imported.out.constData());
    const auto left = runCli({QStringLiteral("suggest"), project, QStringLiteral("--json")});
    QCOMPARE(jsonLines(left.out).back()["unlabelled"].get<int>(), 2);

    const QString folders = m_dir.filePath(QStringLiteral("image-classes"));
    const auto copied = runCli({QStringLiteral("labels"), m_imageProject, QStringLiteral("--export-folders"),
                                folders, QStringLiteral("--json")});
    QVERIFY2(copied.exitCode == 0, copied.err.constData());
    const int count = jsonLines(copied.out).back()["copied"].get<int>();
    QCOMPARE(count, int(QDir(folders + QStringLiteral("/class_0")).entryList(QDir::Files).size() +
                        QDir(folders + QStringLiteral("/class_1")).entryList(QDir::Files).size()));
    QVERIFY(count > 0);
    QCOMPARE(runCli({QStringLiteral("labels"), project}).exitCode, 2);
    QCOMPARE(runCli({QStringLiteral("labels"), project, QStringLiteral("--export"), csv,
                     QStringLiteral("--format"), QStringLiteral("xml")})
                 .exitCode,
             2);
  }
};

QTEST_GUILESS_MAIN(TestCliEval)
#include "test_cli_eval.moc"
