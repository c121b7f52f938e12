// Fuzz target: the safetensors reader (core/weights/SafetensorsReader) on the bytes of a file.
#include "core/weights/SafetensorsReader.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace attune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
  const auto content = SafetensorsReader::parse(bytes);
  if (!content) {
    fuzz::checkError(content.error());
    // A failure of this reader always says which kind it was.
    FUZZ_CHECK(SafetensorsReader::errorKind(content.error()) != SafetensorsError::None);
    return 0;
  }
  // Every tensor read holds exactly its shape's bytes, and lies inside the file.
  qint64 total = 0;
  for (const auto& [name, tensor] : content->tensors) {
    const auto expected = checkedByteSize(tensor.dtype, tensor.shape);
    FUZZ_CHECK(expected.has_value());
    FUZZ_CHECK(*expected == tensor.bytes.size());
    total += tensor.bytes.size();
  }
  FUZZ_CHECK(total <= qint64(size));
  return 0;
}
