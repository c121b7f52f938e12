#include "core/weights/RestrictedUnpickler.h"

#include "core/weights/CheckpointError.h"
#include "core/weights/detail/PickleErrors.h"

#include <QtEndian>

#include <cstring>

namespace attune {

namespace {

using Kind = PickleValue::Kind;
using detail::limit;
using detail::malformed;

constexpr qsizetype kMaxGlobalNameBytes = 256;

}  // namespace

const char* PickleValue::typeName() const {
  switch (kind) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
    case Kind::BigInt:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return "str";
    case Kind::Bytes:
      return "bytes";
    case Kind::Tuple:
      return "tuple";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Global:
      return "global";
    case Kind::Storage:
      return "storage";
    case Kind::Tensor:
      return "tensor";
  }
  return "?";
}

PickleValue* RestrictedUnpickler::make(Kind kind) {
  if (m_arena.size() >= kMaxObjects) return nullptr;
  m_arena.push_back(std::make_unique<PickleValue>());
  m_arena.back()->kind = kind;
  return m_arena.back().get();
}

Result<void> RestrictedUnpickler::push(PickleValue* value) {
  if (!value) return limit(QStringLiteral("more than %1 objects").arg(kMaxObjects));
  if (m_stack.size() >= kMaxStack) return limit(QStringLiteral("stack deeper than %1").arg(kMaxStack));
  m_stack.push_back(value);
  return {};
}

Result<PickleValue*> RestrictedUnpickler::pop() {
  const size_t floor = m_marks.empty() ? 0 : m_marks.back();
  if (m_stack.size() <= floor) return malformed(QStringLiteral("pop from an empty stack"));
  PickleValue* value = m_stack.back();
  m_stack.pop_back();
  return value;
}

Result<std::vector<PickleValue*>> RestrictedUnpickler::popToMark() {
  if (m_marks.empty()) return malformed(QStringLiteral("no mark"));
  const size_t mark = m_marks.back();
  m_marks.pop_back();
  std::vector<PickleValue*> items(m_stack.begin() + qsizetype(mark), m_stack.end());
  m_stack.resize(mark);
  return items;
}

Result<void> RestrictedUnpickler::addItems(size_t count) {
  m_items += count;
  if (m_items > kMaxItems) return limit(QStringLiteral("more than %1 container elements").arg(kMaxItems));
  return {};
}

Result<QByteArrayView> RestrictedUnpickler::take(uint64_t count) {
  if (count > uint64_t(m_stream.size() - m_position)) {
    return malformed(QStringLiteral("a length of %1 bytes runs past the end of the data").arg(count));
  }
  const QByteArrayView bytes = m_stream.sliced(m_position, qsizetype(count));
  m_position += qsizetype(count);
  return bytes;
}

Result<std::string> RestrictedUnpickler::readLine() {
  const qsizetype end = std::min(m_stream.size(), m_position + kMaxGlobalNameBytes + 1);
  for (qsizetype at = m_position; at < end; ++at) {
    if (m_stream[at] == '\n') {
      std::string line(m_stream.data() + m_position, size_t(at - m_position));
      m_position = at + 1;
      return line;
    }
  }
  return malformed(QStringLiteral("an unterminated or overlong global name"));
}

Result<PickleValue*> RestrictedUnpickler::load() {
  m_stack.clear();
  m_marks.clear();
  m_memo.clear();
#define ATTUNE_TRY(expr)                              \
  do {                                                \
    auto attune_status = (expr);                      \
    if (!attune_status) return attune_status.error(); \
  } while (0)
  auto pushNew = [this](Kind kind) -> Result<void> { return push(make(kind)); };
  auto readUnsigned = [this](int bytes) -> Result<uint64_t> {
    auto field = take(uint64_t(bytes));
    if (!field) return field.error();
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | uint8_t((*field)[i]);
    return value;
  };
  auto pushBytes = [&](Kind kind, int length_bytes) -> Result<void> {
    auto length = readUnsigned(length_bytes);
    if (!length) return length.error();
    auto bytes = take(*length);
    if (!bytes) return bytes.error();
    PickleValue* value = make(kind);
    if (value) value->text.assign(bytes->data(), size_t(bytes->size()));
    return push(value);
  };
  auto memoize = [this](uint64_t index) -> Result<void> {
    if (m_stack.empty()) return malformed(QStringLiteral("memoize from an empty stack"));
    if (m_memo.size() >= kMaxMemo && !m_memo.count(index)) {
      return limit(QStringLiteral("more than %1 memo entries").arg(kMaxMemo));
    }
    m_memo[index] = m_stack.back();
    return {};
  };
  auto recall = [this](uint64_t index) -> Result<void> {
    const auto found = m_memo.find(index);
    if (found == m_memo.end()) return malformed(QStringLiteral("a memo entry that was never stored"));
    return push(found->second);
  };
  auto makeTuple = [&](std::vector<PickleValue*> items) -> Result<void> {
    ATTUNE_TRY(addItems(items.size()));
    PickleValue* tuple = make(Kind::Tuple);
    if (tuple) tuple->items = std::move(items);
    return push(tuple);
  };
  auto popN = [&](int count) -> Result<std::vector<PickleValue*>> {
    std::vector<PickleValue*> items(size_t(count), nullptr);
    for (int i = count - 1; i >= 0; --i) {
      auto item = pop();
      if (!item) return item.error();
      items[size_t(i)] = *item;
    }
    return items;
  };
  auto setItems = [&](PickleValue* dict, const std::vector<PickleValue*>& flat) -> Result<void> {
    if (dict->kind != Kind::Dict) return malformed(QStringLiteral("items set on a %1").arg(dict->typeName()));
    if (flat.size() % 2 != 0) return malformed(QStringLiteral("a key without a value"));
    ATTUNE_TRY(addItems(flat.size()));
    for (size_t i = 0; i < flat.size(); i += 2) dict->entries.emplace_back(flat[i], flat[i + 1]);
    return {};
  };
  auto appendItems = [&](PickleValue* list, const std::vector<PickleValue*>& items) -> Result<void> {
    if (list->kind != Kind::List)
      return malformed(QStringLiteral("items appended to a %1").arg(list->typeName()));
    ATTUNE_TRY(addItems(items.size()));
    list->items.insert(list->items.end(), items.begin(), items.end());
    return {};
  };

  while (true) {
    auto opcode_field = take(1);
    if (!opcode_field) return malformed(QStringLiteral("it ends before its STOP"));
    const auto opcode = uint8_t((*opcode_field)[0]);
    switch (opcode) {
      case 0x80: {  // PROTO
        auto version = readUnsigned(1);
        if (!version) return version.error();
        if (*version > 5) return malformed(QStringLiteral("unknown protocol %1").arg(*version));
        break;
      }
      case 0x95:  // FRAME: a length hint only
        ATTUNE_TRY(take(8));
        break;
      case '.': {  // STOP
        auto result = pop();
        if (!result) return result.error();
        return *result;
      }
      case '(':
        if (m_marks.size() >= kMaxMarks)
          return limit(QStringLiteral("nesting deeper than %1").arg(kMaxMarks));
        m_marks.push_back(m_stack.size());
        break;
      case '0':  // POP
        ATTUNE_TRY(pop());
        break;
      case '1':  // POP_MARK
        ATTUNE_TRY(popToMark());
        break;
      case '2': {  // DUP
        auto top = pop();
        if (!top) return top.error();
        ATTUNE_TRY(push(*top));
        ATTUNE_TRY(push(*top));
        break;
      }
      case '}':
        ATTUNE_TRY(pushNew(Kind::Dict));
        break;
      case ']':
        ATTUNE_TRY(pushNew(Kind::List));
        break;
      case ')':
        ATTUNE_TRY(pushNew(Kind::Tuple));
        break;
      case 'N':
        ATTUNE_TRY(pushNew(Kind::None));
        break;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        PickleValue* value = make(Kind::Bool);
        if (value) {
          value->boolean = opcode == 0x88;
          value->integer = value->boolean ? 1 : 0;
        }
        ATTUNE_TRY(push(value));
        break;
      }
      case 't': {
        auto items = popToMark();
        if (!items) return items.error();
        ATTUNE_TRY(makeTuple(std::move(*items)));
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        auto items = popN(opcode - 0x84);
        if (!items) return items.error();
        ATTUNE_TRY(makeTuple(std::move(*items)));
        break;
      }
      case 'l': {  // LIST
        auto items = popToMark();
        if (!items) return items.error();
        ATTUNE_TRY(addItems(items->size()));
        PickleValue* list = make(Kind::List);
        if (list) list->items = std::move(*items);
        ATTUNE_TRY(push(list));
        break;
      }
      case 'd': {  // DICT
        auto items = popToMark();
        if (!items) return items.error();
        PickleValue* dict = make(Kind::Dict);
        if (!dict) return limit(QStringLiteral("more than %1 objects").arg(kMaxObjects));
        ATTUNE_TRY(setItems(dict, *items));
        ATTUNE_TRY(push(dict));
        break;
      }
      case 'J':
      case 'K':
      case 'M': {  // BININT, BININT1, BININT2
        const int bytes = opcode == 'J' ? 4 : opcode == 'K' ? 1 : 2;
        auto raw = readUnsigned(bytes);
        if (!raw) return raw.error();
        PickleValue* value = make(Kind::Int);
        if (value) value->integer = opcode == 'J' ? int64_t(int32_t(uint32_t(*raw))) : int64_t(*raw);
        ATTUNE_TRY(push(value));
        break;
      }
      case 0x8a:
      case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        auto length = readUnsigned(opcode == 0x8a ? 1 : 4);
        if (!length) return length.error();
        auto bytes = take(*length);
        if (!bytes) return bytes.error();
        PickleValue* value = make(Kind::Int);
        if (value && bytes->size() <= 8) {
          uint64_t raw = 0;
          for (qsizetype i = bytes->size() - 1; i >= 0; --i) raw = (raw << 8) | uint8_t((*bytes)[i]);
          const int bits = int(bytes->size()) * 8;
          if (bits > 0 && bits < 64 && (raw >> (bits - 1)) & 1) raw |= ~uint64_t(0) << bits;  // sign-extend
          value->integer = int64_t(raw);
        } else if (value) {
          value->kind = Kind::BigInt;
          value->text.assign(bytes->data(), size_t(bytes->size()));
        }
        ATTUNE_TRY(push(value));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        auto raw = take(8);
        if (!raw) return raw.error();
        const uint64_t bits = qFromBigEndian<uint64_t>(raw->data());
        PickleValue* value = make(Kind::Float);
        if (value) std::memcpy(&value->real, &bits, sizeof bits);
        ATTUNE_TRY(push(value));
        break;
      }
      case 'X':
        ATTUNE_TRY(pushBytes(Kind::String, 4));
        break;  // BINUNICODE
      case 0x8c:
        ATTUNE_TRY(pushBytes(Kind::String, 1));
        break;  // SHORT_BINUNICODE
      case 0x8d:
        ATTUNE_TRY(pushBytes(Kind::String, 8));
        break;  // BINUNICODE8
      case 'T':
        ATTUNE_TRY(pushBytes(Kind::String, 4));
        break;  // BINSTRING (Python 2 str)
      case 'U':
        ATTUNE_TRY(pushBytes(Kind::String, 1));
        break;  // SHORT_BINSTRING
      case 'B':
        ATTUNE_TRY(pushBytes(Kind::Bytes, 4));
        break;  // BINBYTES
      case 'C':
        ATTUNE_TRY(pushBytes(Kind::Bytes, 1));
        break;  // SHORT_BINBYTES
      case 0x8e:
        ATTUNE_TRY(pushBytes(Kind::Bytes, 8));
        break;     // BINBYTES8
      case 's': {  // SETITEM
        auto pair = popN(2);
        if (!pair) return pair.error();
        auto dict = pop();
        if (!dict) return dict.error();
        ATTUNE_TRY(setItems(*dict, *pair));
        ATTUNE_TRY(push(*dict));
        break;
      }
      case 'u': {  // SETITEMS
        auto items = popToMark();
        if (!items) return items.error();
        if (m_stack.empty()) return malformed(QStringLiteral("items set on nothing"));
        ATTUNE_TRY(setItems(m_stack.back(), *items));
        break;
      }
      case 'a': {  // APPEND
        auto item = pop();
        if (!item) return item.error();
        if (m_stack.empty()) return malformed(QStringLiteral("append to nothing"));
        ATTUNE_TRY(appendItems(m_stack.back(), {*item}));
        break;
      }
      case 'e': {  // APPENDS
        auto items = popToMark();
        if (!items) return items.error();
        if (m_stack.empty()) return malformed(QStringLiteral("append to nothing"));
        ATTUNE_TRY(appendItems(m_stack.back(), *items));
        break;
      }
      case 'q':
      case 'r': {  // BINPUT, LONG_BINPUT
        auto index = readUnsigned(opcode == 'q' ? 1 : 4);
        if (!index) return index.error();
        ATTUNE_TRY(memoize(*index));
        break;
      }
      case 0x94:  // MEMOIZE
        ATTUNE_TRY(memoize(m_memo.size()));
        break;
      case 'h':
      case 'j': {  // BINGET, LONG_BINGET
        auto index = readUnsigned(opcode == 'h' ? 1 : 4);
        if (!index) return index.error();
        ATTUNE_TRY(recall(*index));
        break;
      }
      case 'c': {  // GLOBAL
        auto module = readLine();
        if (!module) return module.error();
        auto name = readLine();
        if (!name) return name.error();
        auto global = resolveGlobal(*module, *name);
        if (!global) return global.error();
        ATTUNE_TRY(push(*global));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        auto names = popN(2);
        if (!names) return names.error();
        if ((*names)[0]->kind != Kind::String || (*names)[1]->kind != Kind::String) {
          return malformed(QStringLiteral("a global named by non-strings"));
        }
        auto global = resolveGlobal((*names)[0]->text, (*names)[1]->text);
        if (!global) return global.error();
        ATTUNE_TRY(push(*global));
        break;
      }
      case 'R':
      case 0x81: {  // REDUCE, NEWOBJ (cls.__new__(cls, *args): only OrderedDict is allowed either way)
        auto pair = popN(2);
        if (!pair) return pair.error();
        auto result = reduce((*pair)[0], (*pair)[1]);
        if (!result) return result.error();
        ATTUNE_TRY(push(*result));
        break;
      }
      case 'b': {  // BUILD: state of an OrderedDict (its _metadata) or of a parameter; not needed
        auto state = pop();
        if (!state) return state.error();
        if (m_stack.empty()) return malformed(QStringLiteral("build on nothing"));
        const Kind target = m_stack.back()->kind;
        if (target != Kind::Dict && target != Kind::Tensor) {
          return malformed(QStringLiteral("state set on a %1").arg(m_stack.back()->typeName()));
        }
        break;
      }
      case 'Q': {  // BINPERSID
        auto pid = pop();
        if (!pid) return pid.error();
        auto storage = persistentLoad(*pid);
        if (!storage) return storage.error();
        ATTUNE_TRY(push(*storage));
        break;
      }
      default:
        return malformed(QStringLiteral("unsupported opcode 0x%1 at byte %2")
                             .arg(opcode, 2, 16, QChar('0'))
                             .arg(m_position - 1));
    }
  }
#undef ATTUNE_TRY
}

}  // namespace attune
