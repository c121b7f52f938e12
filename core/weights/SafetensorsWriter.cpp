#include "core/weights/SafetensorsWriter.h"

#include "core/common/AtomicFile.h"
#include "core/weights/SafetensorsReader.h"

#include <QtEndian>

#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

namespace attune {

namespace {

// ordered_json keeps "__metadata__" first and the fields in the order the official writer uses.
using nlohmann::ordered_json;

constexpr int kHeaderAlignment = 8;
constexpr char kMetadataKey[] = "__metadata__";

QString unwritableHint() {
  return QStringLiteral(
      "Check that the folder exists, that you may write to it and that the disk has free space.");
}

// What the writer needs of a tensor: its name, type, shape and size for the header, and its bytes
// when they are written (from a TensorMap's bytes or a TensorSource).
struct Entry {
  const std::string* name;
  DType dtype;
  const std::vector<int64_t>* shape;
  int64_t byteCount;  // -1: the bytes do not match the shape (refused with a message)
  std::function<QByteArrayView(QByteArray& scratch)> bytes;
};

std::vector<Entry> entriesOf(const TensorMap& tensors) {
  std::vector<Entry> entries;
  entries.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const std::optional<int64_t> expected = checkedByteSize(tensor.dtype, tensor.shape);
    entries.push_back({&name, tensor.dtype, &tensor.shape,
                       expected && *expected == tensor.bytes.size() ? *expected : -1,
                       [&bytes = tensor.bytes](QByteArray&) { return QByteArrayView(bytes); }});
  }
  return entries;
}

std::vector<Entry> entriesOf(const TensorSources& tensors) {
  std::vector<Entry> entries;
  entries.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const std::optional<int64_t> expected = checkedByteSize(tensor.dtype, tensor.shape);
    entries.push_back({&name, tensor.dtype, &tensor.shape, expected ? *expected : -1, tensor.bytes});
  }
  return entries;
}

Error sizeError(const std::string& name, int64_t bytes, DType dtype) {
  return Error(ErrorCode::BadValue,
               QStringLiteral("Tensor \"%1\" holds %2 bytes, which does not match its shape and element "
                              "type %3.")
                   .arg(QString::fromUtf8(name.data(), qsizetype(name.size())))
                   .arg(bytes)
                   .arg(QLatin1String(dtypeName(dtype))));
}

// The length field and the JSON header, padded with spaces so that the tensor data starts at a
// multiple of 8 bytes (as the official implementation does, for aligned memory-mapped reads).
Result<QByteArray> buildHeader(const std::vector<Entry>& entries,
                               const std::map<std::string, std::string>& metadata) {
  // The header is written entry by entry (an ordered_json object looks each new key up among all the
  // others: quadratic in the number of tensors); the map's names are unique already.
  std::string text = "{";
  auto append = [&text](const std::string& key, const ordered_json& value) {
    if (text.size() > 1) text += ',';
    text += ordered_json(key).dump(-1, ' ', /*ensure_ascii=*/false, ordered_json::error_handler_t::strict);
    text += ':';
    text += value.dump(-1, ' ', /*ensure_ascii=*/false, ordered_json::error_handler_t::strict);
  };
  int64_t offset = 0;
  try {
    if (!metadata.empty()) append(kMetadataKey, metadata);
    for (const Entry& entry : entries) {
      if (*entry.name == kMetadataKey) {
        return Error(ErrorCode::BadValue, QStringLiteral("A tensor may not be named \"__metadata__\"."),
                     QStringLiteral("Rename the tensor."));
      }
      if (entry.byteCount < 0) {
        QByteArray scratch;
        return sizeError(*entry.name, entry.bytes(scratch).size(), entry.dtype);
      }
      append(*entry.name, {{"dtype", dtypeName(entry.dtype)},
                           {"shape", *entry.shape},
                           {"data_offsets", {offset, offset + entry.byteCount}}});
      offset += entry.byteCount;
    }
  } catch (const ordered_json::type_error&) {
    return Error(ErrorCode::BadValue, QStringLiteral("A tensor name or metadata text is not valid UTF-8."),
                 QStringLiteral("Use names and metadata in UTF-8."));
  }
  text += '}';
  text.append((kHeaderAlignment - text.size() % kHeaderAlignment) % kHeaderAlignment, ' ');
  if (text.size() > SafetensorsReader::kMaxHeaderBytes) {
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The header would exceed the 100 MB that safetensors readers accept."),
                 QStringLiteral("Save fewer tensors or less metadata in one file."));
  }

  QByteArray bytes(qsizetype(sizeof(quint64)), Qt::Uninitialized);
  qToLittleEndian<quint64>(text.size(), bytes.data());
  bytes.append(text.data(), qsizetype(text.size()));
  return bytes;
}

Error writeError(const QString& target, const QString& reason) {
  return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1: %2.").arg(target, reason),
               unwritableHint());
}

Status writeTo(QIODevice& device, const QString& target, const std::vector<Entry>& entries,
               const std::map<std::string, std::string>& metadata) {
  Result<QByteArray> header = buildHeader(entries, metadata);
  if (!header) return header.error();
  if (device.write(*header) != header->size()) return writeError(target, device.errorString());
  QByteArray scratch;
  for (const Entry& entry : entries) {
    const QByteArrayView bytes = entry.bytes(scratch);
    if (bytes.size() != entry.byteCount) return sizeError(*entry.name, bytes.size(), entry.dtype);
    if (device.write(bytes.data(), bytes.size()) != bytes.size())
      return writeError(target, device.errorString());
    scratch.clear();
  }
  return {};
}

Status writeFileFrom(const QString& path, const std::vector<Entry>& entries,
                     const std::map<std::string, std::string>& metadata) {
  AtomicFile file(path);
  if (auto opened = file.open(); !opened) return opened;
  if (Status written = writeTo(file, path, entries, metadata); !written) {
    // The cause the device saw (a full disk) says more than "could not write".
    const Status failure = file.hasFailed() ? Status(file.writeFailure()) : written;
    file.cancel();
    return failure;
  }
  return file.commit();
}

}  // namespace

Result<QByteArray> SafetensorsWriter::serialize(const TensorMap& tensors,
                                                const std::map<std::string, std::string>& metadata) {
  Result<QByteArray> bytes = buildHeader(entriesOf(tensors), metadata);
  if (!bytes) return bytes;
  qsizetype total_bytes = bytes->size();
  for (const auto& [name, tensor] : tensors) total_bytes += tensor.bytes.size();
  bytes->reserve(total_bytes);
  for (const auto& [name, tensor] : tensors) bytes->append(tensor.bytes);
  return bytes;
}

Status SafetensorsWriter::write(QIODevice& device, const TensorMap& tensors,
                                const std::map<std::string, std::string>& metadata) {
  return writeTo(device, QStringLiteral("the weights"), entriesOf(tensors), metadata);
}

Status SafetensorsWriter::writeFile(const QString& path, const TensorMap& tensors,
                                    const std::map<std::string, std::string>& metadata) {
  return writeFileFrom(path, entriesOf(tensors), metadata);
}

Status SafetensorsWriter::writeSources(const QString& path, const TensorSources& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  return writeFileFrom(path, entriesOf(tensors), metadata);
}

}  // namespace attune
