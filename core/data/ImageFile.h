#pragma once
// An image file opened for QImageReader only when it is a regular file (links followed) of at most
// kMaxImageBytes: a named pipe with an image's name would block the reader for ever (the folder scan,
// a loader worker, the thumbnail jobs), a link to /dev/zero would never end. Every place that decodes a
// user's image goes through it.

#include "core/common/Result.h"

#include <QFile>
#include <QImageReader>
#include <QString>

#include <optional>

namespace attune {

// Larger than any photo or scan a classifier is trained on (a 100-megapixel TIFF is about 300 MB).
inline constexpr qint64 kMaxImageBytes = qint64(1) << 30;

class ImageFile {
 public:
  explicit ImageFile(const QString& path);
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;

  // Why the file cannot be read (not a regular file, too large, missing); nullopt when it is open.
  const std::optional<Error>& error() const { return m_error; }
  // Reads from the open file (reads nothing when error() is set). The format is decided by the
  // content (every format Attune lists has a signature), as format() then reports it ("jpeg").
  QImageReader& reader() { return m_reader; }
  // error()'s message, else the reader's error: what to show when no image came out.
  QString errorString() const;

 private:
  QFile m_file;
  QImageReader m_reader;
  std::optional<Error> m_error;
};

}  // namespace attune
