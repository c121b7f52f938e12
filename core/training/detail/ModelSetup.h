#pragma once
// Internal (LibTorch): the model of a run, built the same way for training, the LR finder and
// k-fold: the architecture (or a Keras / TF.js export cut at a layer), its pre-trained weights with a
// new head for the user's classes, head dropout, and the layer groups bound to its parameters.

#include "core/common/Result.h"
#include "core/models/Architecture.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/project/TrainingConfig.h"
#include "core/training/LayerGroupPlan.h"
#include "core/training/TrainingJob.h"
#include "core/training/detail/RunData.h"

#include <torch/torch.h>

#include <QStringList>

#include <string>
#include <vector>

namespace attune::detail {

// The device a run computes on: the GPU when CUDA is usable, else the CPU. Training, the learning-rate
// finder, k-fold's held-out predictions and the Predictor all take it from here.
torch::Device computeDevice();

struct PreparedModel {
  ImageClassifierPtr model;
  const ArchitectureInfo* architecture = nullptr;
  int inputSize = 224;
  int numClasses = 0;
  QStringList notes;     // plain-language lines for the run's log (what was loaded)
  QStringList warnings;  // ... and what the user should know (random initialisation)
  // Text models: a text as the model's token ids (special tokens included, cut to model.max_tokens),
  // and the id that pads a batch (the model masks it out).
  TextEncoder encodeText;
  int64_t padId = 0;
  // The model's layer groups: layerGroupsFor(modelChoiceOf(config)), as the settings window shows them.
  std::vector<LayerGroupSpec> layerGroups;
};

// Builds the model on the CPU; the caller seeds torch first (the new head's initial weights). With
// PretrainedWeights::Skip the pre-trained weights are not read (a checkpoint replaces every tensor):
// the catalog's image models and BERT/DistilBERT then need no weights file; word vectors and Keras
// models still read theirs (their word list and topology are in it).
Result<PreparedModel> prepareModel(const TrainingConfig& config, int numClasses,
                                   PretrainedWeights pretrained = PretrainedWeights::Load);

// The model of a finished run: prepareModel (skipping the pre-trained weights), then every tensor (the head
// included) from `checkpoint`, in evaluation mode on `device`. Errors: the checkpoint is missing, damaged or
// of another model.
Result<PreparedModel> loadTrainedModel(const TrainingConfig& config, int numClasses,
                                       const QString& checkpoint, const torch::Device& device);

// Class probabilities [N, classes] (on the CPU) of texts under a model in evaluation mode, in order,
// in batches of `batchSize`.
torch::Tensor textProbabilities(const PreparedModel& prepared, const std::vector<TextSample>& texts,
                                int batchSize, const torch::Device& device);

// ... of images decoded as for validation; the row of an image that cannot be read is NaN and its
// reason is passed to `onFailed` (if set).
torch::Tensor imageProbabilities(const PreparedModel& prepared, const std::vector<ImageSample>& samples,
                                 int batchSize, int workers, const torch::Device& device,
                                 FailedImageReporter onFailed = {});

// The job's images or texts as the prepared model reads them: images decoded at its input size with
// its normalisation and the configured augmentation; texts encoded by its tokenizer.
std::unique_ptr<RunData> runDataFor(const TrainingJob& job, const TrainingConfig& config,
                                    const PreparedModel& prepared, const torch::Device& device,
                                    FailedImageReporter onFailed);

// A layer group with its parameters, in the model's parameter order.
struct BoundLayerGroup {
  LayerGroupPlan plan;
  std::vector<std::string> names;
  std::vector<torch::Tensor> parameters;
};

// Assigns every parameter to its group: by prefix, or, for groups without prefixes (Keras models),
// the head's parameters to the head and the others in order to the backbone groups in equal shares.
// A parameter no prefix matches joins the first group (none does for the catalog's architectures).
std::vector<BoundLayerGroup> bindLayerGroups(const ImageClassifierImpl& model,
                                             std::vector<LayerGroupPlan> plan);

// Freezes the `frozenCount` lowest groups and every group whose rate is 0; the rest train.
void freezeGroups(ImageClassifierImpl& model, const std::vector<BoundLayerGroup>& groups, int frozenCount);

// Indices of the groups that are frozen under freezeGroups(.., frozenCount).
std::vector<bool> frozenMask(const std::vector<BoundLayerGroup>& groups, int frozenCount);

}  // namespace attune::detail
