# One INTERFACE target that carries warnings and Qt safety defines for every Attune target.
add_library(attune_options INTERFACE)
target_compile_features(attune_options INTERFACE cxx_std_20)
target_compile_options(attune_options INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)
target_compile_definitions(attune_options INTERFACE
  QT_NO_URL_CAST_FROM_STRING
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_USE_QSTRINGBUILDER
  ATTUNE_VERSION="${PROJECT_VERSION}")
# Attune's targets only: LibTorch's and Qt's headers are system headers, whose warnings are not shown.
if(ATTUNE_WARNINGS_AS_ERRORS)
  target_compile_options(attune_options INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-Werror>)
endif()
# Sanitizers (ATTUNE_SANITIZE, tests/sanitize/run.sh). -O1: the sanitizers' manuals recommend it (fast
# enough, and few frames inlined away); the debug level stays RelWithDebInfo's line tables, which is all
# a report's stack trace needs. -fno-sanitize-recover: a UBSan finding ends the program with an error,
# so the test that triggers it fails instead of printing a line nobody reads. Qt, LibTorch and the C++
# runtime are not instrumented; tests/sanitize/*.supp says which of their reports are set aside, and why.
if(ATTUNE_SANITIZE STREQUAL "ON")
  set(ATTUNE_SANITIZE "address,undefined")
endif()
if(ATTUNE_SANITIZE AND NOT ATTUNE_SANITIZE STREQUAL "OFF")
  if(NOT ATTUNE_SANITIZE MATCHES "^(address,undefined|thread)$")
    message(FATAL_ERROR "ATTUNE_SANITIZE is '${ATTUNE_SANITIZE}': use address,undefined or thread (they cannot be combined)")
  endif()
  set(attune_sanitize_flags -fsanitize=${ATTUNE_SANITIZE} -fno-omit-frame-pointer)
  if(ATTUNE_SANITIZE STREQUAL "address,undefined")
    list(APPEND attune_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  # GCC's flow analysis at -O1 with the sanitizers' checks warns "may be used uninitialized" inside
  # LibTorch's headers (c10::optional<at::Generator> in intrusive_ptr.h), which the normal build does
  # not: a false report from third-party code that would fail ATTUNE_WARNINGS_AS_ERRORS.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND attune_sanitize_compile_only -Wno-maybe-uninitialized)
    # GCC 12 warns that TSan does not model std::atomic_thread_fence, used inside Qt's and the C++
    # library's headers (QFuture's), not by Attune's own code.
    if(ATTUNE_SANITIZE STREQUAL "thread")
      list(APPEND attune_sanitize_compile_only -Wno-tsan)
    endif()
  endif()
  target_compile_options(attune_options INTERFACE ${attune_sanitize_flags} ${attune_sanitize_compile_only} -O1)
  target_link_options(attune_options INTERFACE ${attune_sanitize_flags})
  message(STATUS "Sanitizers: ${ATTUNE_SANITIZE}")
endif()

# Core targets are compiled with QT_NO_KEYWORDS: Qt's `slots`/`signals`/`emit` macros break
# LibTorch's headers when a Qt header comes first.
add_library(attune_core_options INTERFACE)
target_link_libraries(attune_core_options INTERFACE attune_options)
target_compile_definitions(attune_core_options INTERFACE QT_NO_KEYWORDS)
