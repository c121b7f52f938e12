#pragma once
// The processor's model name as Linux gives it (/proc/cpuinfo), printed with every benchmark figure:
// speeds compare only on the same CPU.

#include <QFile>
#include <QString>

namespace attune::testing {

inline QString cpuModel() {
  QFile file(QStringLiteral("/proc/cpuinfo"));
  if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("unknown CPU");
  for (const QByteArray& line : file.readAll().split('\n'))
    if (line.startsWith("model name")) return QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
  return QStringLiteral("unknown CPU");
}

}  // namespace attune::testing
