#include "core/weights/FileSha256.h"

#include <QCryptographicHash>
#include <QFile>

namespace attune {

namespace {
constexpr qint64 kBlockBytes = qint64(1) << 20;
}

Result<QString> sha256OfFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("Could not read %1: %2.").arg(path, file.errorString()),
                 QStringLiteral("Check that the file exists and that you may read it."));
  QCryptographicHash hash(QCryptographicHash::Sha256);
  QByteArray block;
  while (!file.atEnd()) {
    block = file.read(kBlockBytes);
    if (block.isEmpty() && file.error() != QFileDevice::NoError)
      return Error(ErrorCode::FileUnreadable,
                   QStringLiteral("Could not read %1: %2.").arg(path, file.errorString()));
    hash.addData(block);
  }
  return QString::fromLatin1(hash.result().toHex());
}

}  // namespace attune
