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
#include <QThreadPool>

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
  QThreadPool m_pool;
  int m_nextPriority = 0;
};

}  // namespace attune::ui
