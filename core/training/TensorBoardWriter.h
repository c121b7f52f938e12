#pragma once
// A TensorBoard event file written by Attune itself, so that any TensorBoard (or other reader of the
// TFRecord event format) can show a run's curves next to metrics.csv.
//
// The file is a sequence of records: a little-endian uint64 length, the masked CRC-32C of those 8
// bytes, the payload, the masked CRC-32C of the payload. Each payload is a serialised tensorflow
// Event protocol buffer: wall_time (field 1, double), step (2, int64) and either file_version (3,
// "brain.Event:2", the first record) or a Summary (5) holding one Value with tag (1) and
// simple_value (2, float). The name is events.out.tfevents.<unix seconds>.<host>.

#include "core/common/Result.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <cstdint>
#include <memory>

namespace attune {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and TFRecord's masking of it.
uint32_t crc32c(const QByteArray& data);
uint32_t maskedCrc32c(const QByteArray& data);
// One framed record around `payload`.
QByteArray tfRecord(const QByteArray& payload);

class TensorBoardWriter {
 public:
  // Creates a new event file in `directory` and writes its file_version record.
  static Result<std::unique_ptr<TensorBoardWriter>> create(const QString& directory);

  // One scalar (stored as a 32-bit float, as TensorBoard does) at `step`; wall time is now.
  Status addScalar(const QString& tag, double value, int64_t step);
  // Makes what was written so far readable by TensorBoard.
  Status flush();
  QString filePath() const { return m_file.fileName(); }

 private:
  TensorBoardWriter() = default;
  Status writeEvent(const QByteArray& event);
  QFile m_file;
};

}  // namespace attune
