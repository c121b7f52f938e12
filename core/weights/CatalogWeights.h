#pragma once
// From a model catalog id to a weights file on this computer: the catalog says which file, the
// WeightLocator says where (and whether) a verified copy is.

#include "core/common/Result.h"
#include "core/weights/ModelCatalog.h"
#include "core/weights/WeightLocator.h"

namespace attune {

// One catalog file's local copy, also under the older names of its Hugging Face repository.
WeightLookup locateCatalogFile(WeightLocator& locator, const CatalogWeights& weights);

struct CatalogWeightsLookup {
  CatalogEntry entry;
  CatalogWeights weights;  // the file holding the model's parameters
  WeightLookup local;      // its verified local copy, if any, and why other copies were not used
};

// The parameters file of catalog model `id` (the one with format "pytorch" or "safetensors") in the
// active catalog, with its local copy. Errors: an unknown id, a catalog that cannot be read.
Result<CatalogWeightsLookup> lookUpCatalogWeights(const QString& id, WeightLocator& locator);

}  // namespace attune
