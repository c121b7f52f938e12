#pragma once
// A tensor as plain bytes: what file formats read and write, free of any LibTorch type so that it
// can cross public headers. The engine converts it to and from torch::Tensor in core/models/detail.

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attune {

// Element types of the safetensors format (its header spells them "F32", "BF16", ...).
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

// Bytes per element of a dtype.
int dtypeSize(DType dtype);
// "F32" etc., as written in a safetensors header.
const char* dtypeName(DType dtype);
// The dtype of a safetensors header name; nullopt if unknown.
std::optional<DType> dtypeFromName(const std::string& name);

struct TensorData {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  QByteArray bytes;  // little-endian, row-major, exactly numel * dtypeSize bytes

  // The element count; -1 if the shape is invalid (see checkedNumel).
  int64_t numel() const;
};

// The element count of a shape; nullopt if a dimension is negative or the count overflows int64.
// A shape with a zero dimension has zero elements whatever the other dimensions are.
std::optional<int64_t> checkedNumel(const std::vector<int64_t>& shape);
// The number of bytes a tensor of this dtype and shape occupies; nullopt as for checkedNumel, or if
// the byte count overflows int64.
std::optional<int64_t> checkedByteSize(DType dtype, const std::vector<int64_t>& shape);

// Tensors by name, sorted (as safetensors writers sort them).
using TensorMap = std::map<std::string, TensorData>;

// A tensor whose bytes a writer asks for when it writes them, one tensor at a time: a checkpoint of a
// live model is written without a copy of the whole model in memory. `bytes` returns the tensor's
// little-endian, row-major bytes (checkedByteSize(dtype, shape) of them): a view of memory that stays
// valid until the next call, or of `scratch`, which it may fill.
struct TensorSource {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::function<QByteArrayView(QByteArray& scratch)> bytes;
};
using TensorSources = std::map<std::string, TensorSource>;

// A source over bytes already in memory (kept alive by the source).
TensorSource sourceOf(TensorData data);

}  // namespace attune
