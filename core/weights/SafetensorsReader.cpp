#include "core/weights/SafetensorsReader.h"

#include "core/common/BoundedJson.h"
#include "core/common/MappedFile.h"

#include <QtEndian>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attune {

namespace {

using nlohmann::json;

constexpr uint64_t kLengthFieldBytes = 8;
// Root object, tensor entry, shape or offsets array: a valid header never nests deeper. Stopping
// there keeps a header of a million '[' from building a million nested JSON values.
constexpr int kMaxNestingDepth = 3;
constexpr qsizetype kMaxNameCharsInMessage = 80;
constexpr char kMetadataKey[] = "__metadata__";

QString damagedHint() {
  return QStringLiteral("The file may be damaged or not a safetensors file; export it again.");
}

Error formatError(SafetensorsError kind, const QString& message, const QString& hint = damagedHint()) {
  Error error(ErrorCode::BadFormat, message, hint);
  error.detail = static_cast<int>(kind);
  return error;
}

// A name from the file, quoted and shortened so that a hostile name cannot flood a message box.
QString quoted(const std::string& name) {
  QString text = QString::fromStdString(name);
  if (text.size() > kMaxNameCharsInMessage) text = text.left(kMaxNameCharsInMessage) + QStringLiteral("…");
  return QStringLiteral("\"") + text + QStringLiteral("\"");
}

// Where a tensor lies in the data section, checked against its size but not yet against the others.
struct Placement {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

Error badEntry(const std::string& name, const QString& what) {
  return formatError(SafetensorsError::BadEntry,
                     QStringLiteral("The entry of tensor %1 %2.").arg(quoted(name), what));
}

Result<Placement> readEntry(const std::string& name, const json& entry, uint64_t data_bytes) {
  if (!entry.is_object()) return badEntry(name, QStringLiteral("is not a JSON object"));
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(field)) {
      return badEntry(name, QStringLiteral("lacks the field \"%1\"").arg(QLatin1String(field)));
    }
  }
  const json& dtype_field = entry["dtype"];
  const json& shape_field = entry["shape"];
  const json& offsets_field = entry["data_offsets"];
  if (!dtype_field.is_string()) return badEntry(name, QStringLiteral("has a \"dtype\" that is not text"));
  if (!shape_field.is_array() || !std::all_of(shape_field.begin(), shape_field.end(),
                                              [](const json& v) { return v.is_number_integer(); })) {
    return badEntry(name, QStringLiteral("has a \"shape\" that is not a list of whole numbers"));
  }
  if (!offsets_field.is_array() || offsets_field.size() != 2 || !offsets_field[0].is_number_integer() ||
      !offsets_field[1].is_number_integer()) {
    return badEntry(name, QStringLiteral("has \"data_offsets\" that are not a pair of whole numbers"));
  }

  Placement placement;
  placement.name = name;
  const std::string dtype_name = dtype_field.get<std::string>();
  const std::optional<DType> dtype = dtypeFromName(dtype_name);
  if (!dtype) {
    return formatError(SafetensorsError::UnknownDType,
                       QStringLiteral("Tensor %1 has the element type %2, which Attune cannot read.")
                           .arg(quoted(name), quoted(dtype_name)),
                       QStringLiteral("Convert the weights to F64, F32, F16, BF16, I64, I32, I16, I8, U8 "
                                      "or BOOL and export them again."));
  }
  placement.dtype = *dtype;

  for (const json& dim : shape_field) {
    // nlohmann stores every non-negative integer as unsigned, so a signed one is below zero.
    const bool in_range = dim.is_number_unsigned()
                              ? dim.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max())
                              : dim.get<int64_t>() >= 0;
    if (!in_range) {
      return formatError(
          SafetensorsError::BadShape,
          QStringLiteral(
              "The shape of tensor %1 has a dimension below zero or beyond any size a file can hold.")
              .arg(quoted(name)));
    }
    placement.shape.push_back(dim.get<int64_t>());
  }
  const std::optional<int64_t> expected_bytes = checkedByteSize(placement.dtype, placement.shape);
  if (!expected_bytes) {
    return formatError(
        SafetensorsError::BadShape,
        QStringLiteral("The shape of tensor %1 has more elements than any file can hold.").arg(quoted(name)));
  }

  if (!offsets_field[0].is_number_unsigned() || !offsets_field[1].is_number_unsigned()) {
    return formatError(SafetensorsError::OffsetsOutOfRange,
                       QStringLiteral("The data of tensor %1 has a position below zero.").arg(quoted(name)));
  }
  placement.begin = offsets_field[0].get<uint64_t>();
  placement.end = offsets_field[1].get<uint64_t>();
  if (placement.begin > placement.end) {
    return formatError(SafetensorsError::OffsetsOutOfRange,
                       QStringLiteral("The data of tensor %1 starts at byte %2, after it ends (byte %3).")
                           .arg(quoted(name))
                           .arg(placement.begin)
                           .arg(placement.end));
  }
  if (placement.end > data_bytes) {
    return formatError(SafetensorsError::OffsetsOutOfRange,
                       QStringLiteral("The data of tensor %1 ends at byte %2, past the end of the file's "
                                      "%3 bytes of tensor data.")
                           .arg(quoted(name))
                           .arg(placement.end)
                           .arg(data_bytes));
  }
  if (placement.end - placement.begin != uint64_t(*expected_bytes)) {
    return formatError(SafetensorsError::SizeMismatch,
                       QStringLiteral("Tensor %1 occupies %2 bytes, but its shape and element type %3 "
                                      "need %4 bytes.")
                           .arg(quoted(name))
                           .arg(placement.end - placement.begin)
                           .arg(QLatin1String(dtypeName(placement.dtype)))
                           .arg(*expected_bytes));
  }
  return placement;
}

Result<std::map<std::string, std::string>> readMetadata(const json& metadata) {
  if (!metadata.is_object()) {
    return formatError(SafetensorsError::BadMetadata,
                       QStringLiteral("The \"__metadata__\" of the file is not a JSON object."));
  }
  std::map<std::string, std::string> result;
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) {
      return formatError(SafetensorsError::BadMetadata,
                         QStringLiteral("The metadata entry %1 is not text.").arg(quoted(key)));
    }
    result.emplace(key, value.get<std::string>());
  }
  return result;
}

// Empty tensors occupy no bytes, so they may sit anywhere, even inside another tensor.
std::optional<Error> findOverlap(std::vector<const Placement*> placements) {
  std::erase_if(placements, [](const Placement* p) { return p->begin == p->end; });
  std::sort(placements.begin(), placements.end(),
            [](const Placement* a, const Placement* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < placements.size(); ++i) {
    if (placements[i]->begin < placements[i - 1]->end) {
      return formatError(SafetensorsError::OverlappingTensors,
                         QStringLiteral("Tensors %1 and %2 claim the same bytes of the file.")
                             .arg(quoted(placements[i - 1]->name), quoted(placements[i]->name)));
    }
  }
  return std::nullopt;
}

Error notAnObject() {
  return formatError(SafetensorsError::HeaderNotObject,
                     QStringLiteral("The header of the file is JSON but not the object of tensor entries "
                                    "that a safetensors file has."));
}

// The JSON of the header, an object without duplicate keys.
Result<json> parseHeaderJson(QByteArrayView text) {
  // nlohmann::json takes a zero byte for the end of input and would ignore whatever follows it; JSON
  // text never holds one, so it is refused here.
  if (text.contains('\0')) {
    return formatError(SafetensorsError::HeaderNotJson,
                       QStringLiteral("The header of the file is not JSON (it holds a zero byte)."));
  }

  // One pass, without rescanning (nlohmann's parse with a callback made a header of n tensors cost
  // n² steps), stopping at a nesting that no valid header has. nlohmann::json keeps the last of
  // duplicate keys silently, so duplicates are caught there too.
  BoundedJson parsed = parseBoundedJson(text.begin(), text.end(), kMaxNestingDepth, DuplicateKeys::Refuse);
  if (parsed.failure == BoundedJson::Failure::TooDeep) {
    const bool root_is_object = text.trimmed().startsWith('{');
    if (!root_is_object) return notAnObject();
    return formatError(SafetensorsError::BadEntry,
                       QStringLiteral("The header of the file nests deeper than a safetensors header can."));
  }
  if (parsed.failure == BoundedJson::Failure::NotJson) {
    return formatError(SafetensorsError::HeaderNotJson,
                       QStringLiteral("The header of the file is not JSON."));
  }
  json& header = parsed.value;
  if (!header.is_object()) return notAnObject();
  if (parsed.failure == BoundedJson::Failure::DuplicateKey) {
    return formatError(SafetensorsError::DuplicateName, QStringLiteral("The header names %1 more than once.")
                                                            .arg(quoted(std::as_const(parsed.duplicateKey))));
  }
  return std::move(header);
}

Result<SafetensorsContent> parseBuffer(const char* data, uint64_t size) {
  if (size < kLengthFieldBytes) {
    return formatError(
        SafetensorsError::TooShort,
        QStringLiteral("The file has only %1 bytes, too few for a safetensors file.").arg(size));
  }
  const uint64_t header_bytes = qFromLittleEndian<quint64>(data);
  // No real model needs more, and the limit bounds what a hostile file can make us allocate.
  if (header_bytes > SafetensorsReader::kMaxHeaderBytes) {
    return formatError(SafetensorsError::HeaderTooLarge,
                       QStringLiteral("The file announces a header of %1 bytes, more than the 100 MB a "
                                      "safetensors header may have.")
                           .arg(header_bytes));
  }
  if (header_bytes > size - kLengthFieldBytes) {
    return formatError(SafetensorsError::HeaderPastEnd,
                       QStringLiteral("The file announces a header of %1 bytes, but only %2 bytes follow.")
                           .arg(header_bytes)
                           .arg(size - kLengthFieldBytes),
                       QStringLiteral("The file may be incomplete (an interrupted download or copy) or "
                                      "not a safetensors file; get it again."));
  }
  const char* header_begin = data + kLengthFieldBytes;
  const char* data_begin = header_begin + header_bytes;
  const uint64_t data_bytes = size - kLengthFieldBytes - header_bytes;

  Result<json> header = parseHeaderJson(QByteArrayView(header_begin, qsizetype(header_bytes)));
  if (!header) return header.error();

  SafetensorsContent content;
  std::vector<Placement> placements;
  placements.reserve(header->size());
  for (const auto& [name, entry] : header->items()) {
    if (name == kMetadataKey) {
      Result<std::map<std::string, std::string>> metadata = readMetadata(entry);
      if (!metadata) return metadata.error();
      content.metadata = std::move(metadata).value();
      continue;
    }
    Result<Placement> placement = readEntry(name, entry, data_bytes);
    if (!placement) return placement.error();
    placements.push_back(std::move(placement).value());
  }

  // Checked before any tensor is copied: overlapping entries could otherwise make us copy the
  // same bytes many times over.
  std::vector<const Placement*> by_offset;
  for (const Placement& placement : placements) by_offset.push_back(&placement);
  if (std::optional<Error> overlap = findOverlap(std::move(by_offset))) return *overlap;

  for (Placement& placement : placements) {
    TensorData tensor;
    tensor.dtype = placement.dtype;
    tensor.shape = std::move(placement.shape);
    tensor.bytes = QByteArray(data_begin + placement.begin, qsizetype(placement.end - placement.begin));
    content.tensors.emplace(std::move(placement.name), std::move(tensor));
  }
  return content;
}

}  // namespace

Result<SafetensorsContent> SafetensorsReader::readFile(const QString& path) {
  // Mapping avoids holding the whole file and the copied tensors in memory at once. Only a regular
  // file is mapped; one that another program cuts short meanwhile reads as zeros past its new end
  // and is refused below instead of ending the process with SIGBUS (MappedFile).
  auto mapped = MappedFile::open(path, QStringLiteral("the weights file"));
  if (!mapped) {
    Error error = mapped.error();
    error.detail = static_cast<int>(SafetensorsError::FileUnreadable);
    return error;
  }
  Result<SafetensorsContent> content = parseBuffer(mapped->bytes().data(), uint64_t(mapped->bytes().size()));
  if (!mapped->intact()) {
    Error error = mapped->changedError();
    error.detail = static_cast<int>(SafetensorsError::FileUnreadable);
    return error;
  }
  return content;
}

Result<SafetensorsContent> SafetensorsReader::parse(const QByteArray& bytes) {
  return parseBuffer(bytes.constData(), uint64_t(bytes.size()));
}

SafetensorsError SafetensorsReader::errorKind(const Error& error) {
  const bool from_reader = error.code == ErrorCode::BadFormat || error.code == ErrorCode::FileUnreadable ||
                           error.code == ErrorCode::FileNotFound;
  if (!from_reader || error.detail <= 0 || error.detail > static_cast<int>(SafetensorsError::BadMetadata)) {
    return SafetensorsError::None;
  }
  return static_cast<SafetensorsError>(error.detail);
}

}  // namespace attune
