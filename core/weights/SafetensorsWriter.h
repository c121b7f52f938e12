#pragma once
#include "core/common/Result.h"
#include "core/weights/TensorData.h"

#include <QByteArray>
#include <QIODevice>
#include <QString>

#include <map>
#include <string>

namespace attune {

class SafetensorsWriter {
 public:
  // Serialises tensors (sorted by name, 8-byte aligned header) with optional string metadata.
  static Result<QByteArray> serialize(const TensorMap& tensors,
                                      const std::map<std::string, std::string>& metadata = {});
  // Writes the same bytes as serialize() to an open device without building them in memory first.
  static Status write(QIODevice& device, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {});
  // Atomic and durable (AtomicFile): a full disk or any failure leaves the old file as it was.
  static Status writeFile(const QString& path, const TensorMap& tensors,
                          const std::map<std::string, std::string>& metadata = {});
  // The same file from sources asked for their bytes one at a time (TensorData.h): at most one
  // tensor's bytes are in memory beside what the sources own.
  static Status writeSources(const QString& path, const TensorSources& tensors,
                             const std::map<std::string, std::string>& metadata = {});
};

}  // namespace attune
