// The saved state of a run (state.json) and the judgements made from its history.

#include "core/training/detail/TrainerState.h"

#include <QTest>

using namespace attune;
namespace ad = attune::detail;

class TestTrainerState : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void progressRoundTripsExactly() {
    ad::TrainerProgress p;
    p.epoch = 3;
    p.batchesDone = 7;
    p.step = 41;
    p.epochLossSum = 0.1 + 0.2;  // not exactly representable: must come back bit for bit
    p.epochCorrect = 19;
    p.epochSeen = 28;
    p.badSteps = 1;
    p.microBatch = 8;
    p.epochsCompleted = 2;
    p.bestEpoch = 2;
    p.bestValAccuracy = 2.0 / 3.0;
    p.bestValLoss = 0.123456789012345678;
    p.epochsSinceBest = 1;
    p.overfittingReported = true;
    p.trainLosses = {1.0 / 3.0, 0.25};
    p.valLosses = {0.7, 0.9};
    p.lrHead = 3e-3;
    p.lrBackbone = 3e-4;
    p.schedule = {{"plateau_factor", 0.1}};
    p.dataFingerprint = QStringLiteral("ab12");
    const auto text = p.toJson().dump();
    auto back = ad::TrainerProgress::fromJson(nlohmann::json::parse(text));
    QVERIFY(back.ok());
    QCOMPARE(back->epochLossSum, p.epochLossSum);
    QCOMPARE(back->bestValAccuracy, p.bestValAccuracy);
    QCOMPARE(back->bestValLoss, p.bestValLoss);
    QVERIFY(back->trainLosses == p.trainLosses);
    QCOMPARE(back->step, p.step);
    QCOMPARE(back->batchesDone, p.batchesDone);
    QCOMPARE(back->microBatch, p.microBatch);
    QVERIFY(back->overfittingReported);
    QCOMPARE(back->dataFingerprint, p.dataFingerprint);
    QVERIFY(back->schedule == p.schedule);
  }

  void damagedStateIsRefusedWithAReason_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::newRow("not an object") << QByteArray("[1]");
    QTest::newRow("other version") << QByteArray(R"({"format_version": 2})");
    QTest::newRow("missing keys") << QByteArray(R"({"format_version": 1, "epoch": 2})");
    // nlohmann's value("format_version", 0) threw a type_error on these, past the try block.
    QTest::newRow("version is text") << QByteArray(R"({"format_version": "1"})");
    QTest::newRow("version is a list") << QByteArray(R"({"format_version": [1]})");
  }
  void damagedStateIsRefusedWithAReason() {
    QFETCH(QByteArray, document);
    auto result = ad::TrainerProgress::fromJson(nlohmann::json::parse(document.toStdString()));
    QVERIFY(!result.ok());
    QVERIFY(result.error().message.contains(QStringLiteral("damaged")));
    QVERIFY(!result.error().hint.isEmpty());
    auto json = ad::TrainerProgress{}.toJson();
    json["epoch"] = 0;
    QVERIFY(!ad::TrainerProgress::fromJson(json).ok());
    json = ad::TrainerProgress{}.toJson();
    json["step"] = "many";
    auto wrongType = ad::TrainerProgress::fromJson(json);
    QVERIFY(!wrongType.ok());
    QVERIFY2(wrongType.error().message.contains(QStringLiteral("step must be a whole number")),
             qPrintable(wrongType.error().message));
    json = ad::TrainerProgress{}.toJson();
    json["train_losses"] = {0.5, "x"};
    QVERIFY(!ad::TrainerProgress::fromJson(json).ok());
    json = ad::TrainerProgress{}.toJson();
    json["best_epoch"] = 1e12;  // get<int>() would have cut it to some other number
    QVERIFY(!ad::TrainerProgress::fromJson(json).ok());
  }

  void overfittingNeedsTwoRisesAgainstTwoFalls() {
    QVERIFY(ad::looksLikeOverfitting({1.0, 0.8, 0.6}, {0.5, 0.6, 0.7}));
    QVERIFY(!ad::looksLikeOverfitting({1.0, 0.8}, {0.5, 0.6}));             // too short
    QVERIFY(!ad::looksLikeOverfitting({1.0, 0.8, 0.9}, {0.5, 0.6, 0.7}));   // training loss rose too
    QVERIFY(!ad::looksLikeOverfitting({1.0, 0.8, 0.6}, {0.5, 0.6, 0.55}));  // validation improved
    QVERIFY(ad::looksLikeOverfitting({2.0, 1.0, 0.8, 0.6}, {0.4, 0.5, 0.6, 0.7}));
  }

  void fingerprintFollowsFilesLabelsAndSides() {
    const std::vector<ImageSample> train{{QStringLiteral("/a.png"), 0}, {QStringLiteral("/b.png"), 1}};
    const std::vector<ImageSample> val{{QStringLiteral("/c.png"), 1}};
    const QString base = ad::dataFingerprint(train, val);
    QCOMPARE(base.size(), 64);
    QCOMPARE(ad::dataFingerprint(train, val), base);
    auto relabelled = train;
    relabelled[1].label = 0;
    QVERIFY(ad::dataFingerprint(relabelled, val) != base);
    QVERIFY(ad::dataFingerprint(val, train) != base);
    QVERIFY(ad::dataFingerprint({train[0]}, {train[1], val[0]}) != base);
  }
};

QTEST_GUILESS_MAIN(TestTrainerState)
#include "test_trainer_state.moc"
