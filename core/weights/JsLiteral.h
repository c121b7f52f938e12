#pragma once
// A strict reader for the subset of JavaScript object literals that TF.js model bundles use
// (nsfwjs's `model.min.js` / `group1-shard1of1.min.js`): objects with identifier, quoted or numeric
// keys, arrays, single/double-quoted strings, numbers (also `.5`, `1e-3`, `-0`), true/false/null and
// the minifier's `!0`/`!1`. Nothing is evaluated: anything outside that subset is an error.

#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>

namespace attune {

// Parses one literal starting at `offset` (leading white space is skipped). On success `offset`
// points just past the literal.
Result<nlohmann::json> parseJsLiteral(const QByteArray& text, qsizetype& offset);

// The value a CommonJS wrapper exports: the literal after the first `exports=` (or
// `module.exports =`) that is followed by `{`, `[` or a string. Plain JSON text is accepted too.
Result<nlohmann::json> parseJsExports(const QByteArray& text);

}  // namespace attune
