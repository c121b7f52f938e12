#include "ui/ThumbnailCache.h"

#include "core/common/AppFolders.h"
#include "core/data/ImageFile.h"

#include "core/common/AtomicFile.h"
#include "ui/GuiHandOff.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QThread>

#include <system_error>

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
      m_memory(kMemoryThumbnails),
      // Decoding is disk and CPU work; leave a core to the window.
      m_maxWorkers(std::max(1, QThread::idealThreadCount() - 1)) {}

ThumbnailCache::~ThumbnailCache() {
  {
    std::lock_guard lock(m_mutex);
    m_queue.clear();
  }
  waitForDone();
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
  bool spawn = false;
  {
    std::lock_guard lock(m_mutex);
    // The latest request (what the user looks at now) is decoded first.
    m_queue.emplace(++m_nextPriority, Request{path, disk});
    spawn = m_liveWorkers < m_maxWorkers;
    if (spawn) ++m_liveWorkers;
  }
  if (spawn) {
    joinEndedWorkers();
    Worker& worker = m_workers.emplace_back();
    try {
      worker.thread = std::thread([this, &worker] { work(worker); });
    } catch (const std::system_error&) {
      // No thread to be had: the request waits for a worker that runs, or for the next request's.
      m_workers.pop_back();
      std::lock_guard lock(m_mutex);
      --m_liveWorkers;
    }
  }
  return {};
}

void ThumbnailCache::work(Worker& worker) {
  for (;;) {
    Request request;
    {
      std::lock_guard lock(m_mutex);
      if (m_queue.empty()) {
        --m_liveWorkers;
        worker.ended = true;
        return;
      }
      auto newest = std::prev(m_queue.end());
      request = std::move(newest->second);
      m_queue.erase(newest);
    }
    const QImage image = decode(request.path, request.disk, m_size_px);
    m_inbox.post([this, path = request.path, image] { store(path, image); });
  }
}

void ThumbnailCache::joinEndedWorkers() {
  std::vector<std::list<Worker>::iterator> ended;
  {
    std::lock_guard lock(m_mutex);
    for (auto it = m_workers.begin(); it != m_workers.end(); ++it)
      if (it->ended) ended.push_back(it);
  }
  for (auto it : ended) {
    it->thread.join();  // it has returned or is returning
    m_workers.erase(it);
  }
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
  // A worker ends when no request is left, and only this (the GUI) thread adds requests.
  for (Worker& worker : m_workers) worker.thread.join();
  m_workers.clear();
}

}  // namespace attune::ui
