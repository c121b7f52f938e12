# Build speed (issue 18): a compiler cache that hits across clones, a fast linker, and lighter debug
# information. Each is used when present and can be turned off; none changes what is compiled.

# ccache, configured in the launcher itself so that every way of running this build folder (setup.sh,
# .ci/run, a developer's `cmake --build`) shares one cache and hits it from a clone in another folder:
# paths under the source root are hashed relative to it, the working directory is not hashed, and
# the sloppiness that GCC's precompiled headers need (CMake includes them with -include).
option(ATTUNE_CCACHE "Compile through ccache when it is installed" ON)
if(ATTUNE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(ATTUNE_CCACHE_PROGRAM ccache)
  if(ATTUNE_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}
      CCACHE_NOHASHDIR=true
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      CCACHE_COMPRESS=true
      ${ATTUNE_CCACHE_PROGRAM})
    message(STATUS "Compiler cache: ${ATTUNE_CCACHE_PROGRAM} (base directory ${PROJECT_SOURCE_DIR})")
  endif()
endif()

# mold links a test program against core and LibTorch in about a second; GNU ld takes 10-16 s each,
# and there are about 60 links.
option(ATTUNE_FAST_LINKER "Link with mold (or lld) when installed" ON)
if(ATTUNE_FAST_LINKER AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  include(CheckLinkerFlag)
  foreach(linker mold lld)
    string(TOUPPER ${linker} linker_upper)
    check_linker_flag(CXX "-fuse-ld=${linker}" ATTUNE_HAS_LD_${linker_upper})
    if(ATTUNE_HAS_LD_${linker_upper})
      add_link_options(-fuse-ld=${linker})
      message(STATUS "Linker: ${linker}")
      break()
    endif()
  endforeach()
endif()

# RelWithDebInfo keeps line tables only (-g1): backtraces, perf and gdb's `bt` still name files and
# lines, while a LibTorch translation unit compiles ~15% faster and its object is 4x smaller (faster
# links). ATTUNE_FULL_DEBUG_INFO=ON restores -g for sessions in a debugger.
option(ATTUNE_FULL_DEBUG_INFO "Full debug information in RelWithDebInfo builds" OFF)
if(NOT ATTUNE_FULL_DEBUG_INFO AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  string(REGEX REPLACE "(^| )-g( |$)" "\\1-g1\\2" CMAKE_CXX_FLAGS_RELWITHDEBINFO "${CMAKE_CXX_FLAGS_RELWITHDEBINFO}")
endif()
