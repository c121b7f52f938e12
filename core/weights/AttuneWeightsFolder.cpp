#include "core/weights/AttuneWeightsFolder.h"

#include "core/common/AppFolders.h"
#include "core/weights/HuggingFaceCache.h"

namespace attune {

namespace {

bool isPlainName(const QString& name) {
  return !name.isEmpty() && !name.contains(u'/') && !name.contains(u'\\') && name != QLatin1String(".") &&
         name != QLatin1String("..");
}

bool isSafeRelativePath(const QString& path) {
  if (path.isEmpty()) return false;
  for (const QString& part : path.split(u'/'))
    if (!isPlainName(part)) return false;
  return true;
}

}  // namespace

AttuneWeightsFolder::AttuneWeightsFolder(QString root) : m_root(std::move(root)) {}

QString AttuneWeightsFolder::defaultRoot() {
  if (const QString dir = envPath("ATTUNE_CACHE_DIR"); !dir.isEmpty()) return dir;
  return attuneCacheFolder() + QStringLiteral("/weights");
}

QString AttuneWeightsFolder::pathFor(const WeightSource& source) const {
  if (!source.hfRepo.isEmpty()) {
    const QString repo_folder = HuggingFaceCache::repoFolderName(source.hfRepo);
    const QString revision = source.hfRevision.isEmpty() ? QStringLiteral("main") : source.hfRevision;
    const QString file = source.hfPath.isEmpty() ? source.fileName : source.hfPath;
    // A revision such as "refs/pr/1" becomes one folder name.
    const QString revision_folder = QString(revision).replace(u'/', QStringLiteral("--"));
    if (repo_folder.isEmpty() || !isPlainName(revision_folder) || !isSafeRelativePath(file)) return {};
    return m_root + QStringLiteral("/huggingface/") + repo_folder + u'/' + revision_folder + u'/' + file;
  }
  const QString name = source.fileName.isEmpty() ? source.url.fileName() : source.fileName;
  if (!isPlainName(name)) return {};
  return m_root + u'/' + name;
}

}  // namespace attune
