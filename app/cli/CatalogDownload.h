#pragma once
// Getting a catalog file onto this computer from the command line, with progress on the console.

#include "core/common/Result.h"
#include "core/weights/WeightSource.h"

namespace attune::cli {

// A verified local copy of `source`, downloaded if needed: progress goes to the terminal as a line
// that updates itself, or as {"event":"progress"} JSON lines, at most twice a second.
Result<QString> locateOrDownloadWithProgress(const WeightSource& source, bool asJson);

// For "catalog:<id>" weights of `architecture`: downloads the file unless a verified copy is here.
// Other weights need nothing.
Status ensureCatalogWeights(const QString& weights, bool asJson);

}  // namespace attune::cli
