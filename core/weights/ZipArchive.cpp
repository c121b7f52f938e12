#include "core/weights/ZipArchive.h"

#include "core/weights/CheckpointError.h"

#include <QtEndian>

#include <algorithm>

namespace attune {

namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr qsizetype kEndRecordBytes = 22;
constexpr qsizetype kZip64LocatorBytes = 20;
constexpr qsizetype kZip64EndBytes = 56;
constexpr qsizetype kCentralHeaderBytes = 46;
constexpr qsizetype kLocalHeaderBytes = 30;
constexpr qsizetype kMaxCommentBytes = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kFlagEncrypted = 0x1;
// More entries than any checkpoint has (one per storage), few enough to bound the work.
constexpr uint64_t kMaxEntries = 10'000'000;

Error zipError(CheckpointError kind, const QString& message) {
  Error error(ErrorCode::BadFormat, message,
              QStringLiteral("The file may be damaged or truncated; save or download it again."));
  error.detail = static_cast<int>(kind);
  return error;
}

// Little-endian reads at an offset the caller has checked.
uint16_t u16(QByteArrayView bytes, qsizetype at) {
  return qFromLittleEndian<uint16_t>(bytes.data() + at);
}
uint32_t u32(QByteArrayView bytes, qsizetype at) {
  return qFromLittleEndian<uint32_t>(bytes.data() + at);
}
uint64_t u64(QByteArrayView bytes, qsizetype at) {
  return qFromLittleEndian<uint64_t>(bytes.data() + at);
}

// True if [offset, offset + length) lies inside a buffer of `size` bytes.
bool fits(uint64_t offset, uint64_t length, qsizetype size) {
  return offset <= uint64_t(size) && length <= uint64_t(size) - offset;
}

struct CentralRecord {
  uint64_t entries = 0;
  uint64_t directory_bytes = 0;
  uint64_t directory_offset = 0;
};

Result<CentralRecord> readEndRecords(QByteArrayView bytes) {
  if (bytes.size() < kEndRecordBytes) {
    return zipError(CheckpointError::BadZip, QStringLiteral("The zip archive is too short to be complete."));
  }
  // The end record is the last 22 bytes plus a comment of up to 64 KiB: search backwards.
  const qsizetype lowest = std::max<qsizetype>(0, bytes.size() - kEndRecordBytes - kMaxCommentBytes);
  qsizetype end_at = -1;
  for (qsizetype at = bytes.size() - kEndRecordBytes; at >= lowest; --at) {
    if (u32(bytes, at) == kEndSignature) {
      end_at = at;
      break;
    }
  }
  if (end_at < 0) {
    return zipError(CheckpointError::BadZip,
                    QStringLiteral("The zip archive has no directory at its end; it is probably truncated."));
  }
  if (u16(bytes, end_at + 4) != 0 || u16(bytes, end_at + 6) != 0) {
    return zipError(CheckpointError::UnsupportedZip,
                    QStringLiteral("Multi-part zip archives are not supported."));
  }
  CentralRecord record;
  record.entries = u16(bytes, end_at + 10);
  record.directory_bytes = u32(bytes, end_at + 12);
  record.directory_offset = u32(bytes, end_at + 16);
  const bool needs_zip64 = record.entries == 0xffff || record.directory_bytes == 0xffffffff ||
                           record.directory_offset == 0xffffffff;
  const qsizetype locator_at = end_at - kZip64LocatorBytes;
  if (locator_at >= 0 && u32(bytes, locator_at) == kZip64LocatorSignature) {
    const uint64_t zip64_end_at = u64(bytes, locator_at + 8);
    if (!fits(zip64_end_at, kZip64EndBytes, bytes.size()) ||
        u32(bytes, qsizetype(zip64_end_at)) != kZip64EndSignature) {
      return zipError(CheckpointError::BadZip, QStringLiteral("The zip64 directory record is damaged."));
    }
    const auto at = qsizetype(zip64_end_at);
    const CentralRecord classic = record;
    record.entries = u64(bytes, at + 32);
    record.directory_bytes = u64(bytes, at + 40);
    record.directory_offset = u64(bytes, at + 48);
    // PyTorch writes both records even for small files; where the classic one is not saturated, the
    // two must agree.
    if ((classic.entries != 0xffff && classic.entries != record.entries) ||
        (classic.directory_bytes != 0xffffffff && classic.directory_bytes != record.directory_bytes) ||
        (classic.directory_offset != 0xffffffff && classic.directory_offset != record.directory_offset)) {
      return zipError(CheckpointError::BadZip, QStringLiteral("The zip directory records disagree."));
    }
  } else if (needs_zip64) {
    return zipError(CheckpointError::BadZip,
                    QStringLiteral("The zip archive lacks its zip64 directory record."));
  }
  if (!fits(record.directory_offset, record.directory_bytes, bytes.size())) {
    return zipError(
        CheckpointError::BadZip,
        QStringLiteral("The zip directory lies outside the file; the file is probably truncated."));
  }
  if (record.entries > kMaxEntries || record.entries > record.directory_bytes / kCentralHeaderBytes) {
    return zipError(CheckpointError::BadZip,
                    QStringLiteral("The zip directory's entry count is implausible."));
  }
  return record;
}

}  // namespace

Result<ZipArchive> ZipArchive::open(QByteArrayView bytes) {
  auto record = readEndRecords(bytes);
  if (!record) return record.error();
  ZipArchive archive;
  archive.m_entries.reserve(size_t(record->entries));
  const auto directory_end = qsizetype(record->directory_offset + record->directory_bytes);
  auto at = qsizetype(record->directory_offset);
  for (uint64_t index = 0; index < record->entries; ++index) {
    if (!fits(uint64_t(at), kCentralHeaderBytes, directory_end) ||
        u32(bytes, at) != kCentralHeaderSignature) {
      return zipError(CheckpointError::BadZip, QStringLiteral("The zip directory is damaged."));
    }
    const uint16_t flags = u16(bytes, at + 8);
    const uint16_t method = u16(bytes, at + 10);
    uint64_t compressed_bytes = u32(bytes, at + 20);
    uint64_t stored_bytes = u32(bytes, at + 24);
    const uint16_t name_bytes = u16(bytes, at + 28);
    const uint16_t extra_bytes = u16(bytes, at + 30);
    const uint16_t comment_bytes = u16(bytes, at + 32);
    uint64_t local_offset = u32(bytes, at + 42);
    const qsizetype variable_bytes = qsizetype(name_bytes) + extra_bytes + comment_bytes;
    if (!fits(uint64_t(at + kCentralHeaderBytes), uint64_t(variable_bytes), directory_end)) {
      return zipError(CheckpointError::BadZip, QStringLiteral("The zip directory is damaged."));
    }
    Entry entry;
    entry.name.assign(bytes.data() + at + kCentralHeaderBytes, name_bytes);
    // The zip64 extra field holds, in order, only those of the three values that are saturated.
    qsizetype extra_at = at + kCentralHeaderBytes + name_bytes;
    const qsizetype extra_end = extra_at + extra_bytes;
    while (extra_at + 4 <= extra_end) {
      const uint16_t id = u16(bytes, extra_at);
      const uint16_t length = u16(bytes, extra_at + 2);
      if (extra_at + 4 + length > extra_end) break;
      if (id == kZip64ExtraId) {
        qsizetype field_at = extra_at + 4;
        for (uint64_t* value : {&stored_bytes, &compressed_bytes, &local_offset}) {
          if (*value != 0xffffffff) continue;
          if (field_at + 8 > extra_at + 4 + length) {
            return zipError(CheckpointError::BadZip, QStringLiteral("A zip64 entry record is damaged."));
          }
          *value = u64(bytes, field_at);
          field_at += 8;
        }
      }
      extra_at += 4 + length;
    }
    if (flags & kFlagEncrypted) {
      return zipError(CheckpointError::UnsupportedZip, QStringLiteral("The zip archive is encrypted."));
    }
    if (method != kMethodStored || compressed_bytes != stored_bytes) {
      return zipError(
          CheckpointError::UnsupportedZip,
          QStringLiteral("The zip entry \"%1\" is compressed (method %2); torch.save stores entries "
                         "uncompressed, so this archive was rewritten by another tool.")
              .arg(QString::fromStdString(entry.name).left(80))
              .arg(method));
    }
    if (!fits(local_offset, kLocalHeaderBytes, bytes.size()) ||
        u32(bytes, qsizetype(local_offset)) != kLocalHeaderSignature) {
      return zipError(CheckpointError::BadZip, QStringLiteral("A zip entry's header is damaged."));
    }
    const auto local_at = qsizetype(local_offset);
    const uint64_t data_offset =
        uint64_t(local_at) + kLocalHeaderBytes + u16(bytes, local_at + 26) + u16(bytes, local_at + 28);
    if (!fits(data_offset, stored_bytes, bytes.size())) {
      return zipError(
          CheckpointError::BadZip,
          QStringLiteral("A zip entry runs past the end of the file; the file is probably truncated."));
    }
    entry.data = bytes.sliced(qsizetype(data_offset), qsizetype(stored_bytes));
    archive.m_index.emplace(entry.name, archive.m_entries.size());
    archive.m_entries.push_back(std::move(entry));
    at += kCentralHeaderBytes + variable_bytes;
  }
  return archive;
}

const ZipArchive::Entry* ZipArchive::find(const std::string& name) const {
  const auto found = m_index.find(name);
  return found == m_index.end() ? nullptr : &m_entries[found->second];
}

}  // namespace attune
