#pragma once
// Internal (includes LibTorch): conversion between torch tensors and TensorData, and loading /
// extracting a module's state (parameters and buffers) by torchvision name.

#include "core/common/Result.h"
#include "core/models/WeightLoadReport.h"
#include "core/weights/TensorData.h"

#include <torch/torch.h>

#include <string>

namespace attune::detail {

torch::Tensor toTensor(const TensorData& data);  // a copy, on CPU
TensorData toTensorData(const torch::Tensor& tensor);

// All parameters and buffers of the module by dotted name, on CPU.
TensorMap stateDictOf(const torch::nn::Module& module);

enum class HeadPolicy {
  ReplaceHead,  // head tensors that are absent or of another shape are kept as initialised (fresh head)
  LoadAll,      // every tensor must be in the file with the model's shape (checkpoints of a run)
};

// Copies the file's tensors into the module. Missing or mismatched tensors outside the head (or
// anywhere, with LoadAll) make it an error that names them; nothing is silently left random.
Result<WeightLoadReport> loadStateDict(torch::nn::Module& module, const TensorMap& tensors,
                                       const std::string& headPrefix, HeadPolicy policy);

}  // namespace attune::detail
