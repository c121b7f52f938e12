#include "core/training/TensorBoardWriter.h"

#include "core/common/AtomicFile.h"

#include <QDateTime>
#include <QDir>
#include <QSysInfo>
#include <QtEndian>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace attune {
namespace {

constexpr uint32_t kCastagnoli = 0x82F63B78u;  // reflected
constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Protocol buffer wire types.
constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLengthDelimited = 2;
constexpr int kFixed32 = 5;

const std::array<uint32_t, 256>& crcTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ kCastagnoli : crc >> 1;
      t[i] = crc;
    }
    return t;
  }();
  return table;
}

void putVarint(QByteArray& out, uint64_t value) {
  while (value >= 0x80) {
    out.append(char((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.append(char(value));
}

void putKey(QByteArray& out, int field, int wireType) {
  putVarint(out, uint64_t(field) << 3 | uint64_t(wireType));
}

void putBytes(QByteArray& out, int field, const QByteArray& bytes) {
  putKey(out, field, kLengthDelimited);
  putVarint(out, uint64_t(bytes.size()));
  out.append(bytes);
}

template <typename T>
void putFixed(QByteArray& out, int field, T value) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  putKey(out, field, sizeof(T) == 8 ? kFixed64 : kFixed32);
  using Bits = std::conditional_t<sizeof(T) == 8, quint64, quint32>;
  Bits bits;
  std::memcpy(&bits, &value, sizeof(T));
  char bytes[sizeof(T)];
  qToLittleEndian(bits, bytes);
  out.append(bytes, sizeof(T));
}

// Event{wall_time = now, step} with its one-of field appended by the caller.
QByteArray eventHeader(int64_t step) {
  QByteArray event;
  putFixed(event, 1, double(QDateTime::currentMSecsSinceEpoch()) / 1000.0);
  if (step != 0) {
    putKey(event, 2, kVarint);
    putVarint(event, uint64_t(step));
  }
  return event;
}

}  // namespace

uint32_t crc32c(const QByteArray& data) {
  const auto& table = crcTable();
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : data) crc = table[(crc ^ uint8_t(c)) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t maskedCrc32c(const QByteArray& data) {
  const uint32_t crc = crc32c(data);
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

QByteArray tfRecord(const QByteArray& payload) {
  char length[8];
  qToLittleEndian(quint64(payload.size()), length);
  const QByteArray header(length, 8);
  char crc[4];
  QByteArray record = header;
  qToLittleEndian(maskedCrc32c(header), crc);
  record.append(crc, 4);
  record.append(payload);
  qToLittleEndian(maskedCrc32c(payload), crc);
  record.append(crc, 4);
  return record;
}

Result<std::unique_ptr<TensorBoardWriter>> TensorBoardWriter::create(const QString& directory) {
  std::unique_ptr<TensorBoardWriter> writer(new TensorBoardWriter);
  QString host = QSysInfo::machineHostName();
  if (host.isEmpty()) host = QStringLiteral("localhost");
  const QString base =
      QStringLiteral("events.out.tfevents.%1.%2").arg(QDateTime::currentSecsSinceEpoch()).arg(host);
  // A resumed run in the same second gets its own file.
  QString name = base;
  for (int n = 1; QFile::exists(QDir(directory).filePath(name)); ++n)
    name = base + QStringLiteral(".%1").arg(n);
  writer->m_file.setFileName(QDir(directory).filePath(name));
  if (!writer->m_file.open(QIODevice::WriteOnly))
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(writer->m_file.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  QByteArray event = eventHeader(0);
  putBytes(event, 3, QByteArrayLiteral("brain.Event:2"));
  if (auto s = writer->writeEvent(event); !s) return s.error();
  if (auto s = writer->flush(); !s) return s.error();
  return writer;
}

Status TensorBoardWriter::addScalar(const QString& tag, double value, int64_t step) {
  QByteArray summaryValue;
  putBytes(summaryValue, 1, tag.toUtf8());
  putFixed(summaryValue, 2, float(value));
  QByteArray summary;
  putBytes(summary, 1, summaryValue);
  QByteArray event = eventHeader(step);
  putBytes(event, 5, summary);
  return writeEvent(event);
}

Status TensorBoardWriter::writeEvent(const QByteArray& event) {
  const QByteArray record = tfRecord(event);
  if (m_file.write(record) != record.size())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(m_file.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  return {};
}

Status TensorBoardWriter::flush() {
  if (!m_file.flush())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(m_file.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  if (m_file.handle() >= 0 && ::fsync(m_file.handle()) != 0) return saveError(m_file.fileName(), errno);
  return {};
}

}  // namespace attune
