#pragma once
// A TF.js layers model: a Keras model exported by the TF.js converter (model.json + binary weight
// shards), or the JavaScript-wrapped variant some npm packages ship (nsfwjs's model.min.js +
// group1-shard1of1.min.js, whose shards are base64 strings). Reading never runs any code: the
// topology is parsed as data and the weights are decoded by the manifest.

#include "core/common/Result.h"
#include "core/weights/TensorData.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace attune {

// One entry of the weights manifest as it was stored.
struct TfjsWeightInfo {
  std::string name;            // "Conv1/kernel": Keras layer name / weight name
  std::vector<int64_t> shape;  // Keras layout (HWIO kernels, [in, out] dense kernels)
  std::string dtype;           // the manifest's dtype: "float32", "int32" or "bool"
  std::string storage;  // how the bytes hold it: "float32", "int32", "bool", "uint8", "uint16", "float16"
};

struct TfjsModel {
  // The Keras model config ({"class_name": "Model"|"Functional"|"Sequential", "config": {...}}), taken
  // out of the older converters' {"keras_version", "model_config": ...} wrapper.
  nlohmann::json modelConfig;
  // Every weight decoded to F32 under its manifest name, in the Keras shape.
  TensorMap weights;
  std::vector<TfjsWeightInfo> manifest;  // in manifest (byte) order
  // "keras_version", "backend", "generated_by", "converted_by", "format" when the files say so.
  std::map<std::string, std::string> metadata;
};

// Reads the bytes of a shard named by a manifest path (relative to the model file's folder).
using TfjsShardLoader = std::function<Result<QByteArray>(const QString& manifestPath)>;
// The same, told how many bytes the manifest still allows for the shard's group: a loader that reads
// files refuses a larger shard before reading it (a link to /dev/zero would never end).
using TfjsBoundedShardLoader =
    std::function<Result<QByteArray>(const QString& manifestPath, qint64 maxBytes)>;

// `path` is a folder holding model.json (or model.min.js), or the model file itself. Shards are
// looked up next to it: `<path>` for model.json, `<path>.min.js` / `<path>.js` for a .js bundle.
Result<TfjsModel> readTfjsModel(const QString& path);

// The model file's text (JSON or a CommonJS wrapper) with shards from `loader`; readTfjsModel's core,
// usable on bytes in memory.
Result<TfjsModel> parseTfjsModel(const QByteArray& modelText, const TfjsShardLoader& loader);
Result<TfjsModel> parseTfjsModel(const QByteArray& modelText, const TfjsBoundedShardLoader& loader);

// True if readTfjsModel should be tried for `path`: a folder, or a .json / .js file.
bool isTfjsModelPath(const QString& path);

}  // namespace attune
