#pragma once
// The engine boundary (DESIGN.md, "Distilled" 6): LibTorch reports failures by throwing c10::Error, a
// std::exception whose what() is one line of reason followed by a C++ backtrace. Every public core
// function that runs LibTorch code runs it inside guardEngine, so that no exception leaves core: the
// caller (the window, the command line) gets an ordinary Error with the reason in one line and what
// to try. Free of LibTorch: c10::Error is caught as the std::exception it is.

#include "core/common/Result.h"

#include <QString>

#include <exception>
#include <type_traits>

namespace attune {

// Error::detail of the Error an engine failure becomes, for tests and tools that tell them apart.
enum class EngineFailure {
  Exception = 1,  // anything else that was thrown
  OutOfMemory,    // std::bad_alloc, or LibTorch's allocator could not allocate
};

// The first line of an exception's message, trimmed (what a user can read of LibTorch's).
QString firstLineOf(const char* what);

// The Error of `action` (what was being done, as the subject of a sentence: "Evaluating the model")
// when it threw `e`: "<action> failed: <first line of what()>." with a hint. Running out of memory
// (std::bad_alloc, or LibTorch's "out of memory" / "can't allocate memory") says so and suggests a
// smaller batch size or input size.
Error engineError(const QString& action, const std::exception& e);
// ... when it threw something that is not a std::exception.
Error unknownEngineError(const QString& action);

namespace detail {
template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {};
}  // namespace detail

// Runs `body` (a callable returning a Result<T> or a Status) and returns what it returns; whatever it
// throws becomes engineError's (or unknownEngineError's) Error for `action`.
template <typename Body>
std::invoke_result_t<Body&> guardEngine(const QString& action, Body&& body) {
  static_assert(detail::IsResult<std::invoke_result_t<Body&>>::value,
                "guardEngine's body returns a Result<T> or a Status");
  try {
    return body();
  } catch (const std::exception& e) {
    return engineError(action, e);
  } catch (...) {
    return unknownEngineError(action);
  }
}

}  // namespace attune
