// JSONL lines and JSON arrays of objects for TextTable.

#include "core/data/detail/TextTableBuilder.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace attune::detail {
namespace {

using json = nlohmann::ordered_json;

// Deeper records are refused before the JSON parser sees them: no text table nests this deep, and
// hostile input ("[[[[...") must not cost more than a scan.
constexpr int kMaxNesting = 64;

// The deepest nesting of [begin, end), outside strings.
int nestingDepth(const char* begin, const char* end) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (const char* p = begin; p < end; ++p) {
    if (inString) {
      if (*p == '\\' && p + 1 < end)
        ++p;
      else if (*p == '"')
        inString = false;
    } else if (*p == '"') {
      inString = true;
    } else if (*p == '[' || *p == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (*p == ']' || *p == '}') {
      --depth;
    }
  }
  return deepest;
}

QString cellText(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return {};
    case json::value_t::string:
      return QString::fromStdString(value.get<std::string>());
    default:  // numbers and true/false as their JSON text; nested values as compact JSON
      return QString::fromStdString(value.dump());
  }
}

// One record: checked, parsed and added, or reported. `number` is its line or entry number.
Status readRecord(const char* begin, const char* end, int number, TextTableBuilder& builder) {
  const Utf8Check check = checkUtf8(begin, end);
  builder.countRecord(check);
  if (check == Utf8Check::Invalid) {
    builder.skip(number, QStringLiteral("it is not UTF-8 text"));
    return {};
  }
  if (nestingDepth(begin, end) > kMaxNesting) {
    builder.skip(number, QStringLiteral("its values are nested more than %1 levels deep").arg(kMaxNesting));
    return {};
  }
  json value;
  try {
    value = json::parse(begin, end, nullptr, false);
  } catch (const json::exception&) {
    value = json(json::value_t::discarded);
  }
  if (value.is_discarded()) {
    builder.skip(number, QStringLiteral("it is not valid JSON"));
    return {};
  }
  if (!value.is_object()) {
    builder.skip(number, QStringLiteral("it is not a JSON object ({\"text\": ..., \"label\": ...})"));
    return {};
  }
  QStringList cells;
  for (auto it = value.begin(); it != value.end(); ++it) {
    auto column = builder.columnForKey(QString::fromStdString(it.key()));
    if (!column) return column.error();
    while (cells.size() <= *column) cells.append(QString());
    cells[*column] = cellText(it.value());
  }
  return builder.addRow(number, std::move(cells));
}

bool isJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Status readJsonLines(const QByteArray& bytes, TextTable::Input input, TextTableBuilder& builder) {
  const char* const data = bytes.constData();
  const qsizetype size = bytes.size();
  qsizetype pos = 0;
  for (int line = 1; pos < size && !builder.full(); ++line) {
    const void* newline = std::memchr(data + pos, '\n', size_t(size - pos));
    const qsizetype stop = newline ? static_cast<const char*>(newline) - data : size;
    if (!newline && input == TextTable::Input::Prefix) break;  // maybe cut off
    const char* begin = data + pos;
    const char* end = data + stop;
    pos = stop + 1;
    while (begin < end && isJsonSpace(*begin)) ++begin;
    while (end > begin && isJsonSpace(end[-1])) --end;
    if (begin == end) continue;
    if (auto status = readRecord(begin, end, line, builder); !status) return status;
  }
  return {};
}

Status readJsonArray(const QByteArray& bytes, TextTable::Input input, TextTableBuilder& builder) {
  const char* const data = bytes.constData();
  const qsizetype size = bytes.size();
  qsizetype pos = 0;
  while (pos < size && isJsonSpace(data[pos])) ++pos;
  if (pos < size && data[pos] == '{') return readJsonLines(bytes, input, builder);  // JSONL named .json
  if (pos >= size || data[pos] != '[')
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("%1 is not a JSON list of records.").arg(builder.fileName()),
                 QStringLiteral("Attune reads a JSON file holding [{\"text\": ..., \"label\": ...}, ...], or "
                                "one such object per line (.jsonl)."));
  ++pos;
  // Each entry is found by a scan that follows strings and brackets, then parsed alone: a broken entry
  // is skipped without losing the others.
  for (int entry = 1; pos < size && !builder.full(); ++entry) {
    while (pos < size && isJsonSpace(data[pos])) ++pos;
    if (pos < size && data[pos] == ']') return {};
    const qsizetype begin = pos;
    int depth = 0;
    bool inString = false;
    for (; pos < size; ++pos) {
      const char c = data[pos];
      if (inString) {
        if (c == '\\')
          ++pos;
        else if (c == '"')
          inString = false;
      } else if (c == '"') {
        inString = true;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      } else if (depth == 0 && (c == ',' || c == ']')) {
        break;
      }
    }
    if (pos >= size) {
      if (input == TextTable::Input::Complete)
        builder.skip(entry, QStringLiteral("the file ends inside this entry (the list is not closed)"));
      return {};
    }
    const char* end = data + pos;
    while (end > data + begin && isJsonSpace(end[-1])) --end;
    if (end == data + begin) {
      builder.skip(entry, QStringLiteral("it is empty (two commas in a row)"));
    } else if (auto status = readRecord(data + begin, end, entry, builder); !status) {
      return status;
    }
    if (data[pos] == ',') ++pos;
  }
  return {};
}

}  // namespace attune::detail
