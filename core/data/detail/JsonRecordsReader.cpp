// JSONL lines and JSON arrays of objects for TextTable.

#include "core/data/detail/TextTableBuilder.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

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

// One record read in a single pass (nlohmann's DOM of an ordered_json object looks every key up
// linearly, so a record of n keys cost n² steps): the top-level fields in first-seen order, each as
// its cell's text. A repeated key keeps its first place and its last value, as ordered_json did.
// Strings are kept, null becomes an empty cell, numbers and true/false their JSON text, nested values
// their compact JSON (a key repeated inside a nested object is kept twice there).
class RecordCells : public nlohmann::json_sax<json> {
 public:
  struct Field {
    std::string key;
    std::string text;
  };
  std::vector<Field> fields;
  bool rootIsObject = false;

  bool null() override { return scalar(std::string(), "null"); }
  bool boolean(bool value) override { return scalar(value ? "true" : "false"); }
  bool number_integer(number_integer_t value) override { return scalar(std::to_string(value)); }
  bool number_unsigned(number_unsigned_t value) override { return scalar(std::to_string(value)); }
  bool number_float(number_float_t value, const string_t&) override { return scalar(json(value).dump()); }
  bool string(string_t& value) override {
    if (m_depth == 1) return setField(std::move(value));
    return scalar(std::string(), json(value).dump());
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open('{'); }
  bool start_array(std::size_t) override { return open('['); }
  bool end_object() override { return close('}'); }
  bool end_array() override { return close(']'); }
  bool key(string_t& name) override {
    if (m_depth == 1) {
      m_key = std::move(name);
      return true;
    }
    separate();
    m_nested += json(name).dump();
    m_nested += ':';
    m_afterKey = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // A scalar: `cell` when it is a field's whole value, `nestedText` inside a nested value.
  bool scalar(std::string cell, const std::string& nestedText) {
    if (m_depth == 1) return setField(std::move(cell));
    if (m_depth > 1) {
      separate();
      m_nested += nestedText;
    }
    return true;
  }
  bool scalar(const std::string& text) { return scalar(text, text); }

  bool setField(std::string text) {
    if (!rootIsObject) return true;
    const auto [at, added] = m_fieldIndex.emplace(m_key, fields.size());
    if (added)
      fields.push_back({std::move(m_key), std::move(text)});
    else
      fields[at->second].text = std::move(text);
    return true;
  }

  // The comma before a value or key inside a nested value (none right after a key or an opening).
  void separate() {
    if (m_afterKey)
      m_afterKey = false;
    else if (!m_first.back())
      m_nested += ',';
    m_first.back() = false;
  }

  bool open(char bracket) {
    if (m_depth == 0) {
      rootIsObject = bracket == '{';
    } else if (m_depth == 1) {
      m_nested.assign(1, bracket);
    } else {
      separate();
      m_nested += bracket;
    }
    if (m_depth >= 1) m_first.push_back(true);
    ++m_depth;
    return true;
  }

  bool close(char bracket) {
    --m_depth;
    if (m_depth == 0) return true;
    m_first.pop_back();
    m_nested += bracket;
    if (m_depth == 1) return setField(std::move(m_nested));
    return true;
  }

  int m_depth = 0;  // containers open
  std::string m_key;
  std::string m_nested;       // the compact JSON of the field's nested value so far
  std::vector<bool> m_first;  // per open nested container: nothing written in it yet
  bool m_afterKey = false;
  std::unordered_map<std::string, size_t> m_fieldIndex;
};

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
  RecordCells record;
  bool valid = false;
  try {
    valid = json::sax_parse(begin, end, &record, json::input_format_t::json, /*strict=*/true);
  } catch (const json::exception&) {
    valid = false;
  }
  if (!valid) {
    builder.skip(number, QStringLiteral("it is not valid JSON"));
    return {};
  }
  if (!record.rootIsObject) {
    builder.skip(number, QStringLiteral("it is not a JSON object ({\"text\": ..., \"label\": ...})"));
    return {};
  }
  QStringList cells;
  for (RecordCells::Field& field : record.fields) {
    auto column = builder.columnForKey(QString::fromStdString(field.key));
    if (!column) return column.error();
    while (cells.size() <= *column) cells.append(QString());
    cells[*column] = QString::fromStdString(field.text);
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
