#pragma once
// JSON text parsed in one pass with a bound on its nesting: hostile input ("[[[[..." of a hundred
// megabytes) is refused after the bound instead of building millions of nested values, and no step
// looks back over what was already read (nlohmann's parse with a callback rescans each parent object
// after every value, which is quadratic in the object's size).

#include <nlohmann/json.hpp>

#include <string>

namespace attune {

struct BoundedJson {
  enum class Failure { None, NotJson, TooDeep, DuplicateKey };
  nlohmann::json value;  // discarded unless failure is None or DuplicateKey
  Failure failure = Failure::None;
  std::string duplicateKey;  // the first key found twice in one object (DuplicateKey)
};

enum class DuplicateKeys { LastWins, Refuse };

// Parses [begin, end) as one JSON value (nothing but white space after it). Containers may nest
// `maxDepth` deep (the root object or array is depth 1; a scalar root is depth 0). With
// DuplicateKeys::Refuse, a key repeated in one object is a failure (reported only when the text is
// otherwise valid JSON within the depth, with the value as parsed, the last duplicate winning);
// otherwise the last value wins silently, as in nlohmann::json::parse.
BoundedJson parseBoundedJson(const char* begin, const char* end, int maxDepth,
                             DuplicateKeys duplicates = DuplicateKeys::LastWins);

// The same, for readers that only need a value or nothing: nlohmann's `discarded` value when the text
// is not one JSON value within `maxDepth` (as nlohmann::json::parse(begin, end, nullptr, false) gives
// for text that is not JSON, but without building a hostile file's millions of nested values).
inline nlohmann::json parseJsonOrDiscarded(const char* begin, const char* end, int maxDepth) {
  BoundedJson parsed = parseBoundedJson(begin, end, maxDepth);
  if (parsed.failure != BoundedJson::Failure::None) return nlohmann::json(nlohmann::json::value_t::discarded);
  return std::move(parsed.value);
}

}  // namespace attune
