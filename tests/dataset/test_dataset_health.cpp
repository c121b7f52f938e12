// Dataset health on hand-made data: exact copies across classes, across the training/validation split
// or within a class (renamed copies too), small and unbalanced classes, unreadable files, tiny images,
// and for texts duplicate and too-short texts and unusable rows; each finding's fix changes exactly the
// labels it says.

#include "core/dataset/DatasetHealth.h"
#include "core/project/LabelJournal.h"
#include "tests/support/ImageFiles.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;

namespace {

void writeImage(const QString& path, int shade, int side = 40) {
  attune::testing::writeImageFile(path, QColor(shade % 256, (shade * 3) % 256, (shade * 7) % 256), side,
                                  side);
}

const HealthFinding* find(const std::vector<HealthFinding>& findings, HealthKind kind) {
  for (const HealthFinding& finding : findings)
    if (finding.kind == kind) return &finding;
  return nullptr;
}

}  // namespace

class TestDatasetHealth : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void imageFindings() {
    const QString root = m_dir.filePath(QStringLiteral("images"));
    for (int i = 0; i < 12; ++i)
      writeImage(QStringLiteral("%1/cat/%2.png").arg(root).arg(i, 2, 10, QLatin1Char('0')), 10 * i);
    for (int i = 0; i < 3; ++i) writeImage(QStringLiteral("%1/dog/%2.png").arg(root).arg(i), 200 + i);
    QVERIFY(QFile::copy(root + QStringLiteral("/cat/00.png"), root + QStringLiteral("/dog/renamed.png")));
    QVERIFY(QFile::copy(root + QStringLiteral("/cat/01.png"), root + QStringLiteral("/cat/01-copy.png")));
    writeImage(root + QStringLiteral("/cat/tiny.png"), 77, 10);
    QFile corrupt(root + QStringLiteral("/dog/broken.jpg"));
    QVERIFY(corrupt.open(QIODevice::WriteOnly));
    corrupt.write("\xff\xd8 not really a jpeg");
    corrupt.close();
    Project project;
    project.filePath = m_dir.filePath(QStringLiteral("images.attune"));
    project.data.folder = root;
    project.config.classBalance = ClassBalance::Off;

    auto findings = checkDatasetHealth(project);
    QVERIFY2(findings, findings ? "" : qPrintable(findings.error().text()));
    const HealthFinding* across = find(*findings, HealthKind::DuplicateAcrossClasses);
    QVERIFY(across);
    QCOMPARE(across->keys, (QStringList{"cat/00.png", "dog/renamed.png"}));
    QCOMPARE(across->fix, HealthFix::RemoveLabels);
    // The copy within cat is either split across training and validation or not: one of the two.
    const HealthFinding* split = find(*findings, HealthKind::DuplicateAcrossSplit);
    const HealthFinding* inClass = find(*findings, HealthKind::DuplicateInClass);
    QVERIFY((split == nullptr) != (inClass == nullptr));
    const HealthFinding* copies = split ? split : inClass;
    QCOMPARE(copies->groups, (std::vector<QStringList>{{"cat/01-copy.png", "cat/01.png"}}));
    QStringList keys, classes;
    healthFixLabels(*copies, keys, classes);
    QCOMPARE(keys, QStringList{"cat/01.png"});
    QCOMPARE(classes, QStringList{QString()});

    const HealthFinding* small = find(*findings, HealthKind::SmallClass);
    QVERIFY(small);
    QCOMPARE(small->className, QStringLiteral("dog"));
    QCOMPARE(small->keys.size(), qsizetype(4));
    const HealthFinding* imbalance = find(*findings, HealthKind::Imbalance);
    QVERIFY(imbalance);
    QCOMPARE(imbalance->fix, HealthFix::WeightClasses);  // class balance is off in this project
    QVERIFY(imbalance->title.contains(QStringLiteral("'cat' has 14, 'dog' only 4")));
    const HealthFinding* unreadable = find(*findings, HealthKind::Unreadable);
    QVERIFY(unreadable);
    QCOMPARE(unreadable->files.size(), qsizetype(1));
    QVERIFY(unreadable->files.first().startsWith(QStringLiteral("dog/broken.jpg: cannot be decoded")));
    const HealthFinding* tiny = find(*findings, HealthKind::TinyImage);
    QVERIFY(tiny);
    QCOMPARE(tiny->keys, QStringList{"cat/tiny.png"});
    // The most serious first; ids are stable.
    QCOMPARE(findings->front().kind, HealthKind::DuplicateAcrossClasses);
    auto again = checkDatasetHealth(project);
    QCOMPARE(again->front().id, findings->front().id);

    // After the fix (labels taken away in the journal), that finding is gone.
    auto journal = LabelJournal::open(LabelJournal::pathFor(project.filePath));
    QVERIFY(journal);
    healthFixLabels(*across, keys, classes);
    std::vector<LabelChange> changes;
    for (qsizetype i = 0; i < keys.size(); ++i)
      changes.push_back({LabelChange::SetLabel, keys[i], classes[i], {}});
    QVERIFY((*journal)->append(changes));
    auto fixed = checkDatasetHealth(project);
    QVERIFY(fixed);
    QVERIFY(!find(*fixed, HealthKind::DuplicateAcrossClasses));
    project.config.classBalance = ClassBalance::Auto;
    QCOMPARE(find(*checkDatasetHealth(project), HealthKind::Imbalance)->fix, HealthFix::None);
  }

  // Images small as a whole (28-pixel digits) are the data, not a problem; one far smaller than the
  // rest is.
  void tinyIsAgainstTheDatasOwnImages() {
    const QString root = m_dir.filePath(QStringLiteral("digits"));
    for (int i = 0; i < 6; ++i) {
      writeImage(QStringLiteral("%1/one/%2.png").arg(root).arg(i), 9 * i, 28);
      writeImage(QStringLiteral("%1/two/%2.png").arg(root).arg(i), 100 + 9 * i, 28);
    }
    Project project;
    project.filePath = m_dir.filePath(QStringLiteral("digits.attune"));
    project.data.folder = root;
    auto findings = checkDatasetHealth(project);
    QVERIFY(findings);
    QVERIFY(!find(*findings, HealthKind::TinyImage));
    writeImage(root + QStringLiteral("/two/speck.png"), 250, 6);
    findings = checkDatasetHealth(project);
    QVERIFY(findings);
    QVERIFY(find(*findings, HealthKind::TinyImage));
    QCOMPARE(find(*findings, HealthKind::TinyImage)->keys, QStringList{"two/speck.png"});
    QVERIFY(find(*findings, HealthKind::TinyImage)
                ->title.contains(QStringLiteral("1 image is smaller than 14 pixels")));
  }

  void textFindings() {
    const QString table = m_dir.filePath(QStringLiteral("texts.csv"));
    QFile file(table);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("text,label\n");
    for (int i = 0; i < 12; ++i) file.write(QStringLiteral("a fine review number %1,pos\n").arg(i).toUtf8());
    for (int i = 0; i < 12; ++i) file.write(QStringLiteral("a poor review number %1,neg\n").arg(i).toUtf8());
    file.write("a fine review number 3,neg\n");  // line 26: the same text as line 5, labelled otherwise
    file.write("ok,pos\n");                      // too short
    file.write("\"never closed,pos\n");          // cannot be read
    file.close();
    Project project;
    project.filePath = m_dir.filePath(QStringLiteral("texts.attune"));
    project.task = TaskKind::TextClassification;
    project.data.table = table;
    project.data.textColumn = QStringLiteral("text");
    project.data.labelColumn = QStringLiteral("label");
    auto findings = checkDatasetHealth(project);
    QVERIFY2(findings, findings ? "" : qPrintable(findings.error().text()));
    const HealthFinding* across = find(*findings, HealthKind::DuplicateAcrossClasses);
    QVERIFY(across);
    QCOMPARE(across->keys, (QStringList{"texts.csv:5", "texts.csv:26"}));
    const HealthFinding* shortText = find(*findings, HealthKind::ShortText);
    QVERIFY(shortText);
    QCOMPARE(shortText->keys, QStringList{"texts.csv:27"});
    const HealthFinding* unreadable = find(*findings, HealthKind::Unreadable);
    QVERIFY(unreadable);
    QVERIFY(unreadable->files.first().startsWith(QStringLiteral("line 28")));
    QVERIFY(!find(*findings, HealthKind::Imbalance));
    QVERIFY(!find(*findings, HealthKind::SmallClass));
  }
};

QTEST_GUILESS_MAIN(TestDatasetHealth)
#include "test_dataset_health.moc"
