#pragma once
// Shared by the fuzz targets (fuzz_*.cpp): each defines LLVMFuzzerTestOneInput, which libFuzzer
// calls in the fuzz build (ATTUNE_FUZZ, run_fuzz.sh) and fuzz_replay_main.cpp calls in the normal
// build for every file of the target's corpus and regressions. A target fails by crashing: a
// sanitizer report, an uncaught exception, or FUZZ_CHECK on a result that contradicts itself.

#include "core/common/Result.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace attune::fuzz {

// Ends the process (a crash libFuzzer records) when `condition` is false.
#define FUZZ_CHECK(condition)                                                                  \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

// An Error must tell the user something.
inline void checkError(const Error& error) {
  FUZZ_CHECK(!error.message.isEmpty());
}

// One temporary folder per process (libFuzzer runs millions of inputs in one process): readers that
// take a path get the input written to a file in it.
inline QDir workDirectory() {
  static QTemporaryDir directory(QDir::tempPath() + QStringLiteral("/attune-fuzz-XXXXXX"));
  if (!directory.isValid()) {
    std::fprintf(stderr, "cannot make a temporary folder\n");
    std::abort();
  }
  return QDir(directory.path());
}

// Writes `size` bytes at `data` to `name` in the work folder (replacing it) and returns its path.
inline QString writeInput(const QString& name, const uint8_t* data, size_t size) {
  const QString path = workDirectory().filePath(name);
  std::FILE* file = std::fopen(QFile::encodeName(path).constData(), "wb");
  if (!file || (size > 0 && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0) {
    std::fprintf(stderr, "cannot write %s\n", QFile::encodeName(path).constData());
    std::abort();
  }
  return path;
}

inline QString writeInput(const QString& name, const QByteArray& bytes) {
  return writeInput(name, reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size()));
}

}  // namespace attune::fuzz
