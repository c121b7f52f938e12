#pragma once
// Any supported weights file, by its name: .pth/.pt/.bin through the weights-only torch.save reader,
// a folder or .json/.js file as a TF.js layers model (tensors under their Keras names and shapes, the
// topology in metadata "keras_model_topology"), everything else as safetensors. The one entry point for "the
// user gave us a weights file".

#include "core/common/Result.h"
#include "core/weights/TensorData.h"

#include <QString>

#include <map>
#include <string>

namespace attune {

struct WeightsFile {
  TensorMap tensors;
  std::map<std::string, std::string> metadata;  // a safetensors file's own; for .pth: format facts
  QString format;  // "safetensors", "pytorch-zip", "pytorch-legacy", "tfjs-layers"
};

Result<WeightsFile> readWeightsFile(const QString& path);

// True for the names readWeightsFile reads as torch.save checkpoints.
bool isPyTorchCheckpointName(const QString& path);

}  // namespace attune
