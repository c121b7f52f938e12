#include "core/weights/TorchHubCache.h"

#include "core/common/AppFolders.h"

#include <QFileInfo>

namespace attune {

TorchHubCache::TorchHubCache(QString root) : m_root(std::move(root)) {}

QString TorchHubCache::defaultRoot() {
  if (const QString torch_home = envPath("TORCH_HOME"); !torch_home.isEmpty())
    return torch_home + QStringLiteral("/hub/checkpoints");
  return userCacheHome() + QStringLiteral("/torch/hub/checkpoints");
}

std::optional<QString> TorchHubCache::find(const QString& fileName) const {
  if (fileName.isEmpty() || fileName.contains(u'/') || fileName.contains(u'\\') ||
      fileName == QLatin1String(".") || fileName == QLatin1String(".."))
    return std::nullopt;
  const QString resolved = QFileInfo(m_root + u'/' + fileName).canonicalFilePath();
  if (resolved.isEmpty() || !QFileInfo(resolved).isFile()) return std::nullopt;
  return resolved;
}

}  // namespace attune
