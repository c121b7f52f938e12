#pragma once
// The File > Open Recent menu: the last projects opened or saved, kept in QSettings.

#include <QObject>
#include <QStringList>

class QMenu;

namespace attune::ui {

class RecentProjects : public QObject {
  Q_OBJECT

 public:
  static constexpr int kMaxEntries = 8;

  // Fills `menu` (owned by the caller) and keeps it up to date.
  explicit RecentProjects(QMenu* menu, QObject* parent = nullptr);

  // Puts `path` first (absolute), keeps kMaxEntries, saves the list.
  void add(const QString& path);
  void remove(const QString& path);
  // Most recent first; files that no longer exist are left out.
  QStringList paths() const;
  // Most recent first, also those that no longer exist (the welcome page marks them).
  QStringList storedPaths() const;

 signals:
  void openRequested(const QString& path);
  // The list changed (a project opened, saved or removed).
  void changed();

 private:
  void save(const QStringList& paths);
  void rebuildMenu();

  QMenu* m_menu = nullptr;
};

}  // namespace attune::ui
