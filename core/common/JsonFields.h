#pragma once
// Reading typed fields out of JSON objects: a missing key keeps the caller's default, a key of the
// wrong type is an error that names the key's full path ("config.optim.lr_head must be a number").
// Every file Attune reads JSON from goes through these (or checks is_*() before get<>()): nlohmann's
// get<>(), value() and implicit conversions throw json::type_error on a wrong type.

#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attune::json_fields {

inline QString joinPath(const QString& path, const char* key) {
  return path.isEmpty() ? QString::fromUtf8(key) : path + QLatin1Char('.') + QString::fromUtf8(key);
}

inline Error typeError(const QString& keyPath, const QString& expected) {
  return Error(ErrorCode::BadValue, QStringLiteral("%1 must be %2.").arg(keyPath, expected),
               QStringLiteral("Correct the value in the project file or reset the setting in Attune."));
}

inline Error typeError(const QString& keyPath, const char* expected) {
  return typeError(keyPath, QString::fromUtf8(expected));
}

// readValue(): converts one present, non-null value; keyPath names it in the error message.
inline Status readValue(const nlohmann::json& value, const QString& keyPath, double& out) {
  if (!value.is_number()) return typeError(keyPath, "a number");
  out = value.get<double>();
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, int& out) {
  if (!value.is_number_integer()) return typeError(keyPath, "a whole number");
  // Unsigned values above INT64_MAX would wrap when read as int64_t (18446744073709551615 -> -1).
  const bool inRange = value.is_number_unsigned()
                           ? value.get<uint64_t>() <= static_cast<uint64_t>(INT32_MAX)
                           : value.get<int64_t>() >= INT32_MIN && value.get<int64_t>() <= INT32_MAX;
  if (!inRange) return typeError(keyPath, "a smaller whole number");
  out = static_cast<int>(value.get<int64_t>());
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, std::optional<int>& out) {
  int number = 0;
  if (auto status = readValue(value, keyPath, number); !status) return status;
  out = number;
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, bool& out) {
  if (!value.is_boolean()) return typeError(keyPath, "true or false");
  out = value.get<bool>();
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, QString& out) {
  if (!value.is_string()) return typeError(keyPath, "text");
  out = QString::fromStdString(value.get<std::string>());
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, int64_t& out) {
  if (!value.is_number_integer()) return typeError(keyPath, "a whole number");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return typeError(keyPath, "a smaller whole number");
  out = value.get<int64_t>();
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, std::string& out) {
  if (!value.is_string()) return typeError(keyPath, "text");
  out = value.get<std::string>();
  return {};
}

inline Status readValue(const nlohmann::json& value, const QString& keyPath, std::vector<double>& out) {
  if (!value.is_array()) return typeError(keyPath, "a list of numbers");
  std::vector<double> numbers;
  numbers.reserve(value.size());
  for (const auto& item : value) {
    if (!item.is_number()) return typeError(keyPath, "a list of numbers");
    numbers.push_back(item.get<double>());
  }
  out = std::move(numbers);
  return {};
}

// read(): an absent or null key leaves `out` unchanged and succeeds.
template <typename T>
Status read(const nlohmann::json& object, const char* key, const QString& path, T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return readValue(*it, joinPath(path, key), out);
}

// require(): like read(), but an absent or null key is an error too.
template <typename T>
Status require(const nlohmann::json& object, const char* key, const QString& path, T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return Error(ErrorCode::MissingKey, QStringLiteral("%1 is missing.").arg(joinPath(path, key)));
  return readValue(*it, joinPath(path, key), out);
}

// An error of these readers for a file other than the project file: the message names the file,
// the hint says what to do about that file.
inline Error inFile(Error error, const QString& file, const QString& hint) {
  error.message = QStringLiteral("In %1, %2").arg(file, error.message);
  error.hint = hint;
  return error;
}

// The sub-object at `key`; nullptr when absent, an error when present but not an object.
inline Result<const nlohmann::json*> object(const nlohmann::json& parent, const char* key,
                                            const QString& path) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return static_cast<const nlohmann::json*>(nullptr);
  if (!it->is_object()) return typeError(joinPath(path, key), "an object ({...})");
  return &*it;
}

}  // namespace attune::json_fields
