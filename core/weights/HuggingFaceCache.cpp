#include "core/weights/HuggingFaceCache.h"

#include "core/common/AppFolders.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace attune {

namespace {

constexpr qint64 kMaxRefBytes = 256;  // a ref file holds one 40-character hash

bool isCommitHash(const QString& text) {
  static const QRegularExpression pattern(QStringLiteral("^[0-9a-f]{40}$"));
  return pattern.match(text).hasMatch();
}

// Relative, slash-separated, without empty, "." or ".." parts: cannot leave the folder it is joined to.
bool isSafeRelativePath(const QString& path) {
  if (path.isEmpty() || path.contains(u'\\') || path.contains(QChar(0))) return false;
  for (const QString& part : path.split(u'/'))
    if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String("..")) return false;
  return true;
}

}  // namespace

HuggingFaceCache::HuggingFaceCache(QString root) : m_root(std::move(root)) {}

QString HuggingFaceCache::defaultRoot() {
  if (const QString hub_cache = envPath("HF_HUB_CACHE"); !hub_cache.isEmpty()) return hub_cache;
  if (const QString home = envPath("HF_HOME"); !home.isEmpty()) return home + QStringLiteral("/hub");
  return userCacheHome() + QStringLiteral("/huggingface/hub");
}

QString HuggingFaceCache::repoFolderName(const QString& repo) {
  const QStringList parts = repo.split(u'/');
  if (parts.size() > 2 || !isSafeRelativePath(repo)) return {};
  return QStringLiteral("models--") + parts.join(QStringLiteral("--"));
}

std::optional<QString> HuggingFaceCache::resolveCommit(const QString& repo, const QString& revision) const {
  const QString folder = repoFolderName(repo);
  const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
  if (folder.isEmpty() || !isSafeRelativePath(rev)) return std::nullopt;
  const QString repo_dir = m_root + u'/' + folder;
  QFile ref(repo_dir + QStringLiteral("/refs/") + rev);
  if (ref.open(QIODevice::ReadOnly)) {
    const QString commit = QString::fromLatin1(ref.read(kMaxRefBytes)).trimmed();
    if (isCommitHash(commit)) return commit;
    return std::nullopt;  // a damaged ref names nothing we can trust
  }
  if (isCommitHash(rev) && QFileInfo(repo_dir + QStringLiteral("/snapshots/") + rev).isDir()) return rev;
  return std::nullopt;
}

std::optional<QString> HuggingFaceCache::snapshotPath(const QString& repo, const QString& revision,
                                                      const QString& path) const {
  if (!find(repo, revision, path)) return std::nullopt;
  const auto commit = resolveCommit(repo, revision);
  return m_root + u'/' + repoFolderName(repo) + QStringLiteral("/snapshots/") + *commit + u'/' + path;
}

std::optional<QString> HuggingFaceCache::find(const QString& repo, const QString& revision,
                                              const QString& path) const {
  if (!isSafeRelativePath(path)) return std::nullopt;
  const auto commit = resolveCommit(repo, revision);
  if (!commit) return std::nullopt;
  const QFileInfo snapshot(m_root + u'/' + repoFolderName(repo) + QStringLiteral("/snapshots/") + *commit +
                           u'/' + path);
  // A dangling symlink (its blob was deleted) is not a file: canonicalFilePath() is empty then.
  const QString resolved = snapshot.canonicalFilePath();
  if (resolved.isEmpty() || !QFileInfo(resolved).isFile()) return std::nullopt;
  return resolved;
}

}  // namespace attune
