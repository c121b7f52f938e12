#include "core/weights/WeightLocator.h"

#include "core/common/AppFolders.h"

#include <QEventLoop>
#include <QFileInfo>

namespace attune {

QString weightCacheName(WeightCache cache) {
  switch (cache) {
    case WeightCache::AttuneFolder:
      return QStringLiteral("Attune's weights folder");
    case WeightCache::TorchHub:
      return QStringLiteral("the PyTorch hub cache");
    case WeightCache::HuggingFace:
      return QStringLiteral("the Hugging Face cache");
  }
  return {};
}

WeightLocator::Roots WeightLocator::Roots::fromEnvironment() {
  // With ATTUNE_CACHE_DIR the user chose the folder: no other of Attune's is searched.
  const QString legacy = envPath("ATTUNE_CACHE_DIR").isEmpty() ? legacyAttuneWeightsFolder() : QString();
  return {AttuneWeightsFolder::defaultRoot(), TorchHubCache::defaultRoot(), HuggingFaceCache::defaultRoot(),
          legacy};
}

WeightLocator::WeightLocator(const Roots& roots)
    : m_attuneFolder(roots.attuneFolder),
      m_legacyAttuneFolder(roots.legacyAttuneFolder),
      m_torchHub(roots.torchHub),
      m_huggingFace(roots.huggingFace),
      m_memo(m_attuneFolder.hashMemoPath()) {}

QString WeightLocator::whyNotUsable(const QString& path, const WeightSource& source) {
  const qint64 size_bytes = QFileInfo(path).size();
  if (source.sizeBytes >= 0 && size_bytes != source.sizeBytes)
    return QStringLiteral("%1 has %2 bytes, expected %3").arg(path).arg(size_bytes).arg(source.sizeBytes);
  if (source.expectedHash().isEmpty()) return {};
  const Result<QString> hash = m_memo.sha256(path);
  if (!hash.ok()) return hash.error().message;
  if (compareHash(source, *hash) == HashMatch::Differs)
    return QStringLiteral("%1 has SHA-256 %2…, expected %3…")
        .arg(path, hash->left(16), source.expectedHash().left(16));
  return {};
}

WeightLookup WeightLocator::locate(const WeightSource& source) {
  WeightLookup lookup;
  const auto consider = [&](const std::optional<QString>& path, WeightCache cache) {
    if (lookup.found || !path || !QFileInfo(*path).isFile()) return;
    const QString why = whyNotUsable(*path, source);
    if (why.isEmpty())
      lookup.found = LocatedWeight{*path, cache, *path};
    else
      lookup.refused.append(QStringLiteral("Not using the copy in %1: %2.").arg(weightCacheName(cache), why));
  };
  if (const QString own = m_attuneFolder.pathFor(source); !own.isEmpty())
    consider(own, WeightCache::AttuneFolder);
  if (!m_legacyAttuneFolder.isEmpty() && m_legacyAttuneFolder != m_attuneFolder.root())
    if (const QString old = AttuneWeightsFolder(m_legacyAttuneFolder).pathFor(source); !old.isEmpty())
      consider(old, WeightCache::AttuneFolder);
  const QString name = source.fileName.isEmpty() ? source.url.fileName() : source.fileName;
  // torch.hub names files after the URL's last segment; HF repositories are found by repo id instead.
  if (source.hfRepo.isEmpty()) consider(m_torchHub.find(name), WeightCache::TorchHub);
  if (!source.hfRepo.isEmpty()) {
    const QString path = source.hfPath.isEmpty() ? name : source.hfPath;
    consider(m_huggingFace.find(source.hfRepo, source.hfRevision, path), WeightCache::HuggingFace);
    if (lookup.found && lookup.found->cache == WeightCache::HuggingFace)
      lookup.found->namedPath =
          m_huggingFace.snapshotPath(source.hfRepo, source.hfRevision, path).value_or(QString());
  }
  return lookup;
}

Result<LocatedWeight> locateOrDownload(const WeightSource& source, const DownloadProgress& progressCallback) {
  WeightLocator locator;
  const WeightLookup lookup = locator.locate(source);
  if (lookup.found) return *lookup.found;
  const QString destination = locator.downloadPath(source);
  if (destination.isEmpty())
    return Error(ErrorCode::BadValue, QStringLiteral("The catalog entry names no file to download."),
                 QStringLiteral("Check the catalog entry."));
  Downloader downloader;
  QEventLoop loop;
  std::optional<Result<QString>> downloaded;
  QObject::connect(&downloader, &Downloader::finished, &loop, [&](const Result<QString>& result) {
    downloaded = result;
    loop.quit();
  });
  if (progressCallback) QObject::connect(&downloader, &Downloader::progress, &loop, progressCallback);
  downloader.start(source, destination);
  if (!downloaded) loop.exec();
  if (!downloaded->ok()) {
    Error error = downloaded->error();
    if (!lookup.refused.isEmpty()) error.message += u' ' + lookup.refused.join(u' ');
    return error;
  }
  locator.rememberVerified(**downloaded, downloader.verifiedSha256());
  return LocatedWeight{**downloaded, WeightCache::AttuneFolder, **downloaded};
}

}  // namespace attune
