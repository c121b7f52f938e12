#pragma once
// The layer groups of the model a run builds: the one source the engine (which binds them to the
// model's parameters), the settings window's group table and rate preview, and optim.group_lrs's
// names all read. Plain data, no LibTorch.

#include "core/weights/ModelCatalog.h"

#include <QString>

#include <vector>

namespace attune {

// The settings that decide a model's layer groups: TrainingConfig's model.architecture,
// model.weights and model.word_encoder; no other setting changes them. core/models does not see
// core/project: modelChoiceOf (core/training/LayerGroupPlan.h) takes them from a TrainingConfig.
struct ModelChoice {
  QString architecture;                          // an ArchitectureInfo id
  QString weights;                               // a file, a model folder, "catalog:<id>" or empty
  QString wordEncoder = QStringLiteral("none");  // word vectors: "none" or "conv"
};

// The layer groups, from the input to the head, of the model `choice` builds; each has the
// parameter-name prefixes detail::bindLayerGroups assigns by (none for a Keras model, whose
// parameters are assigned by order).
//  - the catalog's image architectures: the built-in catalog's groups;
//  - BERT / DistilBERT: from the model folder's config.json ("encoder layer 0" .. one per layer).
//    While no folder is chosen (empty, a "catalog:<id>" reference not yet located, or a folder
//    without a readable config.json of that kind) the architecture's recommended catalog model's
//    groups (bert-base-uncased, distilbert-base-uncased): what the settings show before the
//    download; the run itself cannot start without a readable folder;
//  - word vectors: "embeddings", "encoder" (only with model.word_encoder=conv), "head";
//  - a Keras / TF.js export: "lower layers", "middle layers", "upper layers" (thirds of its
//    layers in order) and "head".
// Empty for an unknown architecture.
std::vector<LayerGroupSpec> layerGroupsFor(const ModelChoice& choice);

}  // namespace attune
