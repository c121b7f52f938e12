#include "core/weights/PyTorchCheckpointReader.h"

#include "core/common/MappedFile.h"
#include "core/weights/RestrictedUnpickler.h"
#include "core/weights/ZipArchive.h"

#include <QFileInfo>
#include <QtEndian>

#include <cstring>
#include <functional>
#include <map>

namespace attune {

namespace {

using Kind = PickleValue::Kind;
// Resolves a storage key to its bytes (the whole root storage).
using StorageLookup = std::function<Result<QByteArrayView>(const std::string& key)>;

constexpr int kLegacyProtocolVersion = 1001;
// 0x1950a86a20f9469cfc6c, little-endian, as LONG1 writes it.
constexpr char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr qsizetype kLegacyMagicBytes = 10;
constexpr qsizetype kMaxNameCharsInMessage = 80;
const char* const kWrapperKeys[] = {"state_dict", "model"};
// Tensors may repeat bytes (tied weights, several views of one storage, stride-0 expansions), so the
// output may exceed the file; a hostile file could repeat one storage a million times. The output is
// capped at a multiple of the file's size plus a slack for small files of expanded tensors.
constexpr int64_t kMaxOutputPerInputByte = 4;
constexpr int64_t kOutputSlackBytes = int64_t(256) << 20;

Error checkpointError(CheckpointError kind, const QString& message, const QString& hint = {}) {
  Error error(
      ErrorCode::BadFormat, message,
      hint.isEmpty() ? QStringLiteral("The file may be damaged; save it again with torch.save.") : hint);
  error.detail = static_cast<int>(kind);
  return error;
}

QString shortName(const std::string& name) {
  QString text = QString::fromUtf8(name.data(), qsizetype(name.size()));
  if (text.size() > kMaxNameCharsInMessage) text = text.left(kMaxNameCharsInMessage) + QStringLiteral("…");
  return text;
}

// Copies a tensor's elements out of its storage in row-major order, gathering them when the strides
// are not contiguous. Several tensors may view one storage (tied weights, slices): each gets a copy.
Result<TensorData> materialize(const std::string& name, const PickleValue& tensor,
                               const StorageLookup& lookup) {
  const PickleValue& storage = *tensor.storage;
  auto bad = [&](const QString& why) {
    return checkpointError(CheckpointError::BadTensor,
                           QStringLiteral("Tensor \"%1\": %2.").arg(shortName(name), why));
  };
  auto blob = lookup(storage.text);
  if (!blob) return blob.error();
  TensorData out;
  out.dtype = storage.dtype;
  out.shape = tensor.size;
  const int64_t element_bytes = dtypeSize(out.dtype);
  const auto byte_count = checkedByteSize(out.dtype, out.shape);
  if (!byte_count) return bad(QStringLiteral("its shape is invalid"));
  if (storage.storage_numel > blob->size() / element_bytes) {
    return bad(QStringLiteral("its storage holds fewer bytes than it claims"));
  }
  // The elements this tensor may address: the whole storage, or a legacy view inside it.
  int64_t base = 0;
  int64_t available = storage.storage_numel;
  if (storage.view_numel >= 0) {
    if (storage.view_offset > available || storage.view_numel > available - storage.view_offset) {
      return bad(QStringLiteral("its storage view lies outside the storage"));
    }
    base = storage.view_offset;
    available = storage.view_numel;
  }
  const int64_t numel = *byte_count / element_bytes;
  out.bytes.resize(qsizetype(*byte_count));
  if (numel == 0) return out;
  if (tensor.storage_offset < 0) return bad(QStringLiteral("its storage offset is negative"));
  // The highest element index, with overflow checks (sizes are >= 1 here, strides must be >= 0).
  int64_t last = tensor.storage_offset;
  for (size_t d = 0; d < tensor.size.size(); ++d) {
    if (tensor.stride[d] < 0) return bad(QStringLiteral("it has a negative stride"));
    int64_t reach = 0;
    if (__builtin_mul_overflow(tensor.size[d] - 1, tensor.stride[d], &reach) ||
        __builtin_add_overflow(last, reach, &last)) {
      return bad(QStringLiteral("its strides overflow"));
    }
  }
  if (last >= available) return bad(QStringLiteral("it reaches past the end of its storage"));
  const char* source = blob->data() + (base + tensor.storage_offset) * element_bytes;
  char* target = out.bytes.data();
  // Contiguous row-major: one copy.
  bool contiguous = true;
  int64_t expected = 1;
  for (size_t d = tensor.size.size(); d-- > 0;) {
    if (tensor.size[d] != 1 && tensor.stride[d] != expected) contiguous = false;
    expected *= tensor.size[d];
  }
  if (contiguous) {
    std::memcpy(target, source, size_t(*byte_count));
    return out;
  }
  const size_t dims = tensor.size.size();
  std::vector<int64_t> index(dims, 0);
  int64_t offset = 0;  // in elements, from `source`
  for (int64_t i = 0; i < numel; ++i) {
    std::memcpy(target + i * element_bytes, source + offset * element_bytes, size_t(element_bytes));
    for (size_t d = dims; d-- > 0;) {
      if (++index[d] < tensor.size[d]) {
        offset += tensor.stride[d];
        break;
      }
      offset -= (tensor.size[d] - 1) * tensor.stride[d];
      index[d] = 0;
    }
  }
  return out;
}

// Finds the state_dict in the top-level object and copies its tensors out.
Result<PyTorchCheckpoint> collect(const PickleValue* top, const StorageLookup& lookup, const QString& format,
                                  qsizetype input_bytes) {
  if (top->kind != Kind::Dict) {
    return checkpointError(CheckpointError::NoTensors,
                           QStringLiteral("The checkpoint holds a %1, not a state_dict of tensors.")
                               .arg(QLatin1String(top->typeName())),
                           QStringLiteral("Save the model's state_dict() instead of another object."));
  }
  auto tensorCount = [](const PickleValue* dict) {
    int count = 0;
    for (const auto& [key, value] : dict->entries) count += value->kind == Kind::Tensor;
    return count;
  };
  PyTorchCheckpoint checkpoint;
  checkpoint.format = format;
  const PickleValue* state = top;
  if (tensorCount(top) == 0) {
    for (const char* wrapper : kWrapperKeys) {
      for (const auto& [key, value] : top->entries) {
        if (key->kind == Kind::String && key->text == wrapper && value->kind == Kind::Dict &&
            tensorCount(value) > 0) {
          state = value;
          checkpoint.stateDictKey = QString::fromLatin1(wrapper);
          break;
        }
      }
      if (state != top) break;
    }
  }
  auto describe = [](const PickleValue* key, const PickleValue* value, const QString& prefix) {
    const QString name = key->kind == Kind::String
                             ? shortName(key->text)
                             : QStringLiteral("<%1 key>").arg(QLatin1String(key->typeName()));
    return QStringLiteral("%1%2 (%3)").arg(prefix, name, QLatin1String(value->typeName()));
  };
  if (state != top) {
    for (const auto& [key, value] : top->entries) {
      if (value != state) checkpoint.ignoredEntries << describe(key, value, QString());
    }
  }
  int64_t output_budget = int64_t(input_bytes) * kMaxOutputPerInputByte + kOutputSlackBytes;
  const QString prefix = state == top ? QString() : checkpoint.stateDictKey + QStringLiteral(".");
  for (const auto& [key, value] : state->entries) {
    if (value->kind != Kind::Tensor || key->kind != Kind::String) {
      checkpoint.ignoredEntries << describe(key, value, prefix);
      continue;
    }
    const auto byte_count = checkedByteSize(value->storage->dtype, value->size);
    if (!byte_count || *byte_count > output_budget) {
      return checkpointError(
          CheckpointError::LimitExceeded,
          QStringLiteral("The checkpoint's tensors would take far more memory than the file "
                         "holds (tensor \"%1\"); it is damaged or hostile.")
              .arg(shortName(key->text)));
    }
    output_budget -= *byte_count;
    auto tensor = materialize(key->text, *value, lookup);
    if (!tensor) return tensor.error();
    checkpoint.tensors[key->text] = std::move(*tensor);
  }
  if (checkpoint.tensors.empty()) {
    return checkpointError(CheckpointError::NoTensors, QStringLiteral("The checkpoint holds no tensors."),
                           QStringLiteral("Save the model's state_dict() with torch.save."));
  }
  return checkpoint;
}

Result<PyTorchCheckpoint> parseZip(QByteArrayView bytes) {
  auto archive = ZipArchive::open(bytes);
  if (!archive) return archive.error();
  // "<archive_name>/data.pkl": the archive name is the file's stem when it was saved.
  std::string prefix;
  bool found = false;
  for (const auto& entry : archive->entries()) {
    const std::string suffix = "data.pkl";
    if (entry.name.size() >= suffix.size() &&
        entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        entry.name.find('/') == entry.name.size() - suffix.size() - 1) {
      prefix = entry.name.substr(0, entry.name.size() - suffix.size());
      found = true;
      break;
    }
  }
  if (!found) {
    return checkpointError(
        CheckpointError::NotACheckpoint,
        QStringLiteral("The zip archive has no data.pkl; it is not a torch.save checkpoint."),
        QStringLiteral("Choose a .pth/.pt/.bin file written by torch.save."));
  }
  if (const auto* order = archive->find(prefix + "byteorder");
      order && order->data != QByteArrayView("little")) {
    return checkpointError(CheckpointError::BigEndian,
                           QStringLiteral("The checkpoint was written on a big-endian machine."),
                           QStringLiteral("Convert it to safetensors on the machine that wrote it."));
  }
  RestrictedUnpickler unpickler(archive->find(prefix + "data.pkl")->data);
  auto top = unpickler.load();
  if (!top) return top.error();
  const ZipArchive& zip = *archive;
  const StorageLookup lookup = [&zip, &prefix](const std::string& key) -> Result<QByteArrayView> {
    const auto* entry = zip.find(prefix + "data/" + key);
    if (!entry) {
      return checkpointError(
          CheckpointError::MissingStorage,
          QStringLiteral("The checkpoint lacks the data of storage \"%1\".").arg(shortName(key)));
    }
    return entry->data;
  };
  return collect(*top, lookup, QStringLiteral("zip"), bytes.size());
}

Result<PyTorchCheckpoint> parseLegacy(QByteArrayView bytes) {
  RestrictedUnpickler unpickler(bytes);
  auto magic = unpickler.load();
  if (!magic) return magic.error();
  if ((*magic)->kind != Kind::BigInt || (*magic)->text != std::string(kLegacyMagic, kLegacyMagicBytes)) {
    return checkpointError(CheckpointError::NotACheckpoint,
                           QStringLiteral("The file is a pickle but not a torch.save checkpoint."),
                           QStringLiteral("Choose a .pth/.pt/.bin file written by torch.save."));
  }
  auto protocol = unpickler.load();
  if (!protocol) return protocol.error();
  if ((*protocol)->kind != Kind::Int || (*protocol)->integer != kLegacyProtocolVersion) {
    return checkpointError(CheckpointError::NotACheckpoint,
                           QStringLiteral("The legacy checkpoint has an unknown protocol version."));
  }
  auto sys_info = unpickler.load();
  if (!sys_info) return sys_info.error();
  for (const auto& [key, value] : (*sys_info)->entries) {
    if (key->kind == Kind::String && key->text == "little_endian" && value->kind == Kind::Bool &&
        !value->boolean) {
      return checkpointError(CheckpointError::BigEndian,
                             QStringLiteral("The checkpoint was written on a big-endian machine."),
                             QStringLiteral("Convert it to safetensors on the machine that wrote it."));
    }
  }
  auto top = unpickler.load();
  if (!top) return top.error();
  auto keys = unpickler.load();
  if (!keys) return keys.error();
  if ((*keys)->kind != Kind::List)
    return checkpointError(CheckpointError::BadPickle,
                           QStringLiteral("The legacy checkpoint's storage list is malformed."));
  // The storages follow in the listed order, each as an int64 element count and its raw bytes. The
  // element size comes from the storage's type, seen in the main pickle.
  std::map<std::string, DType> dtypes;
  for (const PickleValue* storage : unpickler.storages()) dtypes[storage->text] = storage->dtype;
  std::map<std::string, QByteArrayView> storages;
  qsizetype at = unpickler.position();
  for (const PickleValue* key : (*keys)->items) {
    if (key->kind != Kind::String) {
      return checkpointError(CheckpointError::BadPickle,
                             QStringLiteral("A legacy storage key is not a string."));
    }
    if (bytes.size() - at < 8) {
      return checkpointError(CheckpointError::BadTensor,
                             QStringLiteral("The checkpoint ends inside its tensor data; it is truncated."));
    }
    const auto numel = qFromLittleEndian<int64_t>(bytes.data() + at);
    at += 8;
    const auto dtype = dtypes.find(key->text);
    if (dtype == dtypes.end()) {
      return checkpointError(CheckpointError::MissingStorage,
                             QStringLiteral("The legacy checkpoint lists storage \"%1\" that no tensor uses.")
                                 .arg(shortName(key->text)));
    }
    const int64_t element_bytes = dtypeSize(dtype->second);
    if (numel < 0 || numel > (bytes.size() - at) / element_bytes) {
      return checkpointError(CheckpointError::BadTensor,
                             QStringLiteral("The checkpoint ends inside its tensor data; it is truncated."));
    }
    storages[key->text] = bytes.sliced(at, qsizetype(numel * element_bytes));
    at += qsizetype(numel * element_bytes);
  }
  const StorageLookup lookup = [&storages](const std::string& key) -> Result<QByteArrayView> {
    const auto found = storages.find(key);
    if (found == storages.end()) {
      return checkpointError(
          CheckpointError::MissingStorage,
          QStringLiteral("The checkpoint lacks the data of storage \"%1\".").arg(shortName(key)));
    }
    return found->second;
  };
  return collect(*top, lookup, QStringLiteral("legacy"), bytes.size());
}

}  // namespace

Result<PyTorchCheckpoint> PyTorchCheckpointReader::parse(QByteArrayView bytes) {
  if (bytes.startsWith(QByteArrayView("PK\x03\x04", 4)) ||
      bytes.startsWith(QByteArrayView("PK\x05\x06", 4))) {
    return parseZip(bytes);
  }
  if (bytes.size() >= 2 && uint8_t(bytes[0]) == 0x80 && uint8_t(bytes[1]) == 0x02) return parseLegacy(bytes);
  return checkpointError(CheckpointError::NotACheckpoint,
                         QStringLiteral("The file is not a PyTorch checkpoint (neither a zip archive nor a "
                                        "torch.save stream)."),
                         QStringLiteral("Choose a .pth/.pt/.bin file written by torch.save."));
}

Result<PyTorchCheckpoint> PyTorchCheckpointReader::readFile(const QString& path) {
  // Mapped, not read: a checkpoint can be gigabytes, and parse() copies only the tensors out. A file
  // that another program cuts short meanwhile reads as zeros and is refused below (MappedFile).
  auto mapped = MappedFile::open(path, QStringLiteral("the checkpoint"));
  if (!mapped) {
    Error error = mapped.error();
    error.detail = static_cast<int>(CheckpointError::FileUnreadable);
    return error;
  }
  auto checkpoint = parse(mapped->bytes());
  if (!mapped->intact()) {
    Error error = mapped->changedError();
    error.detail = static_cast<int>(CheckpointError::FileUnreadable);
    return error;
  }
  return checkpoint;
}

CheckpointError PyTorchCheckpointReader::errorKind(const Error& error) {
  if (error.detail <= 0 || error.detail > static_cast<int>(CheckpointError::NoTensors))
    return CheckpointError::None;
  return static_cast<CheckpointError>(error.detail);
}

}  // namespace attune
