// Likely label mistakes on hand-made answers: only examples whose given class the model doubts and
// whose other class it is sure of, the most doubted first; and the out-of-fold predictions of a
// k-fold run read back from its oof.csv (quoted names, an unreadable image, classes by name); and the
// uncertainty measures that put the items most useful to label first, on hand-computed cases.

#include "core/dataset/Uncertainty.h"
#include "core/eval/LabelMistakes.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace attune;

class TestLabelMistakes : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void onlyStrongDisagreementsMostDoubtedFirst() {
    const std::vector<int> labels = {0, 0, 1, 1, 2, 0, 1};
    const std::vector<std::vector<double>> p = {
        {0.90, 0.05, 0.05},  // agrees
        {0.10, 0.85, 0.05},  // doubted: suggests 1
        {0.70, 0.05, 0.25},  // doubted most: suggests 0
        {0.30, 0.40, 0.30},  // unsure, not a suspect
        {0.45, 0.40, 0.15},  // given 0.15 but no class reaches 0.6: not a suspect
        {},                  // could not be read
        {0.10, 0.15, 0.75},  // doubted: suggests 2 (given 0.15)
    };
    const auto suspects = likelyLabelMistakes(labels, p);
    QCOMPARE(suspects.size(), size_t(3));
    QCOMPARE(suspects[0].example, 2);
    QCOMPARE(suspects[0].suggested, 0);
    QCOMPARE(suspects[0].givenProbability, 0.05);
    QCOMPARE(suspects[1].example, 1);
    QCOMPARE(suspects[1].given, 0);
    QCOMPARE(suspects[1].suggested, 1);
    QCOMPARE(suspects[2].example, 6);
    QCOMPARE(suspects[2].suggestedProbability, 0.75);
    // Looser thresholds take the unsure one in too.
    QCOMPARE(likelyLabelMistakes(labels, p, 0.45, 0.4).size(), size_t(4));
  }

  void readsOutOfFoldPredictions() {
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("oof.csv")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "path,label,fold,predicted,p_cat,\"p_dog, big\"\n"
        "/a/1.png,cat,1,cat,0.9,0.1\n"
        "\"/a/2,x.png\",\"dog, big\",2,cat,0.8,0.2\n"
        "/a/3.png,cat,1,,,\n"
        "/a/4.png,owl,2,cat,0.5,0.5\n");
    file.close();
    const QStringList classes = {QStringLiteral("cat"), QStringLiteral("dog, big")};
    auto oof = readOutOfFold(dir.path(), classes);
    QVERIFY2(oof.ok(), oof ? "" : qPrintable(oof.error().text()));
    QCOMPARE(oof->items, (QStringList{QStringLiteral("/a/1.png"), QStringLiteral("/a/2,x.png"),
                                      QStringLiteral("/a/3.png")}));
    QCOMPARE(oof->labels, (std::vector<int>{0, 1, 0}));
    QCOMPARE(oof->probabilities[1], (std::vector<double>{0.8, 0.2}));
    QVERIFY(oof->probabilities[2].empty());
    const auto suspects = likelyLabelMistakes(oof->labels, oof->probabilities);
    QCOMPARE(suspects.size(), size_t(1));
    QCOMPARE(oof->items[suspects[0].example], QStringLiteral("/a/2,x.png"));

    // Other classes than the run's, or no oof.csv: a clear error.
    QVERIFY(!readOutOfFold(dir.path(), {QStringLiteral("cat"), QStringLiteral("bird")}).ok());
    QTemporaryDir empty;
    const auto missing = readOutOfFold(empty.path(), classes);
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().hint.contains(QStringLiteral("kfold.folds")));
  }

  void uncertaintyMeasuresByHand() {
    const std::vector<float> sure = {0.9f, 0.05f, 0.05f};
    const std::vector<float> close = {0.45f, 0.44f, 0.11f};
    const std::vector<float> flat = {1.0f / 3, 1.0f / 3, 1.0f / 3};
    QVERIFY(std::abs(uncertaintyOf(sure, Uncertainty::LeastConfident) - 0.1) < 1e-6);
    QVERIFY(std::abs(uncertaintyOf(close, Uncertainty::LeastConfident) - 0.55) < 1e-6);
    QVERIFY(std::abs(uncertaintyOf(sure, Uncertainty::Margin) - (1.0 - 0.85)) < 1e-6);
    QVERIFY(std::abs(uncertaintyOf(close, Uncertainty::Margin) - 0.99) < 1e-6);
    // Entropy: 0.9 ln 0.9 + 2 * 0.05 ln 0.05, over ln 3; a flat answer is 1.
    const double expected = -(0.9 * std::log(0.9) + 2 * 0.05 * std::log(0.05)) / std::log(3.0);
    QVERIFY(std::abs(uncertaintyOf(sure, Uncertainty::Entropy) - expected) < 1e-6);
    QVERIFY(std::abs(uncertaintyOf(flat, Uncertainty::Entropy) - 1.0) < 1e-6);
    QCOMPARE(uncertaintyOf({}, Uncertainty::Entropy), -1.0);
    QCOMPARE(uncertaintyOf({1.0f}, Uncertainty::Margin), -1.0);
  }

  void mostUncertainFirstOrdersItems() {
    const std::vector<std::vector<float>> p = {
        {0.9f, 0.1f}, {}, {0.5f, 0.5f}, {0.7f, 0.3f}, {0.5f, 0.5f},
    };
    // The two coin flips (in index order), then 0.7, then 0.9, then the item without an answer.
    QCOMPARE(mostUncertainFirst(p, Uncertainty::LeastConfident), (std::vector<int>{2, 4, 3, 0, 1}));
    QCOMPARE(mostUncertainFirst(p, Uncertainty::Margin), (std::vector<int>{2, 4, 3, 0, 1}));
    // Margin and least-confident disagree with three classes: a close call between two classes
    // beats a confident-but-low top answer spread over three.
    const std::vector<std::vector<float>> three = {{0.4f, 0.3f, 0.3f}, {0.48f, 0.47f, 0.05f}};
    QCOMPARE(mostUncertainFirst(three, Uncertainty::LeastConfident), (std::vector<int>{0, 1}));
    QCOMPARE(mostUncertainFirst(three, Uncertainty::Margin), (std::vector<int>{1, 0}));
  }
};

QTEST_GUILESS_MAIN(TestLabelMistakes)
#include "test_label_mistakes.moc"
