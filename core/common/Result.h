#pragma once
// Result<T>: the value of a call that can fail in an expected way (bad file, wrong format, ...).
// Exceptions are reserved for programming errors and for LibTorch, whose exceptions are caught once
// at the engine boundary and turned into an Error.

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace attune {

enum class ErrorCode {
  Generic,
  FileNotFound,
  FileUnreadable,
  FileUnwritable,
  BadFormat,      // the file is not what it claims to be
  BadValue,       // a value is of the wrong type or out of range
  NewerFormat,    // written by a newer Attune
  NotEnoughData,  // too few images, too few classes
  ShapeMismatch,
  MissingKey,
  Cancelled,
  NonFiniteLoss,
  Internal,
};

struct Error {
  ErrorCode code = ErrorCode::Generic;
  QString message;  // what went wrong, in plain words
  QString hint;     // what the user can do about it (may be empty)
  // A subsystem's precise reason (e.g. a SafetensorsError), 0 when none. For tests and tools that
  // must tell failures apart; users read message and hint.
  int detail = 0;

  Error() = default;
  Error(ErrorCode c, QString m, QString h = {}) : code(c), message(std::move(m)), hint(std::move(h)) {}

  // The message followed by the hint, for a single line on stderr or in a message box.
  QString text() const { return hint.isEmpty() ? message : message + QStringLiteral(" ") + hint; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return m_data.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(m_data); }
  const T& value() const& { return std::get<0>(m_data); }
  T&& value() && { return std::get<0>(std::move(m_data)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(m_data); }

 private:
  std::variant<T, Error> m_data;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)) {}

  bool ok() const { return !m_error.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *m_error; }

 private:
  std::optional<Error> m_error;
};

using Status = Result<void>;

}  // namespace attune
