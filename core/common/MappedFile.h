#pragma once
// A read-only memory map of a regular file that another program may cut short while it is mapped.
// Reading a mapped page past the file's new end raises SIGBUS, which would end the process (the
// window included). While a MappedFile is open, a process-wide SIGBUS handler answers such a read
// with a page of zeros instead and marks the map as no longer intact: the reader finishes on
// harmless zeros, then checks intact() and reports the file as changed. SIGBUS from anywhere else
// goes on to the handler that was installed before (or the default, which ends the process).
//
// Where the file cannot be mapped (an empty file, a file system without mmap, too many open maps)
// its bytes are read into memory instead; bytes() looks the same to the caller.

#include "core/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>

namespace attune {

class MappedFile {
 public:
  // Maps `path` if it is a regular file (links followed). `what` names it in messages ("the weights
  // file").
  static Result<MappedFile> open(const QString& path, const QString& what);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  QByteArrayView bytes() const;
  // False once a read found the file shorter than when it was mapped (those bytes read as zeros).
  bool intact() const;
  // The error to report when intact() is false.
  Error changedError() const;

  // Tests only: called with the path after each successful map, before open() returns (a test
  // truncates the file there, as another program could at any moment).
  static void setAfterMapHookForTests(std::function<void(const QString& path)> hook);

 private:
  MappedFile() = default;
  void release();

  QString m_path;
  QString m_what;
  const char* m_data = nullptr;  // the map, or m_copy's data
  qsizetype m_size = 0;
  int m_slot = -1;  // index in the fault registry while mapped, -1 when read into m_copy
  QByteArray m_copy;
};

}  // namespace attune
