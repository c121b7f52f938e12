#pragma once
// SHA-256 of a file, read in blocks (weights files are hundreds of MB; never held in memory whole).

#include "core/common/Result.h"

#include <QString>

namespace attune {

// Lowercase hex digest, or an Error when the file cannot be read.
Result<QString> sha256OfFile(const QString& path);

}  // namespace attune
