// The window's Data Health tab and Classes menu from the command line (issue 21, item 7):
// `attune-cli health` lists the findings with their ids and fixes (text and JSON), --fix applies one
// or all as the tab's buttons do; `labels --add-class / --rename-class / --delete-class` change the
// classes through the journal as the Label tab does, a rename onto an existing class being a merge;
// `runs` lists the runs and --compare gives the settings in which two differ, as the Runs tab does.

#include "../training/TinyDataset.h"
#include "CliRunner.h"
#include "core/dataset/ProjectData.h"
#include "core/project/ProjectFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using namespace attune::testing;

class TestCliHealthClasses : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString m_project;

  // The project's classes and how many images each has, as training would see them.
  QMap<QString, int> classCounts() {
    auto project = ProjectFile::load(m_project);
    if (!project) return {};
    auto images = readProjectImagePool(*project);
    if (!images) return {};
    QMap<QString, int> counts;
    for (int i = 0; i < images->report.classes.size(); ++i)
      counts[images->report.classes[i]] = images->report.classCounts[size_t(i)];
    return counts;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString images = m_dir.filePath(QStringLiteral("images"));
    writeTinyDataset(images, 3, 12);
    // One image copied into another class: a duplicate with two labels.
    QVERIFY(
        QFile::copy(images + QStringLiteral("/class_0/0.png"), images + QStringLiteral("/class_1/copy.png")));
    m_project = m_dir.filePath(QStringLiteral("p.attune"));
    const auto created = runCli({QStringLiteral("new"), m_project, QStringLiteral("--task"),
                                 QStringLiteral("image"), QStringLiteral("--data"), images});
    QVERIFY2(created.exitCode == 0, created.err.constData());
  }

  void healthListsFindingsAndFixesThem() {
    const auto listed = runCli({QStringLiteral("health"), m_project, QStringLiteral("--json")});
    QVERIFY2(listed.exitCode == 0, listed.err.constData());
    QString duplicate;
    for (const auto& line : jsonLines(listed.out))
      if (line.value("kind", "") == "duplicate_across_classes") {
        duplicate = QString::fromStdString(line["id"].get<std::string>());
        QCOMPARE(line["items"].size(), size_t(2));
        QCOMPARE(line["fix"].get<std::string>(), std::string("remove_labels"));
      }
    QVERIFY2(!duplicate.isEmpty(), listed.out.constData());
    const auto text = runCli({QStringLiteral("health"), m_project});
    QVERIFY(text.out.contains((QStringLiteral("[") + duplicate + QStringLiteral("]")).toUtf8()));
    QVERIFY(text.out.contains(QByteArray(QByteArray("--fix ") + duplicate.toUtf8())));

    const int before = classCounts().value(QStringLiteral("class_1"));
    const auto fixed = runCli({QStringLiteral("health"), m_project, QStringLiteral("--fix"), duplicate});
    QVERIFY2(fixed.exitCode == 0, fixed.err.constData());
    QVERIFY(fixed.out.contains("2 labels changed"));
    // Both copies lost their label: one image fewer in each of the two classes.
    QCOMPARE(classCounts().value(QStringLiteral("class_1")), before - 1);
    const auto again = runCli({QStringLiteral("health"), m_project, QStringLiteral("--json")});
    for (const auto& line : jsonLines(again.out))
      QVERIFY(line.value("kind", "") != "duplicate_across_classes");

    const auto unknown =
        runCli({QStringLiteral("health"), m_project, QStringLiteral("--fix"), QStringLiteral("nope")});
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY(unknown.err.contains("No finding with id 'nope'"));
  }

  void runsAreListedAndCompared() {
    for (const QString& rate : {QStringLiteral("0.001"), QStringLiteral("0.01")}) {
      const auto trained =
          runCli({QStringLiteral("train"), m_project, QStringLiteral("--set"), QStringLiteral("epochs=1"),
                  QStringLiteral("--set"), QStringLiteral("batch_size=8"), QStringLiteral("--set"),
                  QStringLiteral("optim.lr_head=") + rate});
      QVERIFY2(trained.exitCode == 0, trained.err.constData());
      QTest::qWait(1100);  // run ids are made of the start time, to the second
    }
    const auto listed = runCli({QStringLiteral("runs"), m_project, QStringLiteral("--json")});
    QVERIFY2(listed.exitCode == 0, listed.err.constData());
    QStringList ids;
    for (const auto& line : jsonLines(listed.out))
      if (line["event"] == "run") {
        ids << QString::fromStdString(line["id"].get<std::string>());
        QCOMPARE(line["epochs"].get<int>(), 1);
        QVERIFY(line["best_val_accuracy"].get<double>() > 0.0);
      }
    QCOMPARE(ids.size(), 2);
    QVERIFY(ids[0] > ids[1]);  // newest first
    const auto compared =
        runCli({QStringLiteral("runs"), m_project, QStringLiteral("--compare"), ids[1], ids[0]});
    QVERIFY2(compared.exitCode == 0, compared.err.constData());
    QCOMPARE(compared.out.trimmed(), QByteArray("optim.lr_head: 0.001 -> 0.01"));
    QCOMPARE(runCli({QStringLiteral("runs"), m_project, QStringLiteral("--compare"), ids[0]}).exitCode, 2);
    const auto missing = runCli(
        {QStringLiteral("runs"), m_project, QStringLiteral("--compare"), ids[0], QStringLiteral("nope")});
    QCOMPARE(missing.exitCode, 1);
    // Only folders under runs/ are runs.
    const auto outside = runCli({QStringLiteral("runs"), m_project, QStringLiteral("--compare"), ids[0],
                                 QStringLiteral("../runs/") + ids[1]});
    QCOMPARE(outside.exitCode, 1);
    QVERIFY2(outside.err.contains("is not a run id"), outside.err.constData());
  }

  // eval --mistakes --relabel: every listed example gets the model's class in the journal.
  void likelyMistakesAreRelabelled() {
    const auto usage =
        runCli({QStringLiteral("eval"), m_project, QStringLiteral("--relabel"), QStringLiteral("all")});
    QCOMPARE(usage.exitCode, 2);  // --relabel only with --mistakes
    const auto relabelled =
        runCli({QStringLiteral("eval"), m_project, QStringLiteral("--mistakes"), QStringLiteral("--relabel"),
                QStringLiteral("all"), QStringLiteral("--json")});
    QVERIFY2(relabelled.exitCode == 0, relabelled.err.constData());
    QMap<QString, QString> suggested;  // item -> the model's class
    int count = -1;
    for (const auto& line : jsonLines(relabelled.out)) {
      if (line["event"] == "mistake")
        suggested[QString::fromStdString(line["item"].get<std::string>())] =
            QString::fromStdString(line["suggested"].get<std::string>());
      if (line["event"] == "relabelled") count = line["count"].get<int>();
    }
    QCOMPARE(count, int(suggested.size()));
    auto project = ProjectFile::load(m_project);
    QVERIFY(project.ok());
    auto images = readProjectImagePool(*project);
    QVERIFY(images.ok());
    for (const ImageSample& sample : images->samples) {
      const auto it = suggested.constFind(sample.path);
      if (it != suggested.constEnd()) QCOMPARE(images->classes.value(sample.label), *it);
    }
  }

  void classesAreRenamedMergedAndDeleted() {
    auto run = [&](const QString& option, const QString& value) {
      return runCli({QStringLiteral("labels"), m_project, option, value});
    };
    auto renamed = run(QStringLiteral("--rename-class"), QStringLiteral("class_0=red"));
    QVERIFY2(renamed.exitCode == 0, renamed.err.constData());
    QVERIFY(renamed.out.contains("Renamed class 'class_0' to 'red'"));
    QMap<QString, int> counts = classCounts();
    QVERIFY(counts.contains(QStringLiteral("red")) && !counts.contains(QStringLiteral("class_0")));
    const int red = counts.value(QStringLiteral("red")), blue = counts.value(QStringLiteral("class_1"));

    auto merged = run(QStringLiteral("--rename-class"), QStringLiteral("class_1=red"));
    QVERIFY2(merged.exitCode == 0, merged.err.constData());
    QVERIFY(merged.out.contains("Merged class 'class_1' into 'red'"));
    counts = classCounts();
    QCOMPARE(counts.value(QStringLiteral("red")), red + blue);
    QVERIFY(!counts.contains(QStringLiteral("class_1")));

    auto deleted = run(QStringLiteral("--delete-class"), QStringLiteral("class_2"));
    QVERIFY2(deleted.exitCode == 0, deleted.err.constData());
    QVERIFY(!classCounts().contains(QStringLiteral("class_2")));

    auto added = run(QStringLiteral("--add-class"), QStringLiteral("green"));
    QVERIFY2(added.exitCode == 0, added.err.constData());
    // Refused, with what to do: an unknown class, a name in use, OLD=NEW missing.
    auto unknown = run(QStringLiteral("--delete-class"), QStringLiteral("purple"));
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("There is no class 'purple'") && unknown.err.contains("red"),
             unknown.err.constData());
    QCOMPARE(run(QStringLiteral("--add-class"), QStringLiteral("red")).exitCode, 1);
    QCOMPARE(run(QStringLiteral("--rename-class"), QStringLiteral("red")).exitCode, 2);
  }
};

QTEST_GUILESS_MAIN(TestCliHealthClasses)
#include "test_cli_health_classes.moc"
