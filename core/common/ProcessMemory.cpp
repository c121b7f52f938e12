#include "core/common/ProcessMemory.h"

#include <QFile>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace attune {
namespace {

// The value of "<field>:   123 kB" in /proc/self/status, in bytes.
std::optional<int64_t> statusField(const QByteArray& field) {
  QFile status(QStringLiteral("/proc/self/status"));
  if (!status.open(QIODevice::ReadOnly)) return std::nullopt;
  // A few KiB of lines "Name:\tvalue", read line by line until none is left: a /proc file says it is
  // empty (size 0), so atEnd() cannot tell.
  for (int lines = 0; lines < 1000; ++lines) {
    const QByteArray line = status.readLine(4096);
    if (line.isEmpty()) break;
    if (!line.startsWith(field) || line.size() <= field.size() || line[field.size()] != ':') continue;
    const QList<QByteArray> parts = line.mid(field.size() + 1).simplified().split(' ');
    bool ok = false;
    const qint64 kib = parts.value(0).toLongLong(&ok);
    if (!ok || kib < 0 || parts.value(1) != "kB") return std::nullopt;
    return int64_t(kib) * 1024;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> peakResidentBytes() {
  return statusField("VmHWM");
}

std::optional<int64_t> residentBytes() {
  return statusField("VmRSS");
}

void returnFreedMemoryToSystem() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

bool resetPeakResident() {
  QFile clearRefs(QStringLiteral("/proc/self/clear_refs"));
  if (!clearRefs.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) return false;
  return clearRefs.write("5") == 1;
}

QString describeBytes(int64_t bytes) {
  if (bytes >= 1'000'000'000) return QStringLiteral("%1 GB").arg(double(bytes) / 1e9, 0, 'f', 1);
  if (bytes >= 1'000'000) return QStringLiteral("%1 MB").arg(qRound64(double(bytes) / 1e6));
  if (bytes >= 1'000) return QStringLiteral("%1 kB").arg(qRound64(double(bytes) / 1e3));
  return QStringLiteral("%1 bytes").arg(bytes);
}

}  // namespace attune
