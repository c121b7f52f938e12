#pragma once
// Remembers the SHA-256 of files already hashed, keyed by (path, size, modification time), in a small
// JSON file, so that a 500 MB weights file is not read again every time Attune looks for it. A file
// rewritten in place gets a new modification time and is hashed again.

#include "core/common/Result.h"

#include <QHash>
#include <QString>

namespace attune {

class VerifiedHashMemo {
 public:
  // `memoPath` is the JSON file; it need not exist. An unreadable or damaged memo counts as empty.
  explicit VerifiedHashMemo(QString memoPath);

  // The file's SHA-256 (lowercase hex): from the memo when its size and modification time are the
  // remembered ones, else computed and remembered. The memo file is rewritten (atomically) after each
  // new hash; when that fails (read-only folder) the hash is still returned.
  Result<QString> sha256(const QString& filePath);

  // Records a hash computed elsewhere (the Downloader hashes as it downloads) for the file as it is now.
  void remember(const QString& filePath, const QString& sha256);

  // How many files this object actually read to hash them (for tests and logs).
  int hashedFileCount() const { return m_hashedFileCount; }

 private:
  struct Entry {
    qint64 size_bytes = -1;
    qint64 mtime_ms = -1;
    QString sha256;
  };
  void load();
  void save() const;

  QString m_memoPath;
  QHash<QString, Entry> m_entries;
  bool m_loaded = false;
  int m_hashedFileCount = 0;
};

}  // namespace attune
