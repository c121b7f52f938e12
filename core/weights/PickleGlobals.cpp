// RestrictedUnpickler, part 2: the allow-list of globals and what each does. These are all the
// globals torch.save writes for a state dict (OrderedDict, tensors and parameters rebuilt from
// storages, torch.Size, the storage types); any other is refused by name. Nothing is executed: each
// allowed call is implemented here as building a plain value.

#include "core/weights/RestrictedUnpickler.h"

#include "core/weights/CheckpointError.h"
#include "core/weights/detail/PickleErrors.h"

#include <map>

namespace attune {
namespace {

using Kind = PickleValue::Kind;
using detail::limit;
using detail::malformed;
using detail::printable;

const std::map<std::string, DType>& storageTypes() {
  static const std::map<std::string, DType> types = {
      {"torch.FloatStorage", DType::F32}, {"torch.DoubleStorage", DType::F64},
      {"torch.HalfStorage", DType::F16},  {"torch.BFloat16Storage", DType::BF16},
      {"torch.LongStorage", DType::I64},  {"torch.IntStorage", DType::I32},
      {"torch.ShortStorage", DType::I16}, {"torch.CharStorage", DType::I8},
      {"torch.ByteStorage", DType::U8},   {"torch.BoolStorage", DType::Bool},
  };
  return types;
}

constexpr const char* kOrderedDict = "collections.OrderedDict";
constexpr const char* kRebuildTensor = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr const char* kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
constexpr const char* kTorchSize = "torch.Size";

bool isInt(const PickleValue* value) {
  return value && (value->kind == Kind::Int || value->kind == Kind::Bool);
}

// A tuple (or list) of ints, as sizes and strides are written.
Result<std::vector<int64_t>> intTuple(const PickleValue* value, const char* what) {
  if (!value || (value->kind != Kind::Tuple && value->kind != Kind::List)) {
    return malformed(QStringLiteral("a tensor's %1 is not a tuple").arg(QLatin1String(what)));
  }
  if (value->items.size() > size_t(RestrictedUnpickler::kMaxTensorDims)) {
    return limit(
        QStringLiteral("a tensor has more than %1 dimensions").arg(RestrictedUnpickler::kMaxTensorDims));
  }
  std::vector<int64_t> out;
  for (const PickleValue* item : value->items) {
    if (!isInt(item))
      return malformed(QStringLiteral("a tensor's %1 holds a non-integer").arg(QLatin1String(what)));
    out.push_back(item->integer);
  }
  return out;
}

}  // namespace

Result<PickleValue*> RestrictedUnpickler::resolveGlobal(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  const bool allowed = full == kOrderedDict || full == kRebuildTensor || full == kRebuildParameter ||
                       full == kRebuildParameterWithState || full == kTorchSize || storageTypes().count(full);
  if (!allowed) {
    Error error(
        ErrorCode::BadFormat,
        QStringLiteral("The file asks to run '%1', which a weights file never needs; Attune does not run "
                       "code from files.")
            .arg(printable(full)),
        QStringLiteral("Convert the weights to safetensors with a trusted tool."));
    error.detail = static_cast<int>(CheckpointError::UnsafeGlobal);
    return error;
  }
  PickleValue* global = make(Kind::Global);
  if (!global) return limit(QStringLiteral("more than %1 objects").arg(kMaxObjects));
  global->text = full;
  return global;
}

Result<PickleValue*> RestrictedUnpickler::reduce(PickleValue* callable, PickleValue* args) {
  if (callable->kind != Kind::Global)
    return malformed(QStringLiteral("a call of a %1").arg(callable->typeName()));
  if (args->kind != Kind::Tuple) return malformed(QStringLiteral("call arguments are not a tuple"));
  const std::string& name = callable->text;
  const auto& a = args->items;
  if (name == kOrderedDict) {
    // OrderedDict pickles its items with SETITEMS after the call; a list of pairs is not written.
    if (!a.empty()) return malformed(QStringLiteral("OrderedDict called with arguments"));
    PickleValue* dict = make(Kind::Dict);
    if (!dict) return limit(QStringLiteral("more than %1 objects").arg(kMaxObjects));
    return dict;
  }
  if (name == kRebuildTensor) {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (a.size() < 4 || a[0]->kind != Kind::Storage || !isInt(a[1])) {
      return malformed(QStringLiteral("a tensor is rebuilt from unexpected arguments"));
    }
    auto size = intTuple(a[2], "size");
    if (!size) return size.error();
    auto stride = intTuple(a[3], "stride");
    if (!stride) return stride.error();
    if (size->size() != stride->size())
      return malformed(QStringLiteral("a tensor's size and stride differ in length"));
    PickleValue* tensor = make(Kind::Tensor);
    if (!tensor) return limit(QStringLiteral("more than %1 objects").arg(kMaxObjects));
    tensor->storage = a[0];
    tensor->storage_offset = a[1]->integer;
    tensor->size = std::move(*size);
    tensor->stride = std::move(*stride);
    return tensor;
  }
  if (name == kRebuildParameter || name == kRebuildParameterWithState) {
    if (a.empty() || a[0]->kind != Kind::Tensor)
      return malformed(QStringLiteral("a parameter without a tensor"));
    return a[0];  // requires_grad, hooks and state do not matter for weights
  }
  if (name == kTorchSize) {
    if (a.size() != 1 || (a[0]->kind != Kind::Tuple && a[0]->kind != Kind::List)) {
      return malformed(QStringLiteral("torch.Size called with unexpected arguments"));
    }
    return a[0];
  }
  return malformed(QStringLiteral("'%1' cannot be called").arg(printable(name)));
}

Result<PickleValue*> RestrictedUnpickler::persistentLoad(PickleValue* pid) {
  // ('storage', storage_type, key, location, numel[, view_metadata])
  const auto& p = pid->items;
  if (pid->kind != Kind::Tuple || p.size() < 5 || p[0]->kind != Kind::String || p[0]->text != "storage") {
    return malformed(QStringLiteral("a persistent id that is not a storage"));
  }
  if (p[1]->kind != Kind::Global || !storageTypes().count(p[1]->text)) {
    return malformed(QStringLiteral("a storage of an unknown type"));
  }
  if ((p[2]->kind != Kind::String && p[2]->kind != Kind::Int) || !isInt(p[4]) || p[4]->integer < 0) {
    return malformed(QStringLiteral("a storage with a bad key or size"));
  }
  PickleValue* storage = make(Kind::Storage);
  if (!storage) return limit(QStringLiteral("more than %1 objects").arg(kMaxObjects));
  storage->dtype = storageTypes().at(p[1]->text);
  storage->text = p[2]->kind == Kind::String ? p[2]->text : std::to_string(p[2]->integer);
  storage->storage_numel = p[4]->integer;
  if (p.size() >= 6 && p[5]->kind != Kind::None) {
    // Legacy format: (view_key, offset, view_size) of a view into the root storage.
    const PickleValue* view = p[5];
    if (view->kind != Kind::Tuple || view->items.size() != 3 || !isInt(view->items[1]) ||
        !isInt(view->items[2]) || view->items[1]->integer < 0 || view->items[2]->integer < 0) {
      return malformed(QStringLiteral("a storage view with bad metadata"));
    }
    storage->view_offset = view->items[1]->integer;
    storage->view_numel = view->items[2]->integer;
  }
  m_storages.push_back(storage);
  return storage;
}

}  // namespace attune
