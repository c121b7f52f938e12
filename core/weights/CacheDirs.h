#pragma once
// Where the weight caches live, from the same environment variables the tools that fill them read.

#include <QString>

namespace attune {

// $XDG_CACHE_HOME when set to an absolute path, else ~/.cache.
QString userCacheHome();

// The value of an environment variable as a path; empty when unset or empty.
QString envPath(const char* name);

}  // namespace attune
