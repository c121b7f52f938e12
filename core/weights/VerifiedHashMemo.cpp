#include "core/weights/VerifiedHashMemo.h"

#include "core/common/AtomicFile.h"
#include "core/weights/FileSha256.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace attune {

namespace {

constexpr int kFormatVersion = 1;
constexpr qint64 kMaxMemoBytes = qint64(16) << 20;  // far above any real memo; refuses a hostile one

bool isSha256Hex(const QString& text) {
  static const QRegularExpression pattern(QStringLiteral("^[0-9a-f]{64}$"));
  return pattern.match(text).hasMatch();
}

}  // namespace

VerifiedHashMemo::VerifiedHashMemo(QString memoPath) : m_memoPath(std::move(memoPath)) {}

void VerifiedHashMemo::load() {
  m_loaded = true;
  QFile file(m_memoPath);
  if (file.size() > kMaxMemoBytes || !file.open(QIODevice::ReadOnly)) return;
  const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
  if (root.value(QStringLiteral("format_version")).toInt() != kFormatVersion) return;
  const QJsonObject files = root.value(QStringLiteral("files")).toObject();
  for (auto it = files.begin(); it != files.end(); ++it) {
    const QJsonObject item = it.value().toObject();
    Entry entry{item.value(QStringLiteral("size")).toInteger(-1),
                item.value(QStringLiteral("mtime_ms")).toInteger(-1),
                item.value(QStringLiteral("sha256")).toString()};
    if (entry.size_bytes >= 0 && isSha256Hex(entry.sha256)) m_entries.insert(it.key(), entry);
  }
}

void VerifiedHashMemo::save() const {
  QJsonObject files;
  for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
    if (!QFileInfo::exists(it.key())) continue;  // forget deleted files, so the memo stays small
    files.insert(it.key(), QJsonObject{{QStringLiteral("size"), it->size_bytes},
                                       {QStringLiteral("mtime_ms"), it->mtime_ms},
                                       {QStringLiteral("sha256"), it->sha256}});
  }
  const QJsonObject root{{QStringLiteral("format_version"), kFormatVersion},
                         {QStringLiteral("files"), files}};
  QDir().mkpath(QFileInfo(m_memoPath).absolutePath());
  // A memo that cannot be saved only costs a hash computation next time: nothing to report.
  (void)AtomicFile::writeFile(m_memoPath, QJsonDocument(root).toJson(QJsonDocument::Indented));
}

void VerifiedHashMemo::remember(const QString& filePath, const QString& sha256) {
  if (!m_loaded) load();
  const QFileInfo info(filePath);
  if (!info.isFile() || !isSha256Hex(sha256)) return;
  m_entries.insert(info.absoluteFilePath(),
                   Entry{info.size(), info.lastModified().toMSecsSinceEpoch(), sha256});
  save();
}

Result<QString> VerifiedHashMemo::sha256(const QString& filePath) {
  if (!m_loaded) load();
  const QFileInfo info(filePath);
  const QString key = info.absoluteFilePath();
  const qint64 size_bytes = info.size();
  const qint64 mtime_ms = info.lastModified().toMSecsSinceEpoch();
  if (const auto it = m_entries.constFind(key);
      it != m_entries.constEnd() && it->size_bytes == size_bytes && it->mtime_ms == mtime_ms)
    return it->sha256;
  Result<QString> hash = sha256OfFile(filePath);
  if (!hash.ok()) return hash;
  ++m_hashedFileCount;
  m_entries.insert(key, Entry{size_bytes, mtime_ms, *hash});
  save();
  return hash;
}

}  // namespace attune
