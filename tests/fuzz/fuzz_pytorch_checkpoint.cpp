// Fuzz target: the PyTorch checkpoint reader (core/weights/PyTorchCheckpointReader: the zip archive,
// the legacy stream and the restricted unpickler) on the bytes of a .pth file.
#include "core/weights/PyTorchCheckpointReader.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace attune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto checkpoint =
      PyTorchCheckpointReader::parse(QByteArrayView(reinterpret_cast<const char*>(data), qsizetype(size)));
  if (!checkpoint) {
    fuzz::checkError(checkpoint.error());
    return 0;
  }
  FUZZ_CHECK(checkpoint->format == QLatin1String("zip") || checkpoint->format == QLatin1String("legacy"));
  // Every tensor read holds exactly its shape's bytes.
  for (const auto& [name, tensor] : checkpoint->tensors) {
    const auto expected = checkedByteSize(tensor.dtype, tensor.shape);
    FUZZ_CHECK(expected.has_value());
    FUZZ_CHECK(*expected == tensor.bytes.size());
  }
  return 0;
}
