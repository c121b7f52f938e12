#pragma once
// What the window shows when Attune starts without a project: the recent projects (those that are
// gone marked as such), and the ways to begin, each with one sentence: open the demo, a new image
// project, a new text project, open a project file.

#include <QStringList>
#include <QWidget>

class QListWidget;
class QPushButton;
class QLabel;

namespace attune::ui {

class WelcomePage : public QWidget {
  Q_OBJECT

 public:
  explicit WelcomePage(QWidget* parent = nullptr);

  // The recent projects, most recent first; those whose file is gone are shown as missing.
  void setRecentProjects(const QStringList& paths);
  // The demo project's file (empty: none here, and the button says how to make one).
  void setDemoProject(const QString& path);

  // The demo's project file: $ATTUNE_DEMO when set, else demo/fashion/fashion.attune of the source
  // tree the program was built in (installer/setup.sh --demo makes it), else the one a package
  // installs under /usr/share/attune; empty when none exists.
  static QString findDemoProject();

 Q_SIGNALS:
  void openDemoRequested(const QString& path);
  void newImageProjectRequested();
  void newTextProjectRequested();
  void openProjectRequested();
  void openRecentRequested(const QString& path);

 private:
  QListWidget* m_recent = nullptr;
  QLabel* m_noRecent = nullptr;
  QPushButton* m_demoButton = nullptr;
  QLabel* m_demoText = nullptr;
  QString m_demoPath;
};

}  // namespace attune::ui
