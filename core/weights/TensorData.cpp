#include "core/weights/TensorData.h"

#include <array>
#include <limits>

namespace attune {

namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  int size_bytes;
};

constexpr std::array<DTypeInfo, 10> kDTypes = {{
    {DType::F64, "F64", 8},
    {DType::F32, "F32", 4},
    {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
}};

// The table is indexed by the enumerator's value, so its order must follow the enum's.
constexpr bool tableFollowsEnumOrder() {
  for (size_t i = 0; i < kDTypes.size(); ++i) {
    if (static_cast<size_t>(kDTypes[i].dtype) != i) return false;
  }
  return true;
}
static_assert(tableFollowsEnumOrder());

const DTypeInfo& infoOf(DType dtype) {
  return kDTypes.at(static_cast<size_t>(dtype));
}

}  // namespace

int dtypeSize(DType dtype) {
  return infoOf(dtype).size_bytes;
}

const char* dtypeName(DType dtype) {
  return infoOf(dtype).name;
}

std::optional<DType> dtypeFromName(const std::string& name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return info.dtype;
  }
  return std::nullopt;
}

std::optional<int64_t> checkedNumel(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  bool has_zero_dim = false;
  for (int64_t dim : shape) {
    if (dim < 0) return std::nullopt;
    if (dim == 0) has_zero_dim = true;
  }
  if (has_zero_dim) return 0;
  for (int64_t dim : shape) {
    if (count > std::numeric_limits<int64_t>::max() / dim) return std::nullopt;
    count *= dim;
  }
  return count;
}

std::optional<int64_t> checkedByteSize(DType dtype, const std::vector<int64_t>& shape) {
  const std::optional<int64_t> count = checkedNumel(shape);
  if (!count) return std::nullopt;
  const int64_t element_bytes = dtypeSize(dtype);
  if (*count > std::numeric_limits<int64_t>::max() / element_bytes) return std::nullopt;
  return *count * element_bytes;
}

int64_t TensorData::numel() const {
  return checkedNumel(shape).value_or(-1);
}

TensorSource sourceOf(TensorData data) {
  TensorSource source;
  source.dtype = data.dtype;
  source.shape = data.shape;
  source.bytes = [bytes = std::move(data.bytes)](QByteArray&) { return QByteArrayView(bytes); };
  return source;
}

}  // namespace attune
