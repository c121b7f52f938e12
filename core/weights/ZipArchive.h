#pragma once
// A minimal, bounds-checked reader of zip archives held in memory, enough for the archives
// torch.save writes: entries STORED (uncompressed), optionally zip64. Compressed, encrypted and
// multi-disk archives are refused. Entries are views into the caller's bytes, which must outlive
// the archive.

#include "core/common/Result.h"

#include <QByteArrayView>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attune {

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    QByteArrayView data;  // the stored bytes, checked to lie inside the archive
  };

  // Reads the end-of-central-directory record (zip64 where present), the central directory and each
  // entry's local header. Errors carry a CheckpointError in Error::detail.
  static Result<ZipArchive> open(QByteArrayView bytes);

  const std::vector<Entry>& entries() const { return m_entries; }
  // The entry of that exact name, nullptr if none.
  const Entry* find(const std::string& name) const;

 private:
  std::vector<Entry> m_entries;
  std::map<std::string, size_t> m_index;  // name -> position in m_entries
};

}  // namespace attune
