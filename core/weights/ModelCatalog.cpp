#include "core/weights/ModelCatalog.h"

#include "core/common/FileRead.h"
#include "core/common/JsonFields.h"

#include <QFile>
#include <QSet>

#include <algorithm>

namespace attune {

namespace {

namespace jf = json_fields;

QString indexed(const QString& path, const char* key, size_t index) {
  return QStringLiteral("%1[%2]").arg(jf::joinPath(path, key)).arg(index);
}

Error missing(const QString& keyPath) {
  return Error(ErrorCode::MissingKey, QStringLiteral("The model catalog has no %1.").arg(keyPath),
               QStringLiteral("Reinstall Attune or correct the catalog file."));
}

// An array at `key` (absent = empty); each element passed to `each(element, elementPath)`.
template <typename Each>
Status forEachIn(const nlohmann::json& object, const char* key, const QString& path, Each each) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_array()) return jf::typeError(jf::joinPath(path, key), "a list ([...])");
  for (size_t i = 0; i < it->size(); ++i)
    if (auto status = each((*it)[i], indexed(path, key, i)); !status) return status;
  return {};
}

Status readStrings(const nlohmann::json& object, const char* key, const QString& path, QStringList& out) {
  return forEachIn(object, key, path, [&](const nlohmann::json& value, const QString& itemPath) -> Status {
    QString text;
    if (auto status = jf::readValue(value, itemPath, text); !status) return status;
    out << text;
    return {};
  });
}

Status readRequired(const nlohmann::json& object, const char* key, const QString& path, QString& out) {
  if (auto status = jf::read(object, key, path, out); !status) return status;
  if (out.isEmpty()) return missing(jf::joinPath(path, key));
  return {};
}

Status readTriple(const nlohmann::json& object, const char* key, const QString& path,
                  std::array<float, 3>& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_array() || it->size() != 3)
    return jf::typeError(jf::joinPath(path, key), "a list of 3 numbers");
  for (size_t i = 0; i < 3; ++i) {
    double value = 0;
    if (auto status = jf::readValue((*it)[i], indexed(path, key, i), value); !status) return status;
    out[i] = float(value);
  }
  return {};
}

// {"name": "encoder layer {i}", "prefixes": ["encoder.layers.encoder_layer_{i}."], "repeat": 12}
// expands to 12 groups with {i} = 0..11.
Status readLayerGroup(const nlohmann::json& value, const QString& path, std::vector<LayerGroupSpec>& out) {
  if (!value.is_object()) return jf::typeError(path, "an object ({...})");
  LayerGroupSpec spec;
  if (auto status = readRequired(value, "name", path, spec.name); !status) return status;
  if (auto status = readStrings(value, "prefixes", path, spec.prefixes); !status) return status;
  if (spec.prefixes.isEmpty()) return missing(jf::joinPath(path, "prefixes"));
  int repeat = 0;
  if (auto status = jf::read(value, "repeat", path, repeat); !status) return status;
  if (repeat < 0 || repeat > 1000) return jf::typeError(jf::joinPath(path, "repeat"), "between 0 and 1000");
  if (repeat == 0) {
    out.push_back(std::move(spec));
    return {};
  }
  for (int i = 0; i < repeat; ++i) {
    const QString number = QString::number(i);
    LayerGroupSpec copy{QString(spec.name).replace(QStringLiteral("{i}"), number), {}};
    for (const auto& prefix : spec.prefixes)
      copy.prefixes << QString(prefix).replace(QStringLiteral("{i}"), number);
    out.push_back(std::move(copy));
  }
  return {};
}

Status readWeights(const nlohmann::json& value, const QString& path, CatalogWeights& out) {
  if (!value.is_object()) return jf::typeError(path, "an object ({...})");
  auto& source = out.source;
  QString url;
  if (auto status = readRequired(value, "url", path, url); !status) return status;
  source.url = QUrl(url, QUrl::StrictMode);
  if (!source.url.isValid() || (source.url.scheme() != u"https" && source.url.scheme() != u"http"))
    return jf::typeError(jf::joinPath(path, "url"), "an http(s) address");
  if (auto status = readRequired(value, "file", path, source.fileName); !status) return status;
  if (source.fileName.contains(u'/') || source.fileName.contains(u'\\') || source.fileName.startsWith(u'.'))
    return jf::typeError(jf::joinPath(path, "file"), "a plain file name");
  for (auto [key, hash] :
       {std::pair{"sha256", &source.sha256}, std::pair{"sha256_prefix", &source.sha256Prefix}}) {
    if (auto status = jf::read(value, key, path, *hash); !status) return status;
    *hash = hash->toLower();
    const bool hex = std::all_of(hash->begin(), hash->end(), [](QChar c) {
      return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f');
    });
    const bool fullLength = key == std::string_view("sha256") ? hash->size() == 64 : hash->size() <= 64;
    if (!hash->isEmpty() && (!hex || !fullLength))
      return jf::typeError(jf::joinPath(path, key), "a hexadecimal SHA-256 (or its start)");
  }
  double sizeBytes = -1;
  if (auto status = jf::read(value, "size_bytes", path, sizeBytes); !status) return status;
  source.sizeBytes = sizeBytes >= 0 ? qint64(sizeBytes) : -1;
  if (auto status = jf::read(value, "approx_size_mb", path, out.approxSizeMb); !status) return status;
  if (auto status = jf::read(value, "format", path, out.format); !status) return status;
  if (auto status = jf::read(value, "recipe", path, out.recipe); !status) return status;
  if (auto status = jf::read(value, "licence", path, source.licence); !status) return status;
  if (auto status = jf::read(value, "origin", path, source.origin); !status) return status;
  if (auto status = jf::read(value, "hf_repo", path, source.hfRepo); !status) return status;
  if (auto status = jf::read(value, "hf_revision", path, source.hfRevision); !status) return status;
  if (auto status = jf::read(value, "hf_path", path, source.hfPath); !status) return status;
  return readStrings(value, "hf_aliases", path, out.hfRepoAliases);
}

Status readEntry(const nlohmann::json& value, const QString& path, CatalogEntry& entry) {
  if (!value.is_object()) return jf::typeError(path, "an object ({...})");
  if (auto status = readRequired(value, "id", path, entry.id); !status) return status;
  if (auto status = readRequired(value, "display_name", path, entry.displayName); !status) return status;
  if (auto status = readRequired(value, "task", path, entry.task); !status) return status;
  if (entry.task != u"image" && entry.task != u"text")
    return jf::typeError(jf::joinPath(path, "task"), "\"image\" or \"text\"");
  if (auto status = readRequired(value, "architecture", path, entry.architecture); !status) return status;
  if (auto status = jf::read(value, "description", path, entry.description); !status) return status;
  if (auto status = jf::read(value, "input_size", path, entry.inputSize); !status) return status;
  if (entry.inputSize <= 0) return jf::typeError(jf::joinPath(path, "input_size"), "a positive whole number");
  if (auto status = jf::read(value, "resize_size", path, entry.resizeSize); !status) return status;
  if (auto status = jf::read(value, "interpolation", path, entry.interpolation); !status) return status;
  double parameters = 0;
  if (auto status = jf::read(value, "parameters", path, parameters); !status) return status;
  entry.parameters = qint64(parameters);
  auto normalization = jf::object(value, "normalization", path);
  if (!normalization) return normalization.error();
  if (const nlohmann::json* object = *normalization) {
    const QString normPath = jf::joinPath(path, "normalization");
    if (auto status = readTriple(*object, "mean", normPath, entry.mean); !status) return status;
    if (auto status = readTriple(*object, "std", normPath, entry.std); !status) return status;
    if (std::any_of(entry.std.begin(), entry.std.end(), [](float s) { return !(s > 0.f); }))
      return jf::typeError(jf::joinPath(normPath, "std"), "positive numbers");
  }
  if (auto status = forEachIn(value, "layer_groups", path,
                              [&](const nlohmann::json& group, const QString& groupPath) {
                                return readLayerGroup(group, groupPath, entry.layerGroups);
                              });
      !status)
    return status;
  if (auto status = forEachIn(value, "weights", path,
                              [&](const nlohmann::json& item, const QString& itemPath) -> Status {
                                CatalogWeights weights;
                                if (auto s = readWeights(item, itemPath, weights); !s) return s;
                                entry.weights.push_back(std::move(weights));
                                return {};
                              });
      !status)
    return status;
  if (entry.weights.empty()) return missing(jf::joinPath(path, "weights"));
  return {};
}

}  // namespace

Result<ModelCatalog> ModelCatalog::parse(const QByteArray& json) {
  const auto document = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object())
    return Error(ErrorCode::BadFormat, QStringLiteral("The model catalog is not a JSON object."),
                 QStringLiteral("Reinstall Attune or correct the catalog file."));
  int formatVersion = 0;
  if (auto status = jf::read(document, "format_version", QString(), formatVersion); !status)
    return status.error();
  if (formatVersion != 1)
    return Error(ErrorCode::NewerFormat,
                 QStringLiteral("The model catalog has format version %1; this Attune reads version 1.")
                     .arg(formatVersion),
                 QStringLiteral("Update Attune."));
  ModelCatalog catalog;
  QSet<QString> ids;
  auto status = forEachIn(
      document, "models", QString(), [&](const nlohmann::json& value, const QString& path) -> Status {
        CatalogEntry entry;
        if (auto s = readEntry(value, path, entry); !s) return s;
        if (ids.contains(entry.id))
          return Error(ErrorCode::BadValue, QStringLiteral("The model catalog lists %1 twice.").arg(entry.id),
                       QStringLiteral("Give every model its own id."));
        ids.insert(entry.id);
        catalog.m_entries.push_back(std::move(entry));
        return {};
      });
  if (!status) return status.error();
  return catalog;
}

const ModelCatalog& ModelCatalog::builtIn() {
  static const ModelCatalog kCatalog = [] {
    QFile file(QStringLiteral(":/attune/catalog/models.json"));
    if (!file.open(QIODevice::ReadOnly)) qFatal("Attune's built-in model catalog resource is missing");
    auto parsed = parse(file.readAll());
    if (!parsed) qFatal("Attune's built-in model catalog is invalid: %s", qPrintable(parsed.error().text()));
    return std::move(parsed).value();
  }();
  return kCatalog;
}

Result<ModelCatalog> ModelCatalog::active() {
  const QString path = qEnvironmentVariable("ATTUNE_CATALOG");
  if (path.isEmpty()) return builtIn();
  auto bytes = readRegularFile(path, kMaxSmallJsonBytes, QStringLiteral("the model catalog"));
  if (!bytes)
    return Error(bytes.error().code,
                 QStringLiteral("%1 (named by ATTUNE_CATALOG).").arg(bytes.error().message.chopped(1)),
                 QStringLiteral("Correct ATTUNE_CATALOG or unset it to use Attune's own catalog."));
  auto parsed = parse(*bytes);
  if (!parsed) {
    Error error = parsed.error();
    error.message = QStringLiteral("%1 (ATTUNE_CATALOG): %2").arg(path, error.message);
    return error;
  }
  return parsed;
}

const CatalogEntry* ModelCatalog::find(const QString& id) const {
  const auto it = std::find_if(m_entries.begin(), m_entries.end(), [&](const auto& e) { return e.id == id; });
  return it == m_entries.end() ? nullptr : &*it;
}

const CatalogEntry* ModelCatalog::defaultFor(const QString& architecture) const {
  const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                               [&](const auto& e) { return e.architecture == architecture; });
  return it == m_entries.end() ? nullptr : &*it;
}

}  // namespace attune
