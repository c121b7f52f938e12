#include "core/common/AppFolders.h"

#include <QDir>

namespace attune {

QString envPath(const char* name) {
  const QString value = qEnvironmentVariable(name);
  return value.isEmpty() ? QString() : QDir::cleanPath(value);
}

QString userCacheHome() {
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const QString xdg = envPath("XDG_CACHE_HOME");
  if (!xdg.isEmpty() && QDir::isAbsolutePath(xdg)) return xdg;
  return QDir::homePath() + QStringLiteral("/.cache");
}

}  // namespace attune

namespace attune {

QString attuneCacheFolder() {
  return userCacheHome() + QLatin1Char('/') + QLatin1String(kOrganisationName) + QLatin1Char('/') +
         QLatin1String(kApplicationName);
}

QString legacyAttuneWeightsFolder() {
  return userCacheHome() + QStringLiteral("/attune/weights");
}

}  // namespace attune
