#include "ui/ThumbnailCache.h"

#include "core/common/AppFolders.h"
#include "core/data/ImageFile.h"

#include "core/common/AtomicFile.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QRunnable>

namespace attune::ui {
namespace {

// Thumbnails kept in memory: at 128 px about 64 KiB each, so about 250 MiB at most.
constexpr int kMemoryThumbnails = 4000;

// Reads the image at `path` scaled to fit `size_px` (decoding at the smaller size where the format
// allows), or from the disk copy when there is one, and writes that copy.
QImage decode(const QString& path, const QString& diskPath, int size_px) {
  if (!diskPath.isEmpty()) {
    QImage kept(diskPath);
    if (!kept.isNull()) return kept;
  }
  ImageFile file(path);
  QImageReader& reader = file.reader();
  reader.setAutoTransform(true);
  const QSize full = reader.size();
  if (full.isValid() && !full.isEmpty())
    reader.setScaledSize(full.scaled(size_px, size_px, Qt::KeepAspectRatio).expandedTo({1, 1}));
  QImage image = reader.read();
  if (image.isNull()) return {};
  if (image.width() > size_px || image.height() > size_px)
    image = image.scaled(size_px, size_px, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  if (!diskPath.isEmpty()) {
    QDir().mkpath(QFileInfo(diskPath).absolutePath());
    AtomicFile file(diskPath);
    // A thumbnail that cannot be kept is decoded again next time; nothing else depends on it.
    if (file.open() && image.save(&file, "PNG")) (void)file.commit();
  }
  return image;
}

}  // namespace

ThumbnailCache::ThumbnailCache(QString diskDirectory, int size_px, QObject* parent)
    : QObject(parent),
      m_directory(std::move(diskDirectory)),
      m_size_px(size_px),
      m_memory(kMemoryThumbnails) {
  // Decoding is disk and CPU work; leave a core to the window.
  m_pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
}

ThumbnailCache::~ThumbnailCache() {
  m_pool.clear();
  m_pool.waitForDone();
}

QString ThumbnailCache::defaultDirectory() {
  return QDir(attuneCacheFolder()).filePath(QStringLiteral("thumbnails"));
}

QString ThumbnailCache::diskPath(const QString& path) const {
  if (m_directory.isEmpty()) return {};
  const QFileInfo info(path);
  QCryptographicHash hash(QCryptographicHash::Sha1);
  hash.addData(info.absoluteFilePath().toUtf8());
  hash.addData(QByteArray::number(info.size()));
  hash.addData(QByteArray::number(info.lastModified().toMSecsSinceEpoch()));
  hash.addData(QByteArray::number(m_size_px));
  const QString name = QString::fromLatin1(hash.result().toHex());
  return QDir(m_directory).filePath(name.left(2) + QLatin1Char('/') + name + QStringLiteral(".png"));
}

QImage ThumbnailCache::thumbnail(const QString& path) {
  if (const QImage* image = m_memory.object(path)) return *image;
  if (m_pending.contains(path) || m_failed.contains(path)) return {};
  m_pending.insert(path);
  const QString disk = diskPath(path);
  const int size = m_size_px;
  // The latest request (what the user looks at now) is decoded first.
  m_pool.start(QRunnable::create([this, path, disk, size] {
                 const QImage image = decode(path, disk, size);
                 QMetaObject::invokeMethod(
                     this, [this, path, image] { store(path, image); }, Qt::QueuedConnection);
               }),
               ++m_nextPriority);
  return {};
}

void ThumbnailCache::store(const QString& path, const QImage& image) {
  m_pending.remove(path);
  if (image.isNull())
    m_failed.insert(path);
  else
    m_memory.insert(path, new QImage(image), 1);
  emit thumbnailReady(path);
}

void ThumbnailCache::waitForDone() {
  m_pool.waitForDone();
}

}  // namespace attune::ui
