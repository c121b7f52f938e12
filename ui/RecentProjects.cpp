#include "ui/RecentProjects.h"

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace attune::ui {
namespace {

const QString kSettingsKey = QStringLiteral("recentProjects");

}  // namespace

RecentProjects::RecentProjects(QMenu* menu, QObject* parent) : QObject(parent), m_menu(menu) {
  rebuildMenu();
}

QStringList RecentProjects::storedPaths() const {
  return QSettings().value(kSettingsKey).toStringList();
}

QStringList RecentProjects::paths() const {
  QStringList existing;
  for (const QString& path : storedPaths())
    if (QFileInfo::exists(path)) existing << path;
  return existing;
}

void RecentProjects::add(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList list = paths();
  list.removeAll(absolute);
  list.prepend(absolute);
  save(list.mid(0, kMaxEntries));
}

void RecentProjects::remove(const QString& path) {
  QStringList list = paths();
  list.removeAll(QFileInfo(path).absoluteFilePath());
  save(list);
}

void RecentProjects::save(const QStringList& paths) {
  QSettings().setValue(kSettingsKey, paths);
  rebuildMenu();
  emit changed();
}

void RecentProjects::rebuildMenu() {
  m_menu->clear();
  const QStringList list = paths();
  for (qsizetype i = 0; i < list.size(); ++i) {
    const QString& path = list[i];
    // "&1 name" gives keyboard access; the full path is in the status tip.
    QAction* action = m_menu->addAction(tr("&%1 %2").arg(i + 1).arg(QFileInfo(path).completeBaseName()));
    action->setStatusTip(QDir::toNativeSeparators(path));
    action->setToolTip(QDir::toNativeSeparators(path));
    connect(action, &QAction::triggered, this, [this, path] { emit openRequested(path); });
  }
  if (list.isEmpty()) {
    m_menu->addAction(tr("No recent projects"))->setEnabled(false);
    return;
  }
  m_menu->addSeparator();
  connect(m_menu->addAction(tr("Clear List")), &QAction::triggered, this, [this] { save({}); });
}

}  // namespace attune::ui
