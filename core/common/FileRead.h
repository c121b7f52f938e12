#pragma once
// Reading files whose paths come from users or from other programs. Only regular files are read
// (after following links): a named pipe would block for ever, a device such as /dev/zero never ends,
// a folder or socket has no content. Whole-file reads stop at a limit the caller states, so a file
// larger than its format allows is refused before it is held in memory.

#include "core/common/Result.h"

#include <QByteArray>
#include <QString>

#include <cstdint>

class QFile;

namespace attune {

// Limits for whole-file reads of small documents (JSON descriptions, vocabularies, journals).
inline constexpr qint64 kMaxSmallJsonBytes = qint64(64) << 20;  // config.json, manifests, state
inline constexpr qint64 kMaxLargeTextBytes = qint64(1) << 30;   // journals, vocabularies, exports

// Opens `path` for reading if it is a regular file (links followed) of at most `maxBytes` bytes
// (no limit when maxBytes < 0). The check is made on the opened descriptor, so the file cannot be
// swapped for a pipe in between, and the open never blocks. `file` is left open, read-only, for the
// caller to stream from. `what` names the file in messages ("the weight shard", "the data table").
Status openRegularFile(QFile& file, const QString& path, qint64 maxBytes, const QString& what);

// The whole content of a regular file of at most `maxBytes` bytes. A file that grows while it is
// read is refused rather than read past the limit.
Result<QByteArray> readRegularFile(const QString& path, qint64 maxBytes, const QString& what);

}  // namespace attune
