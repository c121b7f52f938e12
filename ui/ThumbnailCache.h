#pragma once
// Small previews of images for the labelling grid: decoded on worker threads (only what the grid asks
// for, newest request first), kept in memory for the images seen last, and kept on disk so that a
// folder opened again shows at once. A thumbnail on disk is named by a hash of the image's path,
// size and modification time, so a changed image gets a new one.

#include <QCache>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QString>

#include "ui/GuiHandOff.h"

#include <list>
#include <map>
#include <mutex>
#include <thread>

namespace attune::ui {

class ThumbnailCache : public QObject {
  Q_OBJECT

 public:
  // `diskDirectory`: where thumbnails are kept between sessions (empty: memory only); `size_px`: the
  // longer side of a thumbnail.
  ThumbnailCache(QString diskDirectory, int size_px, QObject* parent = nullptr);
  // Waits for the decodes under way.
  ~ThumbnailCache() override;

  // The thumbnail of the image at `path` when it is ready; otherwise a null image, and its decoding
  // is queued (once) with thumbnailReady(path) to follow.
  QImage thumbnail(const QString& path);
  int size() const { return m_size_px; }
  // The file a thumbnail of `path` is kept in (empty without a disk directory).
  QString diskPath(const QString& path) const;
  // The folder Attune keeps thumbnails in for this user.
  static QString defaultDirectory();
  // Waits until every queued decode has finished (tests and benchmarks).
  void waitForDone();

 Q_SIGNALS:
  // The thumbnail of `path` is ready (a null image stays null: the file could not be decoded; the
  // grid then shows its name only).
  void thumbnailReady(const QString& path);

 private:
  void store(const QString& path, const QImage& image);

  QString m_directory;
  int m_size_px;
  QCache<QString, QImage> m_memory;
  QSet<QString> m_pending;
  QSet<QString> m_failed;
  // Decoding: requests wait in m_queue (guarded by m_mutex, with m_liveWorkers and each worker's
  // `ended`); up to m_maxWorkers std::threads take the newest until none is left, then end. Their
  // results come back through m_inbox (GuiHandOff.h), so ThreadSanitizer can follow the hand-over.
  struct Request {
    QString path;
    QString disk;
  };
  struct Worker {
    std::thread thread;
    bool ended = false;
  };
  void work(Worker& worker);
  // Joins the workers that ended (GUI thread).
  void joinEndedWorkers();

  std::mutex m_mutex;
  std::map<int, Request> m_queue;  // by priority: the newest request last
  int m_liveWorkers = 0;
  const int m_maxWorkers;
  std::list<Worker> m_workers;  // only the GUI thread adds, joins and removes
  HandOffInbox m_inbox;
  int m_nextPriority = 0;
};

}  // namespace attune::ui
