#pragma once
// Finds a usable local copy of a weights file before anything is downloaded: in Attune's own folder,
// then torch.hub's checkpoint folder, then the Hugging Face hub cache. A copy whose size (when known)
// or SHA-256 / hash prefix differs from the WeightSource is refused, with the reason. Hashes are
// remembered in Attune's folder (VerifiedHashMemo), so a large file is read once, not every time.

#include "core/common/Result.h"
#include "core/weights/AttuneWeightsFolder.h"
#include "core/weights/Downloader.h"
#include "core/weights/HuggingFaceCache.h"
#include "core/weights/TorchHubCache.h"
#include "core/weights/VerifiedHashMemo.h"
#include "core/weights/WeightSource.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace attune {

enum class WeightCache { AttuneFolder, TorchHub, HuggingFace };

// "Attune's weights folder", "the PyTorch hub cache", "the Hugging Face cache".
QString weightCacheName(WeightCache cache);

struct LocatedWeight {
  QString path;  // the bytes (in the Hugging Face cache: the blob a snapshot file links to)
  WeightCache cache = WeightCache::AttuneFolder;
  // The file under its own name, next to the other files of its repository (the Hugging Face
  // snapshot folder; elsewhere the same as path): what a model folder is made of.
  QString namedPath;
};

struct WeightLookup {
  std::optional<LocatedWeight> found;
  QStringList refused;  // one plain sentence per copy that exists but was not used, saying why
};

class WeightLocator {
 public:
  struct Roots {
    QString attuneFolder, torchHub, huggingFace;
    // Attune's folder before it moved (searched after attuneFolder, never written); empty: none.
    QString legacyAttuneFolder;
    // Each cache's default from the environment (see the cache classes).
    static Roots fromEnvironment();
  };

  explicit WeightLocator(const Roots& roots = Roots::fromEnvironment());

  WeightLookup locate(const WeightSource& source);
  // Where a download of `source` goes (inside Attune's folder); empty when the source names no file.
  QString downloadPath(const WeightSource& source) const { return m_attuneFolder.pathFor(source); }

  // Remembers the hash of a file just downloaded into Attune's folder, so it is not read again.
  void rememberVerified(const QString& path, const QString& sha256) { m_memo.remember(path, sha256); }

  int hashedFileCount() const { return m_memo.hashedFileCount(); }

 private:
  // Empty when the file fits the source, else why not.
  QString whyNotUsable(const QString& path, const WeightSource& source);

  AttuneWeightsFolder m_attuneFolder;
  QString m_legacyAttuneFolder;
  TorchHubCache m_torchHub;
  HuggingFaceCache m_huggingFace;
  VerifiedHashMemo m_memo;
};

// A usable local copy if there is one, else a download into Attune's folder (blocking; for the CLI).
// Offline, a missing file fails with the Downloader's offline error plus the refusals, if any.
Result<LocatedWeight> locateOrDownload(const WeightSource& source,
                                       const DownloadProgress& progressCallback = {});

}  // namespace attune
