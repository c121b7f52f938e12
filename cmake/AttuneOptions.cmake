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
if(ATTUNE_SANITIZE)
  target_compile_options(attune_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(attune_options INTERFACE -fsanitize=address,undefined)
endif()

# Core targets are compiled with QT_NO_KEYWORDS: Qt's `slots`/`signals`/`emit` macros break
# LibTorch's headers when a Qt header comes first.
add_library(attune_core_options INTERFACE)
target_link_libraries(attune_core_options INTERFACE attune_options)
target_compile_definitions(attune_core_options INTERFACE QT_NO_KEYWORDS)
