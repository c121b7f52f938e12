#include "core/weights/TfjsModel.h"

#include "core/common/FileRead.h"
#include "core/weights/JsLiteral.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QtEndian>

#include <cmath>
#include <cstring>
#include <set>

namespace attune {
namespace {

using nlohmann::json;

// model.json holds the topology and the manifest only: a few hundred KiB for large models.
constexpr qint64 kMaxModelFileBytes = qint64(64) << 20;
// The CommonJS text around a base64 shard ("module.exports = '...';" and a licence comment).
constexpr qint64 kMaxJsWrapperBytes = qint64(64) << 10;

const QString kReExportHint =
    QStringLiteral("Export the model again with the TF.js converter, or download it again.");

Error badModel(const QString& message) {
  return Error(ErrorCode::BadFormat, message, kReExportHint);
}

QString quotedName(const std::string& name) {
  return QLatin1Char('"') + QString::fromStdString(name) + QLatin1Char('"');
}

int storageSize(const std::string& storage) {
  if (storage == "float32" || storage == "int32") return 4;
  if (storage == "uint16" || storage == "float16") return 2;
  if (storage == "uint8" || storage == "bool") return 1;
  return 0;
}

float halfToFloat(uint16_t half) {
  const uint32_t sign = uint32_t(half & 0x8000) << 16;
  const int exponent = (half >> 10) & 0x1F;
  const uint32_t mantissa = half & 0x3FF;
  float magnitude = 0.0f;
  if (exponent == 0)
    magnitude = std::ldexp(float(mantissa), -24);  // zero and subnormals
  else if (exponent == 31)
    magnitude = mantissa == 0 ? INFINITY : NAN;
  else
    magnitude = std::ldexp(float(mantissa | 0x400), exponent - 25);
  uint32_t bits = 0;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  std::memcpy(&magnitude, &bits, 4);
  return magnitude;
}

// One manifest entry checked: its name, shape, storage and (for uint8/uint16) affine parameters.
struct Entry {
  TfjsWeightInfo info;
  int64_t numel = 0;
  int64_t byteSize = 0;
  double min = 0.0;
  double scale = 1.0;
};

Result<Entry> checkEntry(const json& item) {
  if (!item.is_object() || !item.contains("name") || !item["name"].is_string())
    return badModel(QStringLiteral("A weight in the weights manifest has no name."));
  Entry entry;
  entry.info.name = item["name"].get<std::string>();
  const QString name = quotedName(entry.info.name);
  if (!item.contains("shape") || !item["shape"].is_array())
    return badModel(QStringLiteral("The weight %1 has no shape in the weights manifest.").arg(name));
  for (const auto& dim : item["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0)
      return badModel(QStringLiteral("The weight %1 has an invalid shape.").arg(name));
    entry.info.shape.push_back(dim.get<int64_t>());
  }
  const auto numel = checkedNumel(entry.info.shape);
  if (!numel || *numel > (int64_t(1) << 40))
    return badModel(QStringLiteral("The weight %1 has an impossibly large shape.").arg(name));
  entry.numel = *numel;
  entry.info.dtype = "float32";
  if (auto dtype = item.find("dtype"); dtype != item.end())
    entry.info.dtype = dtype->is_string() ? dtype->get<std::string>() : std::string();
  if (entry.info.dtype != "float32" && entry.info.dtype != "int32" && entry.info.dtype != "bool")
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("The weight %1 has the data type \"%2\", which Attune cannot read.")
            .arg(name, QString::fromStdString(entry.info.dtype)),
        QStringLiteral("Only float32, int32 and bool weights (optionally quantised) are supported."));
  entry.info.storage = entry.info.dtype;
  if (item.contains("quantization") && !item["quantization"].is_null()) {
    const json& q = item["quantization"];
    if (!q.is_object() || !q.contains("dtype") || !q["dtype"].is_string())
      return badModel(QStringLiteral("The quantisation of weight %1 is malformed.").arg(name));
    entry.info.storage = q["dtype"].get<std::string>();
    if (entry.info.storage == "uint8" || entry.info.storage == "uint16") {
      if (!q.contains("min") || !q["min"].is_number() || !q.contains("scale") || !q["scale"].is_number())
        return badModel(QStringLiteral("The quantised weight %1 lacks its min or scale.").arg(name));
      entry.min = q["min"].get<double>();
      entry.scale = q["scale"].get<double>();
      if (!std::isfinite(entry.min) || !std::isfinite(entry.scale))
        return badModel(QStringLiteral("The quantised weight %1 has a non-finite min or scale.").arg(name));
    } else if (entry.info.storage != "float16") {
      return Error(ErrorCode::BadFormat,
                   QStringLiteral("The weight %1 is quantised as \"%2\", which Attune cannot read.")
                       .arg(name, QString::fromStdString(entry.info.storage)),
                   QStringLiteral("Supported quantisations are uint8, uint16 and float16."));
    }
  }
  entry.byteSize = entry.numel * storageSize(entry.info.storage);
  return entry;
}

// Decodes one entry's bytes (exactly entry.byteSize of them) to F32 values.
TensorData decode(const Entry& entry, const char* bytes) {
  TensorData tensor;
  tensor.dtype = DType::F32;
  tensor.shape = entry.info.shape;
  tensor.bytes.resize(qsizetype(entry.numel * 4));
  float* out = reinterpret_cast<float*>(tensor.bytes.data());
  const auto* u8 = reinterpret_cast<const uchar*>(bytes);
  const std::string& storage = entry.info.storage;
  const bool roundToInt = entry.info.dtype == "int32";
  for (int64_t i = 0; i < entry.numel; ++i) {
    double value = 0.0;
    if (storage == "float32") {
      value = qFromLittleEndian<float>(bytes + 4 * i);
    } else if (storage == "int32") {
      value = qFromLittleEndian<qint32>(bytes + 4 * i);
    } else if (storage == "bool") {
      value = u8[i] != 0 ? 1.0 : 0.0;
    } else if (storage == "float16") {
      value = halfToFloat(qFromLittleEndian<quint16>(bytes + 2 * i));
    } else {
      // TF.js: value = min + scale * q, rounded for int32 weights.
      const double q = storage == "uint8" ? double(u8[i]) : double(qFromLittleEndian<quint16>(bytes + 2 * i));
      value = entry.min + entry.scale * q;
      if (roundToInt) value = std::round(value);
    }
    out[i] = float(value);
  }
  return tensor;
}

}  // namespace

bool isTfjsModelPath(const QString& path) {
  const QFileInfo info(path);
  if (info.isDir()) return true;
  const QString name = info.fileName().toLower();
  return name.endsWith(QLatin1String(".json")) || name.endsWith(QLatin1String(".js"));
}

Result<TfjsModel> parseTfjsModel(const QByteArray& modelText, const TfjsShardLoader& loader) {
  return parseTfjsModel(
      modelText, TfjsBoundedShardLoader([&loader](const QString& path, qint64) { return loader(path); }));
}

Result<TfjsModel> parseTfjsModel(const QByteArray& modelText, const TfjsBoundedShardLoader& loader) {
  auto document = parseJsExports(modelText);
  if (!document) return document.error();
  const json& root = *document;
  if (!root.is_object() || !root.contains("modelTopology") || !root.contains("weightsManifest"))
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("This is not a TF.js model file: it lacks modelTopology or weightsManifest."),
                 QStringLiteral("Give the model.json written by the TF.js converter."));
  TfjsModel model;
  for (const auto& [key, metaKey] : {std::pair{"format", "format"}, std::pair{"generatedBy", "generated_by"},
                                     std::pair{"convertedBy", "converted_by"}})
    if (root.contains(key) && root[key].is_string()) model.metadata[metaKey] = root[key].get<std::string>();
  const json& topology = root["modelTopology"];
  if (!topology.is_object() || topology.contains("node") || model.metadata["format"] == "graph-model")
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("This TF.js model is a graph model (a frozen TensorFlow graph), not a Keras "
                                "layers model."),
                 QStringLiteral("Attune can fine-tune TF.js layers models (exported from Keras); use the "
                                "Keras version of this model."));
  if (model.metadata["format"].empty()) model.metadata.erase("format");
  for (const char* key : {"keras_version", "backend"})
    if (topology.contains(key) && topology[key].is_string())
      model.metadata[key] = topology[key].get<std::string>();
  model.modelConfig = topology.contains("model_config") ? topology["model_config"] : topology;
  if (!model.modelConfig.is_object() || !model.modelConfig.contains("class_name") ||
      !model.modelConfig.contains("config"))
    return badModel(QStringLiteral("The model's Keras topology lacks its class_name or config."));

  const json& manifest = root["weightsManifest"];
  if (!manifest.is_array()) return badModel(QStringLiteral("The weights manifest is not a list."));
  for (const json& group : manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
        !group.contains("weights") || !group["weights"].is_array())
      return badModel(QStringLiteral("A weights group of the manifest lacks its paths or weights."));
    std::vector<Entry> entries;
    int64_t expectedBytes = 0;
    for (const json& item : group["weights"]) {
      auto entry = checkEntry(item);
      if (!entry) return entry.error();
      expectedBytes += entry->byteSize;
      if (expectedBytes > (int64_t(1) << 40))
        return badModel(QStringLiteral("The weights manifest describes impossibly many weights."));
      entries.push_back(std::move(*entry));
    }
    QByteArray bytes;
    QStringList shardNames;
    for (const json& path : group["paths"]) {
      if (!path.is_string()) return badModel(QStringLiteral("A shard path in the manifest is not text."));
      const QString shard = QString::fromStdString(path.get<std::string>());
      auto content = loader(shard, expectedBytes - bytes.size());
      if (!content) return content.error();
      if (bytes.size() + content->size() > expectedBytes)
        return badModel(
            QStringLiteral("The weight shards %1 hold more bytes than the manifest describes (%2).")
                .arg(shardNames.join(QStringLiteral(", ")) + QStringLiteral(" ") + shard)
                .arg(expectedBytes));
      bytes += *content;
      shardNames << shard;
    }
    if (bytes.size() != expectedBytes)
      return badModel(
          QStringLiteral("The weight shards %1 hold %2 bytes but the manifest needs %3: a shard is "
                         "missing or cut short.")
              .arg(shardNames.join(QStringLiteral(", ")))
              .arg(bytes.size())
              .arg(expectedBytes));
    int64_t offset = 0;
    for (const Entry& entry : entries) {
      if (model.weights.count(entry.info.name) != 0)
        return badModel(
            QStringLiteral("The weight %1 appears twice in the manifest.").arg(quotedName(entry.info.name)));
      model.weights[entry.info.name] = decode(entry, bytes.constData() + offset);
      offset += entry.byteSize;
      model.manifest.push_back(entry.info);
    }
  }
  return model;
}

Result<TfjsModel> readTfjsModel(const QString& path) {
  QFileInfo info(path);
  if (info.isDir()) {
    const QDir dir(path);
    for (const char* name : {"model.json", "model.min.js", "model.js"}) {
      if (dir.exists(QLatin1String(name))) {
        info = QFileInfo(dir.filePath(QLatin1String(name)));
        break;
      }
    }
    if (info.isDir())
      return Error(
          ErrorCode::FileNotFound, QStringLiteral("The folder %1 holds no model.json.").arg(path),
          QStringLiteral("Choose the folder of a TF.js model export (model.json and its .bin files)."));
  }
  auto text = readRegularFile(info.filePath(), kMaxModelFileBytes, QStringLiteral("the model file"));
  if (!text) return text.error();
  const bool jsBundle = info.fileName().endsWith(QLatin1String(".js"), Qt::CaseInsensitive);
  const QDir folder = info.dir();

  const TfjsBoundedShardLoader loader = [&](const QString& manifestPath,
                                            qint64 maxBytes) -> Result<QByteArray> {
    const QString clean = QDir::cleanPath(manifestPath);
    if (clean.isEmpty() || QDir::isAbsolutePath(clean) || clean == QLatin1String("..") ||
        clean.startsWith(QLatin1String("../")) || clean.contains(QLatin1Char('\\')) ||
        clean.contains(QLatin1Char(':')))
      return badModel(QStringLiteral("The weights manifest names a shard outside the model's folder (%1).")
                          .arg(manifestPath));
    QStringList candidates{clean};
    if (jsBundle) candidates = {clean + QStringLiteral(".min.js"), clean + QStringLiteral(".js"), clean};
    for (const QString& candidate : candidates) {
      const QString shardPath = folder.filePath(candidate);
      if (!QFileInfo::exists(shardPath)) continue;
      const bool base64 = candidate.endsWith(QLatin1String(".js"));
      // A .js shard holds the bytes as base64 (4 characters per 3 bytes) inside a short wrapper.
      const qint64 limit = base64 ? (maxBytes + 2) / 3 * 4 + kMaxJsWrapperBytes : maxBytes;
      auto read = readRegularFile(shardPath, limit, QStringLiteral("the weight shard"));
      if (!read) {
        Error error = read.error();
        if (error.code == ErrorCode::BadFormat)  // over the limit: say what the manifest allows
          error = badModel(QStringLiteral("The weight shard %1 is larger than the weights manifest allows "
                                          "(%2 bytes are left for it).")
                               .arg(shardPath)
                               .arg(maxBytes));
        return error;
      }
      QByteArray bytes = std::move(*read);
      if (!base64) return bytes;
      auto literal = parseJsExports(bytes);
      if (!literal) return literal.error();
      if (!literal->is_string())
        return badModel(
            QStringLiteral("The weight shard %1 does not export a base64 string.").arg(candidate));
      auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(literal->get<std::string>()),
                                                    QByteArray::AbortOnBase64DecodingErrors);
      if (!decoded)
        return badModel(QStringLiteral("The weight shard %1 is not valid base64.").arg(candidate));
      return *decoded;
    }
    return Error(
        ErrorCode::FileNotFound,
        QStringLiteral("The weight shard %1 is missing next to %2.").arg(manifestPath, info.fileName()),
        QStringLiteral("Copy all files of the model export (model.json and every shard) into one folder."));
  };
  return parseTfjsModel(*text, loader);
}

}  // namespace attune
