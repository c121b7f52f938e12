#pragma once
// Reads the tensors of a checkpoint written by torch.save (.pth/.pt/.bin) without LibTorch and
// without running anything from the file: both the zip format (PyTorch >= 1.6) and the legacy
// stream (_use_new_zipfile_serialization=False). The pickle is read by RestrictedUnpickler, which
// refuses every global outside a small allow-list (see there).
//
// The top-level object is a state_dict (name -> tensor), or a dict wrapping one under "state_dict"
// or "model" as training checkpoints do. Values that are not tensors (an epoch number, optimizer
// state) are skipped and listed in ignoredEntries.

#include "core/common/Result.h"
#include "core/weights/CheckpointError.h"
#include "core/weights/TensorData.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>

namespace attune {

struct PyTorchCheckpoint {
  TensorMap tensors;
  QString format;              // "zip" or "legacy"
  QStringList ignoredEntries;  // "epoch (int)", "state_dict._metadata ..." : what was skipped, and its type
  QString stateDictKey;        // "state_dict" or "model" when the tensors were found there; empty otherwise
};

class PyTorchCheckpointReader {
 public:
  // Memory-maps the file where it can (falls back to reading it whole) and copies the tensors out.
  static Result<PyTorchCheckpoint> readFile(const QString& path);
  static Result<PyTorchCheckpoint> parse(QByteArrayView bytes);

  // The CheckpointError behind a failed Error of this reader; None for an Error from elsewhere.
  static CheckpointError errorKind(const Error& error);
};

}  // namespace attune
