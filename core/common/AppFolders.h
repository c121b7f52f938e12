#pragma once
// Where Attune keeps its files for this user, and where the tools whose caches it reads keep theirs
// (from the same environment variables those tools read). The window and attune-cli are one
// organisation/application pair, "Attune"/"Attune": settings in ~/.config/Attune/Attune.conf,
// thumbnails and downloaded weights under ~/.cache/Attune/Attune (what QStandardPaths gives the pair).

#include <QString>

namespace attune {

inline constexpr char kOrganisationName[] = "Attune";
inline constexpr char kApplicationName[] = "Attune";

// $XDG_CACHE_HOME when set to an absolute path, else ~/.cache.
QString userCacheHome();

// The value of an environment variable as a path; empty when unset or empty.
QString envPath(const char* name);

// userCacheHome()/Attune/Attune: files Attune can make again (thumbnails, downloaded weights).
QString attuneCacheFolder();

// Where downloaded weights went before they moved into attuneCacheFolder() (userCacheHome()/attune/
// weights): still searched, never written.
QString legacyAttuneWeightsFolder();

}  // namespace attune
