// The project's data as Attune reads it for training and evaluation: the image folder or table of
// texts with the label journal applied on top (renamed, merged and deleted classes, labels changed
// or given in Attune), while the user's files stay untouched.

#include "core/dataset/ProjectData.h"
#include "core/eval/Evaluation.h"
#include "core/project/LabelJournal.h"
#include "core/training/RunWriter.h"
#include "core/training/TrainingJob.h"
#include "tests/support/ImageFiles.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;

namespace {

void writeImage(const QString& path, int shade) {
  attune::testing::writeImageFile(path, QColor(shade, 255 - shade, 40));
}

void append(const QString& journalPath, const LabelChange& change) {
  auto journal = LabelJournal::open(journalPath);
  if (!journal) qFatal("%s", qPrintable(journal.error().text()));
  if (auto s = (*journal)->append(change); !s) qFatal("%s", qPrintable(s.error().text()));
}

int labelOf(const ImageFolder& folder, const QString& path) {
  for (const ImageSample& sample : folder.samples)
    if (sample.path == path) return sample.label;
  return -2;  // not there
}

}  // namespace

class TestProjectData : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  Project imageProject(const QString& name) {
    const QString root = m_dir.filePath(name + QStringLiteral("/images"));
    int shade = 0;
    for (const QString& cls : {QStringLiteral("ant"), QStringLiteral("bee"), QStringLiteral("cat")})
      for (int i = 0; i < 4; ++i)
        writeImage(QStringLiteral("%1/%2/%3.png").arg(root, cls).arg(i), shade += 20);
    Project project;
    project.filePath = m_dir.filePath(name + QStringLiteral("/project.attune"));
    project.name = name;
    project.data.folder = root;
    project.config.architecture = QStringLiteral("resnet18");
    project.config.weightsPath.clear();
    return project;
  }

 private Q_SLOTS:
  void keysAreRelativeToTheDataAndNameTheTable() {
    QCOMPARE(imageItemKey(QStringLiteral("/data/images"), QStringLiteral("/data/images/cat/1.png")),
             QStringLiteral("cat/1.png"));
    QCOMPARE(textItemKey(QStringLiteral("/data/reviews.csv"), 12), QStringLiteral("reviews.csv:12"));
  }

  void withoutAJournalTheFolderIsReadAsItIs() {
    const Project project = imageProject(QStringLiteral("plain"));
    auto folder = readProjectImages(project);
    QVERIFY2(folder, folder ? "" : qPrintable(folder.error().text()));
    QCOMPARE(folder->classes, (QStringList{"ant", "bee", "cat"}));
    QCOMPARE(folder->samples.size(), size_t(12));
    QVERIFY(!QFileInfo::exists(LabelJournal::pathFor(project.filePath)));
  }

  void journalChangesApplyToTrainingAndEvaluation() {
    const Project project = imageProject(QStringLiteral("changed"));
    const QString journal = LabelJournal::pathFor(project.filePath);
    const QString root = project.data.folder;
    append(journal, {LabelChange::SetLabel, QStringLiteral("ant/0.png"), QStringLiteral("cat"), {}});
    append(journal, {LabelChange::RenameClass, {}, QStringLiteral("bee"), QStringLiteral("wasp")});
    append(journal, {LabelChange::SetLabel, QStringLiteral("ant/1.png"), QString(), {}});  // taken away

    auto folder = readProjectImages(project);
    QVERIFY2(folder, folder ? "" : qPrintable(folder.error().text()));
    QCOMPARE(folder->classes, (QStringList{"ant", "wasp", "cat"}));
    QCOMPARE(folder->samples.size(), size_t(11));
    QCOMPARE(labelOf(*folder, root + QStringLiteral("/ant/0.png")), 2);
    QCOMPARE(labelOf(*folder, root + QStringLiteral("/ant/1.png")), -2);
    QCOMPARE(labelOf(*folder, root + QStringLiteral("/bee/3.png")), 1);
    QCOMPARE(folder->report.classCounts, (std::vector<int>{2, 4, 5}));
    // The user's files are where they were.
    QVERIFY(QFileInfo::exists(root + QStringLiteral("/ant/0.png")));
    QVERIFY(QFileInfo::exists(root + QStringLiteral("/bee/0.png")));

    auto job = prepareTrainingJob(project);
    QVERIFY2(job, job ? "" : qPrintable(job.error().text()));
    QCOMPARE(job->classes, (QStringList{"ant", "wasp", "cat"}));
    QCOMPARE(job->trainSamples.size() + job->valSamples.size(), size_t(11));

    // Evaluating on the project's own folder uses the same labels and keeps each example's key.
    auto examples =
        examplesFrom(project, root, {QStringLiteral("ant"), QStringLiteral("cat"), QStringLiteral("wasp")});
    QVERIFY2(examples, examples ? "" : qPrintable(examples.error().text()));
    QCOMPARE(examples->keys.size(), examples->items.size());
    const qsizetype moved = examples->keys.indexOf(QStringLiteral("ant/0.png"));
    QVERIFY(moved >= 0);
    QCOMPARE(examples->labels[size_t(moved)], 1);  // "cat" in the run's classes
    QCOMPARE(examples->items[moved], root + QStringLiteral("/ant/0.png"));

    // Another folder with the same classes is evaluated by its own labels, without keys.
    const QString other = m_dir.filePath(QStringLiteral("other"));
    for (const QString& cls : {QStringLiteral("ant"), QStringLiteral("cat")})
      for (int i = 0; i < 2; ++i) writeImage(QStringLiteral("%1/%2/%3.png").arg(other, cls).arg(i), 90);
    auto others = examplesFrom(project, other, {QStringLiteral("ant"), QStringLiteral("cat")});
    QVERIFY(others);
    QVERIFY(others->keys.isEmpty());
    QCOMPARE(others->items.size(), qsizetype(4));
  }

  // Evaluating an older run on its validation split says so when the project's data changed since it
  // trained (here a label made in Attune), because the split is then today's, not the run's.
  void evaluatingAfterTheDataChangedSaysSo() {
    const Project project = imageProject(QStringLiteral("versioned"));
    auto job = prepareTrainingJob(project);
    QVERIFY2(job, job ? "" : qPrintable(job.error().text()));
    auto writer = RunWriter::create(project.runsDirectory());
    QVERIFY(writer);
    QVERIFY((*writer)->writeConfig(*job, QStringLiteral("cpu"), 1));
    const QString run = (*writer)->directory();
    const auto changedNote = [](const LabelledExamples& examples) {
      return examples.notes.filter(QStringLiteral("data changed since run")).size();
    };
    auto before = validationExamplesOf(project, run, job->classes);
    QVERIFY2(before, before ? "" : qPrintable(before.error().text()));
    QCOMPARE(changedNote(*before), 0);

    append(LabelJournal::pathFor(project.filePath),
           {LabelChange::SetLabel, QStringLiteral("ant/0.png"), QStringLiteral("cat"), {}});
    auto after = validationExamplesOf(project, run, job->classes);
    QVERIFY2(after, after ? "" : qPrintable(after.error().text()));
    QCOMPARE(changedNote(*after), 1);
    QVERIFY(after->notes.filter(QStringLiteral("Train again")).size() == 1);
  }

  // Images without a class (an "unsorted" folder, the top of the folder) are labelled in Attune and
  // then train with their class; an image whose label is taken away joins them.
  void unlabelledImagesLabelledInAttuneJoinTraining() {
    const Project project = imageProject(QStringLiteral("pooled"));
    const QString root = project.data.folder;
    for (int i = 0; i < 3; ++i) writeImage(QStringLiteral("%1/unsorted/u%2.png").arg(root).arg(i), 7 * i);
    writeImage(root + QStringLiteral("/loose.png"), 99);
    auto pool = readProjectImagePool(project);
    QVERIFY2(pool, pool ? "" : qPrintable(pool.error().text()));
    QCOMPARE(pool->unlabelled.size(), size_t(4));
    QCOMPARE(pool->samples.size(), size_t(12));

    const QString journal = LabelJournal::pathFor(project.filePath);
    append(journal, {LabelChange::SetLabel, QStringLiteral("unsorted/u0.png"), QStringLiteral("bee"), {}});
    append(journal, {LabelChange::SetLabel, QStringLiteral("loose.png"), QStringLiteral("ant"), {}});
    append(journal, {LabelChange::SetLabel, QStringLiteral("cat/0.png"), QString(), {}});
    auto folder = readProjectImages(project);
    QVERIFY2(folder, folder ? "" : qPrintable(folder.error().text()));
    QCOMPARE(folder->samples.size(), size_t(13));
    QCOMPARE(labelOf(*folder, root + QStringLiteral("/unsorted/u0.png")), 1);
    QCOMPARE(labelOf(*folder, root + QStringLiteral("/loose.png")), 0);
    QCOMPARE(labelOf(*folder, root + QStringLiteral("/cat/0.png")), -2);
    QCOMPARE(folder->unlabelled.size(), size_t(3));
    QCOMPARE(folder->report.unlabelled, 3);
    QCOMPARE(folder->report.classCounts, (std::vector<int>{5, 5, 3}));
    auto job = prepareTrainingJob(project);
    QVERIFY2(job, job ? "" : qPrintable(job.error().text()));
    QCOMPARE(job->trainSamples.size() + job->valSamples.size(), size_t(13));
  }

  void aClassLeftWithOneImageIsAClearError() {
    const Project project = imageProject(QStringLiteral("emptied"));
    const QString journal = LabelJournal::pathFor(project.filePath);
    for (int i = 0; i < 3; ++i)
      append(journal,
             {LabelChange::SetLabel, QStringLiteral("ant/%1.png").arg(i), QStringLiteral("bee"), {}});
    auto folder = readProjectImages(project);
    QVERIFY(!folder);
    QVERIFY2(folder.error().message.contains(QLatin1String("'ant'")), qPrintable(folder.error().text()));
    QVERIFY(!folder.error().hint.isEmpty());
    // Deleting the class instead leaves two classes to train on.
    append(journal, {LabelChange::DeleteClass, {}, QStringLiteral("ant"), {}});
    folder = readProjectImages(project);
    QVERIFY2(folder, folder ? "" : qPrintable(folder.error().text()));
    QCOMPARE(folder->classes, (QStringList{"bee", "cat"}));
    QCOMPARE(folder->report.classCounts, (std::vector<int>{7, 4}));
  }

  void textsLabelledInAttuneJoinTheLabelledOnes() {
    const QString table = m_dir.filePath(QStringLiteral("texts/reviews.csv"));
    QDir().mkpath(QFileInfo(table).absolutePath());
    QFile file(table);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "text,label\n"
        "great film,pos\n"
        "awful film,neg\n"
        "loved it,neg\n"
        "no label yet,\n"
        "fine,pos\n");
    file.close();
    Project project;
    project.task = TaskKind::TextClassification;
    project.filePath = m_dir.filePath(QStringLiteral("texts/reviews.attune"));
    project.data.table = table;
    project.data.textColumn = QStringLiteral("text");
    project.data.labelColumn = QStringLiteral("label");

    auto plain = readProjectTexts(project);
    QVERIFY(plain);
    QCOMPARE(plain->labelled.size(), size_t(4));
    QCOMPARE(plain->unlabelled.size(), size_t(1));
    int loved = -1, unlabelled = -1;
    for (const TextSample& s : plain->labelled)
      if (s.text == QLatin1String("loved it")) loved = s.line;
    unlabelled = plain->unlabelled.front().line;

    const QString journal = LabelJournal::pathFor(project.filePath);
    append(journal, {LabelChange::SetLabel, textItemKey(table, loved), QStringLiteral("pos"), {}});
    append(journal, {LabelChange::SetLabel, textItemKey(table, unlabelled), QStringLiteral("neutral"), {}});
    auto texts = readProjectTexts(project);
    QVERIFY2(texts, texts ? "" : qPrintable(texts.error().text()));
    QCOMPARE(texts->classes, (QStringList{"neg", "pos", "neutral"}));
    QCOMPARE(texts->labelled.size(), size_t(5));
    QVERIFY(texts->unlabelled.empty());
    for (size_t i = 1; i < texts->labelled.size(); ++i)
      QVERIFY(texts->labelled[i - 1].line < texts->labelled[i].line);  // file order kept
    QCOMPARE(texts->classCounts(), (std::vector<int>{1, 3, 1}));
    // The table is as the user wrote it.
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("loved it,neg\n"));
  }

  void aDamagedJournalIsNamedNotIgnored() {
    const Project project = imageProject(QStringLiteral("newer"));
    QFile file(LabelJournal::pathFor(project.filePath));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"attune_label_journal\": 999}\n");
    file.close();
    auto folder = readProjectImages(project);
    if (folder) QFAIL("a journal from a newer Attune was read");
    QVERIFY(!folder.error().hint.isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestProjectData)
#include "test_project_data.moc"
