#include "core/data/StratifiedSplit.h"

#include <QTest>

#include <algorithm>
#include <map>

using namespace attune;

namespace {

std::vector<int> labelsFromCounts(const std::vector<int>& counts) {
  // Interleaved, so the indices of a class are not one contiguous run.
  std::vector<int> labels;
  std::vector<int> left = counts;
  for (bool added = true; added;) {
    added = false;
    for (size_t c = 0; c < left.size(); ++c)
      if (left[c]-- > 0) {
        labels.push_back(int(c));
        added = true;
      }
  }
  return labels;
}

std::map<int, int> countPerClass(const std::vector<int>& indices, const std::vector<int>& labels) {
  std::map<int, int> counts;
  for (int i : indices) ++counts[labels[size_t(i)]];
  return counts;
}

}  // namespace

class TestStratifiedSplit : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void proportions_data() {
    QTest::addColumn<std::vector<int>>("counts");
    QTest::addColumn<double>("valFraction");
    QTest::addColumn<std::vector<int>>("expectedVal");

    QTest::newRow("20% of 100 and 50") << std::vector<int>{100, 50} << 0.2 << std::vector<int>{20, 10};
    QTest::newRow("rounding") << std::vector<int>{7, 13, 3} << 0.25 << std::vector<int>{2, 3, 1};
    QTest::newRow("tiny classes keep one per side")
        << std::vector<int>{2, 3, 40} << 0.1 << std::vector<int>{1, 1, 4};
    QTest::newRow("large fraction keeps one in train")
        << std::vector<int>{2, 5} << 0.9 << std::vector<int>{1, 4};
    QTest::newRow("single image trains") << std::vector<int>{1, 10} << 0.5 << std::vector<int>{0, 5};
    QTest::newRow("no validation asked") << std::vector<int>{5, 10} << 0.0 << std::vector<int>{0, 0};
    QTest::newRow("all validation asked") << std::vector<int>{5, 10} << 1.0 << std::vector<int>{5, 10};
  }

  void proportions() {
    QFETCH(std::vector<int>, counts);
    QFETCH(double, valFraction);
    QFETCH(std::vector<int>, expectedVal);

    const std::vector<int> labels = labelsFromCounts(counts);
    const SplitIndices split = stratifiedSplit(labels, valFraction, 7);
    const std::map<int, int> valCounts = countPerClass(split.val, labels);
    const std::map<int, int> trainCounts = countPerClass(split.train, labels);
    for (size_t c = 0; c < counts.size(); ++c) {
      const int val = valCounts.count(int(c)) ? valCounts.at(int(c)) : 0;
      const int train = trainCounts.count(int(c)) ? trainCounts.at(int(c)) : 0;
      QCOMPARE(val, expectedVal[c]);
      QCOMPARE(train, counts[c] - expectedVal[c]);
    }
  }

  void partitionIsCompleteDisjointAndAscending() {
    const std::vector<int> labels = labelsFromCounts({31, 17, 9, 2});
    const SplitIndices split = stratifiedSplit(labels, 0.2, 123);
    QVERIFY(std::is_sorted(split.train.begin(), split.train.end()));
    QVERIFY(std::is_sorted(split.val.begin(), split.val.end()));
    std::vector<int> all = split.train;
    all.insert(all.end(), split.val.begin(), split.val.end());
    std::sort(all.begin(), all.end());
    QCOMPARE(int(all.size()), int(labels.size()));
    for (int i = 0; i < int(all.size()); ++i) QCOMPARE(all[size_t(i)], i);
    // Every class is on both sides.
    QCOMPARE(int(countPerClass(split.train, labels).size()), 4);
    QCOMPARE(int(countPerClass(split.val, labels).size()), 4);
  }

  void sameSeedSameSplitOtherSeedOtherSplit() {
    const std::vector<int> labels = labelsFromCounts({50, 50, 50});
    const SplitIndices a = stratifiedSplit(labels, 0.2, 42);
    const SplitIndices b = stratifiedSplit(labels, 0.2, 42);
    QCOMPARE(a.train, b.train);
    QCOMPARE(a.val, b.val);
    const SplitIndices c = stratifiedSplit(labels, 0.2, 43);
    QVERIFY(a.val != c.val);
    QCOMPARE(c.val.size(), a.val.size());
  }

  void splitOfOneClassIgnoresTheOthers() {
    // Adding images to class 1 must not move class 0's images between train and val.
    const std::vector<int> before = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    std::vector<int> after = before;
    after.insert(after.end(), {1, 1, 1, 1, 1});
    const SplitIndices a = stratifiedSplit(before, 0.3, 5);
    const SplitIndices b = stratifiedSplit(after, 0.3, 5);
    auto classZero = [](const std::vector<int>& v) {
      std::vector<int> out;
      std::copy_if(v.begin(), v.end(), std::back_inserter(out), [](int i) { return i < 10; });
      return out;
    };
    QCOMPARE(classZero(a.val), classZero(b.val));
  }

  void sameSplitOnEveryPlatform() {
    // Pinned output: the split must not change with the standard library or compiler, since a
    // project reopened elsewhere must validate on the same images.
    const std::vector<int> labels = labelsFromCounts({6, 4});
    const SplitIndices split = stratifiedSplit(labels, 0.5, 2024);
    QCOMPARE(split.val, (std::vector<int>{0, 1, 4, 6, 7}));
    QCOMPARE(split.train, (std::vector<int>{2, 3, 5, 8, 9}));
  }

  // k-fold: every item in exactly one fold, each class spread evenly, folds within one item in size,
  // the same folds for the same seed.
  void foldsAreStratifiedAndBalanced() {
    std::vector<int> labels;
    for (int i = 0; i < 23; ++i) labels.push_back(0);
    for (int i = 0; i < 10; ++i) labels.push_back(1);
    for (int i = 0; i < 4; ++i) labels.push_back(2);
    const auto folds = attune::stratifiedFolds(labels, 5, 11);
    QCOMPARE(folds.size(), labels.size());
    std::map<int, std::map<int, int>> perClass;  // class -> fold -> count
    std::map<int, int> sizes;
    for (size_t i = 0; i < labels.size(); ++i) {
      QVERIFY(folds[i] >= 0 && folds[i] < 5);
      ++perClass[labels[i]][folds[i]];
      ++sizes[folds[i]];
    }
    for (const auto& [label, counts] : perClass) {
      int low = 1 << 30, high = 0;
      for (int f = 0; f < 5; ++f) {
        const int n = counts.count(f) ? counts.at(f) : 0;
        low = std::min(low, n);
        high = std::max(high, n);
      }
      QVERIFY2(high - low <= 1, qPrintable(QString::number(label)));
    }
    int low = 1 << 30, high = 0;
    for (const auto& [fold, n] : sizes) {
      low = std::min(low, n);
      high = std::max(high, n);
    }
    QCOMPARE(int(sizes.size()), 5);
    QVERIFY(high - low <= 1);
    QVERIFY(attune::stratifiedFolds(labels, 5, 11) == folds);
    QVERIFY(attune::stratifiedFolds(labels, 5, 12) != folds);
    QVERIFY(attune::stratifiedFolds(labels, 1, 11) == std::vector<int>(labels.size(), 0));
  }

  void emptyInput() {
    const SplitIndices split = stratifiedSplit({}, 0.2, 1);
    QVERIFY(split.train.empty());
    QVERIFY(split.val.empty());
  }
};

QTEST_GUILESS_MAIN(TestStratifiedSplit)
#include "test_stratified_split.moc"
