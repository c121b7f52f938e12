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

}  // namespace attune
