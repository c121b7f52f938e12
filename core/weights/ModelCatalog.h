#pragma once
// Attune's catalog of pre-trained models (core/weights/catalog/models.json, compiled in as a Qt
// resource): for each model its id, task, architecture, input size, normalisation, layer groups and
// where its weight files come from. The catalog only describes; WeightLocator finds local copies and
// Downloader fetches the rest.

#include "core/common/Result.h"
#include "core/weights/WeightSource.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <array>
#include <vector>

namespace attune {

// A named set of parameter-name prefixes: "stage 2" = {"layer2."}. Groups run from the input to the
// head; every parameter of the architecture belongs to exactly one group.
struct LayerGroupSpec {
  QString name;
  QStringList prefixes;
};

struct CatalogWeights {
  WeightSource source;
  QString format;             // "pytorch", "safetensors", "config", "vocab", "tokenizer"
  double approxSizeMb = 0.0;  // 0 when not stated
  QString recipe;             // how the weights were trained (a URL), may be empty
  QStringList hfRepoAliases;  // other names of the same Hugging Face repository
};

struct CatalogEntry {
  QString id;            // "resnet18.tv_in1k_v1"
  QString displayName;   // "ResNet-18 (ImageNet, torchvision V1)"
  QString description;   // one plain sentence
  QString task;          // "image" or "text"
  QString architecture;  // an id of architectures() for images; "bert" / "distilbert" for text
  int inputSize = 0;     // image side in pixels, or the maximum sequence length for text
  int resizeSize = 0;    // images: the shorter side before the centre crop (0 for text)
  QString interpolation;
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{1.f, 1.f, 1.f};
  qint64 parameters = 0;
  std::vector<LayerGroupSpec> layerGroups;
  std::vector<CatalogWeights> weights;
};

class ModelCatalog {
 public:
  // Parses a catalog document; errors name the offending key path ("models[3].weights[0].url").
  static Result<ModelCatalog> parse(const QByteArray& json);
  // The catalog compiled into Attune (parsed once; tests guarantee it parses).
  static const ModelCatalog& builtIn();
  // The catalog in use: the file named by ATTUNE_CATALOG when set (an organisation's own list of
  // approved models, or a test's), else the built-in one.
  static Result<ModelCatalog> active();

  const std::vector<CatalogEntry>& entries() const { return m_entries; }
  // nullptr when the id is unknown.
  const CatalogEntry* find(const QString& id) const;
  // The first (recommended) entry of an architecture; nullptr when the catalog has none.
  const CatalogEntry* defaultFor(const QString& architecture) const;

 private:
  std::vector<CatalogEntry> m_entries;
};

}  // namespace attune
