#include "core/common/BoundedJson.h"

#include <utility>
#include <vector>

namespace attune {
namespace {

using nlohmann::json;

// Builds the value as nlohmann's DOM parser does, counting open containers and checking keys.
class BoundedBuilder : public nlohmann::json_sax<json> {
 public:
  BoundedBuilder(int maxDepth, DuplicateKeys duplicates) : m_maxDepth(maxDepth), m_duplicates(duplicates) {}

  json root;
  BoundedJson::Failure failure = BoundedJson::Failure::None;
  bool duplicate = false;
  std::string duplicateKey;

  bool null() override { return add(json(nullptr)); }
  bool boolean(bool value) override { return add(json(value)); }
  bool number_integer(number_integer_t value) override { return add(json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return add(json(value)); }
  bool number_float(number_float_t value, const string_t&) override { return add(json(value)); }
  bool string(string_t& value) override { return add(json(std::move(value))); }
  bool binary(binary_t&) override { return false; }  // JSON text has none
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    // A std::map lookup: n log n for an object of n keys.
    // Parsing goes on (the last value wins), so that a damaged text is reported as such first.
    if (m_duplicates == DuplicateKeys::Refuse && !duplicate && m_open.back()->contains(name)) {
      duplicate = true;
      duplicateKey = name;
    }
    m_key = std::move(name);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    failure = BoundedJson::Failure::NotJson;
    return false;
  }

 private:
  // The value's place: the root, the end of the open array, or the open object's last key.
  json* place(json value) {
    if (m_open.empty()) {
      root = std::move(value);
      return &root;
    }
    json& parent = *m_open.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[m_key];
    slot = std::move(value);
    return &slot;
  }
  bool add(json value) {
    place(std::move(value));
    return true;
  }
  bool open(json container) {
    if (int(m_open.size()) >= m_maxDepth) {
      failure = BoundedJson::Failure::TooDeep;
      return false;
    }
    m_open.push_back(place(std::move(container)));
    return true;
  }
  bool close() {
    m_open.pop_back();
    return true;
  }

  int m_maxDepth;
  DuplicateKeys m_duplicates;
  // Stable: only the innermost open container gains children, and it is never moved while open.
  std::vector<json*> m_open;
  std::string m_key;
};

}  // namespace

BoundedJson parseBoundedJson(const char* begin, const char* end, int maxDepth, DuplicateKeys duplicates) {
  BoundedBuilder builder(maxDepth, duplicates);
  BoundedJson result;
  bool parsed = false;
  try {
    parsed = json::sax_parse(begin, end, &builder, json::input_format_t::json, /*strict=*/true);
  } catch (const json::exception&) {
    parsed = false;
  }
  if (!parsed) {
    result.failure =
        builder.failure == BoundedJson::Failure::None ? BoundedJson::Failure::NotJson : builder.failure;
    result.value = json(json::value_t::discarded);
    return result;
  }
  result.value = std::move(builder.root);
  if (builder.duplicate) {
    result.failure = BoundedJson::Failure::DuplicateKey;
    result.duplicateKey = std::move(builder.duplicateKey);
  }
  return result;
}

}  // namespace attune
