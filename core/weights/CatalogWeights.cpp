#include "core/weights/CatalogWeights.h"

#include <algorithm>

namespace attune {

WeightLookup locateCatalogFile(WeightLocator& locator, const CatalogWeights& weights) {
  WeightLookup lookup = locator.locate(weights.source);
  for (const auto& alias : weights.hfRepoAliases) {
    if (lookup.found || weights.source.hfRepo.isEmpty()) break;
    WeightSource aliased = weights.source;
    aliased.hfRepo = alias;
    WeightLookup other = locator.locate(aliased);
    if (other.found) lookup = std::move(other);
  }
  return lookup;
}

Result<CatalogWeightsLookup> lookUpCatalogWeights(const QString& id, WeightLocator& locator) {
  auto catalog = ModelCatalog::active();
  if (!catalog) return catalog.error();
  const CatalogEntry* entry = catalog->find(id);
  if (!entry)
    return Error(ErrorCode::BadValue, QStringLiteral("The model catalog has no model '%1'.").arg(id),
                 QStringLiteral("Choose one of the models Attune lists (attune-cli models)."));
  const auto parameters = std::find_if(
      entry->weights.begin(), entry->weights.end(),
      [](const CatalogWeights& w) { return w.format == u"pytorch" || w.format == u"safetensors"; });
  if (parameters == entry->weights.end())
    return Error(ErrorCode::BadValue, QStringLiteral("The catalog entry %1 lists no weights file.").arg(id),
                 QStringLiteral("Choose another model."));
  return CatalogWeightsLookup{*entry, *parameters, locateCatalogFile(locator, *parameters)};
}

}  // namespace attune
