#pragma once
// Internal (includes LibTorch): conversion between torch tensors and TensorData, and loading /
// extracting a module's state (parameters and buffers) by torchvision name.

#include "core/common/Result.h"
#include "core/models/WeightLoadReport.h"
#include "core/weights/TensorData.h"

#include <torch/torch.h>

#include <QString>

#include <functional>
#include <string>

namespace attune::detail {

// Whether a model is built with its pre-trained weights, or without them because a run's checkpoint
// (loaded with HeadPolicy::LoadAll, which requires every tensor) replaces all of them right after.
enum class PretrainedWeights { Load, Skip };

torch::Tensor toTensor(const TensorData& data);  // a copy, on CPU
TensorData toTensorData(const torch::Tensor& tensor);

// All parameters and buffers of the module by dotted name, on CPU.
TensorMap stateDictOf(const torch::nn::Module& module);
// A source of the tensor's bytes for a writer (TensorData.h): a view of its memory when it is a
// contiguous CPU tensor, else a row-major CPU copy made when the writer asks. The source holds a
// reference to the tensor, not a copy: write it before the tensor changes.
TensorSource tensorSource(const torch::Tensor& tensor);
// The module's parameters and buffers as sources: a checkpoint written from them needs no copy of the
// whole model in memory.
TensorSources stateDictSources(const torch::nn::Module& module);

enum class HeadPolicy {
  ReplaceHead,  // head tensors that are absent or of another shape are kept as initialised (fresh head)
  LoadAll,      // every tensor must be in the file with the model's shape (checkpoints of a run)
  KeepHead,     // as LoadAll outside the head; the head is not loaded (a run's model for other classes)
};

// Copies the file's tensors into the module. Missing or mismatched tensors outside the head (or
// anywhere, with LoadAll) make it an error that names them; nothing is silently left random.
// Nothing is copied unless the whole check passes, so a failed load leaves the module unchanged.
// A tensor of another dtype (F16, BF16 weights) is converted to the module's. A missing BatchNorm
// num_batches_tracked is tolerated as PyTorch does (older torchvision files lack it; it only counts
// batches and does not change the output).
Result<WeightLoadReport> loadStateDict(torch::nn::Module& module, const TensorMap& tensors,
                                       const std::string& headPrefix, HeadPolicy policy);
// The same with the head told by a predicate on the parameter name (a head of several prefixes).
using HeadNamePredicate = std::function<bool(const std::string& name)>;
Result<WeightLoadReport> loadStateDict(torch::nn::Module& module, const TensorMap& tensors,
                                       const HeadNamePredicate& isHeadName, HeadPolicy policy);

// Reads a weights file (.safetensors, or a torch.save .pth/.pt/.bin: readWeightsFile) and loads it with
// loadStateDict. The reader's error is passed on unchanged when the file cannot be read.
Result<WeightLoadReport> loadWeightsFile(torch::nn::Module& module, const QString& path,
                                         const std::string& headPrefix, HeadPolicy policy);

}  // namespace attune::detail
