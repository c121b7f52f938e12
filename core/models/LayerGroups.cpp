#include "core/models/LayerGroups.h"

#include "core/models/Architecture.h"
#include "core/models/TextModelConfig.h"
#include "core/models/WordVectorModel.h"

#include <QDir>
#include <QFileInfo>

namespace attune {
namespace {

std::vector<LayerGroupSpec> catalogGroups(const QString& architecture) {
  const CatalogEntry* entry = ModelCatalog::builtIn().defaultFor(architecture);
  return entry ? entry->layerGroups : std::vector<LayerGroupSpec>{};
}

std::vector<LayerGroupSpec> transformerGroups(const ModelChoice& choice) {
  const TextModelKind kind = choice.architecture == QLatin1String(kBertArchitecture)
                                 ? TextModelKind::Bert
                                 : TextModelKind::DistilBert;
  if (!choice.weights.isEmpty() && QFileInfo(choice.weights).isDir()) {
    auto config = readTextModelConfig(QDir(choice.weights).filePath(QStringLiteral("config.json")));
    if (config && config->kind == kind) return textLayerGroups(*config);
  }
  return catalogGroups(choice.architecture);
}

}  // namespace

std::vector<LayerGroupSpec> layerGroupsFor(const ModelChoice& choice) {
  const QString& architecture = choice.architecture;
  if (architecture == QLatin1String(kTfjsArchitecture)) {
    return {{QStringLiteral("lower layers"), {}},
            {QStringLiteral("middle layers"), {}},
            {QStringLiteral("upper layers"), {}},
            {QStringLiteral("head"), {}}};
  }
  if (architecture == QLatin1String(kWordVectorArchitecture)) {
    WordVectorOptions options;
    // As the engine reads the setting: an unknown name builds no encoder.
    options.encoder = wordEncoderFromString(choice.wordEncoder).value_or(WordEncoder::None);
    return wordVectorLayerGroups(options);
  }
  if (architecture == QLatin1String(kBertArchitecture) ||
      architecture == QLatin1String(kDistilBertArchitecture))
    return transformerGroups(choice);
  return catalogGroups(architecture);
}

}  // namespace attune
