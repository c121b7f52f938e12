#pragma once
// A restricted unpickler for the pickles torch.save writes. It builds plain values (dicts, lists,
// tuples, numbers, strings) and two torch descriptions, a storage reference (from a persistent id)
// and a tensor view of it (from torch._utils._rebuild_tensor_v2). Only an allow-list of globals is
// resolved, and their effect is implemented here; any other global (os.system, builtins.eval, ...)
// is refused with its name. Nothing from the file is ever executed.
//
// Hostile input is bounded: every length is checked against the bytes left, and the stack, marks,
// memo and object count have limits. Objects live in an arena owned by the unpickler (no recursion
// on destruction, cycles are harmless); values point into it and die with it.

#include "core/common/Result.h"
#include "core/weights/TensorData.h"

#include <QByteArrayView>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace attune {

struct PickleValue {
  enum class Kind {
    None,
    Bool,
    Int,
    BigInt,
    Float,
    String,
    Bytes,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor
  };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  // String/Bytes: the bytes; BigInt: little-endian two's complement bytes; Global: "module.name";
  // Storage: the storage key.
  std::string text;
  std::vector<PickleValue*> items;                             // Tuple, List
  std::vector<std::pair<PickleValue*, PickleValue*>> entries;  // Dict, in insertion order

  // Storage (a persistent id): its dtype and element count; for a legacy view of a larger storage,
  // the view's first element in the root storage and its own element count.
  DType dtype = DType::F32;
  int64_t storage_numel = 0;
  int64_t view_offset = 0;
  int64_t view_numel = -1;  // -1: not a view

  // Tensor: a view of `storage`.
  PickleValue* storage = nullptr;
  int64_t storage_offset = 0;
  std::vector<int64_t> size;
  std::vector<int64_t> stride;

  // The Python type name, for messages ("int", "dict", "tensor", ...).
  const char* typeName() const;
};

class RestrictedUnpickler {
 public:
  // A state_dict of 10k tensors needs ~100k objects; these bound what a hostile pickle can make the
  // reader allocate to a few hundred MB.
  static constexpr size_t kMaxStack = 1'000'000;
  static constexpr size_t kMaxMarks = 1'000;
  static constexpr size_t kMaxMemo = 1'000'000;
  static constexpr size_t kMaxObjects = 2'000'000;
  static constexpr size_t kMaxItems = 16'000'000;  // elements of all containers together
  static constexpr int kMaxTensorDims = 64;

  // The stream's bytes must outlive the unpickler (it keeps a view of them).
  explicit RestrictedUnpickler(QByteArrayView stream) : m_stream(stream) {}

  // Reads one pickle starting at position(), which then moves past its STOP. Errors carry a
  // CheckpointError in Error::detail.
  Result<PickleValue*> load();
  qsizetype position() const { return m_position; }
  // Every storage reference read so far, in order (the legacy format needs their dtypes).
  const std::vector<PickleValue*>& storages() const { return m_storages; }

 private:
  PickleValue* make(PickleValue::Kind kind);
  Result<void> push(PickleValue* value);
  Result<PickleValue*> pop();
  Result<std::vector<PickleValue*>> popToMark();
  Result<void> addItems(size_t count);
  Result<QByteArrayView> take(uint64_t count);
  Result<std::string> readLine();
  Result<PickleValue*> resolveGlobal(const std::string& module, const std::string& name);
  Result<PickleValue*> reduce(PickleValue* callable, PickleValue* args);
  Result<PickleValue*> persistentLoad(PickleValue* pid);

  QByteArrayView m_stream;
  qsizetype m_position = 0;
  std::vector<std::unique_ptr<PickleValue>> m_arena;
  std::vector<PickleValue*> m_stack;
  std::vector<size_t> m_marks;
  std::unordered_map<uint64_t, PickleValue*> m_memo;
  size_t m_items = 0;
  std::vector<PickleValue*> m_storages;
};

}  // namespace attune
