#pragma once
// Reads the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// ({"name": {"dtype","shape","data_offsets":[begin,end]}, "__metadata__": {str: str}}), then the
// tensor bytes. Every length, offset, shape and dtype is checked before a byte is used; a hostile
// file yields a SafetensorsError, never a crash or an over-read.

#include "core/common/Result.h"
#include "core/weights/TensorData.h"

#include <QByteArray>
#include <QString>

#include <map>
#include <string>

namespace attune {

enum class SafetensorsError {
  None,
  FileUnreadable,
  TooShort,        // fewer than 8 bytes
  HeaderPastEnd,   // header length runs past the end of the file
  HeaderTooLarge,  // header length above the 100 MB limit
  HeaderNotJson,
  HeaderNotObject,
  BadEntry,  // an entry lacks dtype/shape/data_offsets or has the wrong types
  UnknownDType,
  BadShape,           // negative dimension or overflowing element count
  OffsetsOutOfRange,  // data_offsets outside the data section or begin > end
  SizeMismatch,       // end - begin != numel * dtype size
  OverlappingTensors,
  DuplicateName,
  BadMetadata,  // "__metadata__" is not an object of text values
};

struct SafetensorsContent {
  TensorMap tensors;
  std::map<std::string, std::string> metadata;
};

class SafetensorsReader {
 public:
  // The official implementation's limit on the JSON header; writers must stay below it too.
  static constexpr quint64 kMaxHeaderBytes = 100'000'000;

  // Memory-maps the file where it can (falls back to reading it whole) and copies the tensors out.
  static Result<SafetensorsContent> readFile(const QString& path);
  static Result<SafetensorsContent> parse(const QByteArray& bytes);

  // The SafetensorsError behind a failed Error of this reader (the Error's code is
  // ErrorCode::BadFormat, FileUnreadable or FileNotFound; the precise reason is here for tests and
  // tools, carried in Error::detail). None for an Error from anywhere else.
  static SafetensorsError errorKind(const Error& error);
};

}  // namespace attune
