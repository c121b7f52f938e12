// The welcome page (issue 21): shown when Attune starts without a project, with the recent projects
// (a missing one marked and not openable), and every way to begin working: the demo, a new image or
// text project, opening one. Each button leads to the project's views.

#include "core/project/ProjectFile.h"
#include "ui/FileDialogHook.h"
#include "ui/MainWindow.h"
#include "ui/WelcomePage.h"

#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace attune;
using namespace attune::ui;

class TestWelcomePage : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  QString makeProject(const QString& name, TaskKind task) {
    Project project;
    project.name = name;
    project.task = task;
    const QString path = m_dir.filePath(name + QStringLiteral(".attune"));
    return ProjectFile::save(project, path).ok() ? path : QString();
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("AttuneTest"));
    QCoreApplication::setApplicationName(QStringLiteral("test_welcome_page"));
  }
  void init() { QSettings().clear(); }
  void cleanup() { FileDialogHook::setTestHandler({}); }

  void listsRecentProjectsAndMarksMissingOnes() {
    const QString here = makeProject(QStringLiteral("birds"), TaskKind::ImageClassification);
    QVERIFY(!here.isEmpty());
    const QString gone = m_dir.filePath(QStringLiteral("moved-away.attune"));
    QSettings().setValue(QStringLiteral("recentProjects"), QStringList{here, gone});
    MainWindow window;
    window.showWelcome();
    window.show();
    QVERIFY(window.isShowingWelcome());
    auto* list = window.findChild<QListWidget*>(QStringLiteral("welcomeRecent"));
    QVERIFY(list && list->isVisible());
    QCOMPARE(list->count(), 2);
    QVERIFY(list->item(0)->text().startsWith(QStringLiteral("birds\n")));
    QVERIFY(list->item(0)->flags() & Qt::ItemIsEnabled);
    QVERIFY(list->item(1)->text().contains(QStringLiteral("(missing)")));
    QVERIFY(!(list->item(1)->flags() & Qt::ItemIsEnabled));
    // Activating the existing one opens it.
    emit list->itemActivated(list->item(0));
    QVERIFY(!window.isShowingWelcome());
    QCOMPARE(window.project().name, QStringLiteral("birds"));
  }

  void everyWayToBeginHasASentence() {
    MainWindow window;
    window.showWelcome();
    window.show();
    for (const char* name : {"welcomeOpenDemo", "welcomeNewImage", "welcomeNewText", "welcomeOpen"}) {
      auto* button = window.findChild<QPushButton*>(QLatin1String(name));
      QVERIFY2(button && button->isVisible(), name);
      // The sentence beside it: a label in the same row that says something.
      bool explained = false;
      for (QLabel* label : button->parentWidget()->findChildren<QLabel*>())
        if (label->isVisible() && std::abs(label->y() - button->y()) < button->height() &&
            label->text().size() > 20)
          explained = true;
      QVERIFY2(explained, name);
    }
  }

  void newTextProjectLeadsToTheProject() {
    const QString path = m_dir.filePath(QStringLiteral("reviews.attune"));
    FileDialogHook::setTestHandler([&](const QString&) { return path; });
    MainWindow window;
    window.showWelcome();
    window.show();
    window.findChild<QPushButton*>(QStringLiteral("welcomeNewText"))->click();
    QVERIFY(!window.isShowingWelcome());
    QVERIFY(window.project().task == TaskKind::TextClassification);
    QVERIFY(QFileInfo::exists(path));
  }

  void theDemoOpensWhenThereIsOne() {
    const QString demo = makeProject(QStringLiteral("demo"), TaskKind::ImageClassification);
    qputenv("ATTUNE_DEMO", demo.toUtf8());
    MainWindow window;
    window.showWelcome();
    window.show();
    auto* button = window.findChild<QPushButton*>(QStringLiteral("welcomeOpenDemo"));
    QVERIFY(button->isEnabled());
    button->click();
    QVERIFY(!window.isShowingWelcome());
    QCOMPARE(window.project().filePath, QFileInfo(demo).absoluteFilePath());
    // Without one, the button is off and its sentence says how to make one.
    qputenv("ATTUNE_DEMO", m_dir.filePath(QStringLiteral("none.attune")).toUtf8());
    QCOMPARE(WelcomePage::findDemoProject().isEmpty(),
             !QFileInfo::exists(QCoreApplication::applicationDirPath() +
                                QStringLiteral("/../../demo/fashion/fashion.attune")));
    qunsetenv("ATTUNE_DEMO");
  }
};

QTEST_MAIN(TestWelcomePage)
#include "test_welcome_page.moc"
