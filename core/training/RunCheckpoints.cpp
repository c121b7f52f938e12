#include "core/training/RunCheckpoints.h"

#include "core/common/FileRead.h"
#include "core/training/RunWriter.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QtEndian>

namespace attune {

int checkpointEpochOf(const QString& path) {
  QFile file;
  if (!openRegularFile(file, path, -1, QStringLiteral("the checkpoint"))) return 0;
  const QByteArray size = file.read(8);
  if (size.size() != 8) return 0;
  const quint64 length = qFromLittleEndian<quint64>(size.constData());
  if (length == 0 || length > 100'000'000) return 0;
  const auto header = nlohmann::json::parse(file.read(qint64(length)).toStdString(), nullptr, false);
  if (!header.is_object() || !header.contains("__metadata__")) return 0;
  const auto& metadata = header["__metadata__"];
  if (!metadata.is_object() || !metadata.contains("attune.epoch") || !metadata["attune.epoch"].is_string())
    return 0;
  return QString::fromStdString(metadata["attune.epoch"].get<std::string>()).toInt();
}

Result<QString> runCheckpointFile(const QString& runDirectory, const QString& runId, const QString& choice) {
  const QDir directory(runDirectory);
  const QString best = directory.filePath(QStringLiteral("best.safetensors"));
  const QString last = directory.filePath(QStringLiteral("last.safetensors"));
  QString checkpoint = choice == QLatin1String("last") || !QFileInfo::exists(best) ? last : best;
  bool isEpoch = false;
  if (const int epoch = choice.toInt(&isEpoch); isEpoch) {
    // An epoch's own model, or the best or last checkpoint when it is from that epoch.
    checkpoint.clear();
    for (const QString& candidate : {directory.filePath(epochCheckpointName(epoch)), best, last})
      if (QFileInfo::exists(candidate) && checkpointEpochOf(candidate) == epoch) {
        checkpoint = candidate;
        break;
      }
    if (checkpoint.isEmpty())
      return Error(
          ErrorCode::FileNotFound, QStringLiteral("Run %1 kept no model of epoch %2.").arg(runId).arg(epoch),
          QStringLiteral("A run keeps the best and the last epoch's model; to keep every epoch's, "
                         "turn on \"Keep every epoch's model\" (checkpoint.every_epoch) before training."));
  }
  if (!QFileInfo::exists(checkpoint))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("Run %1 has no saved model yet: no epoch finished.").arg(runId),
                 QStringLiteral("Train for at least one epoch, or choose another run."));
  return checkpoint;
}

}  // namespace attune
