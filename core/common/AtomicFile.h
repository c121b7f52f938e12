#pragma once
// Saving a file so that a reader only ever sees the old content or the whole new one, and so that
// a save reported done is on the disk. Every writer of Attune saves through AtomicFile.
//
// Why not QSaveFile: in Qt 6.4, QSaveFile::commit() ignores a failure of its final flush and renames
// the truncated copy over the file (QTBUG-75077; a full disk cut a label export at 8 KiB and reported
// success), and it never syncs the file or its folder, so a power cut after "Saved" can leave an
// empty file. AtomicFile writes unbuffered with ::write (every short write is seen at once), syncs
// the file, renames it over the target and syncs the folder; any failure removes the temporary file,
// leaves the old file as it was and names the file and the cause ("the disk is full").
//
// Fault injection for tests (read when a file is opened): ATTUNE_FAULT_WRITE="<stage>[@<name>][#<k>]"
// (several separated by commas), where <name> is part of the target's file name that must match, <k>
// makes it hit only the k-th save that matches in the process, and <stage> is one of
//   open       creating the temporary file fails (EACCES)
//   write:<n>  the write that would go past byte n fails with ENOSPC (the first n bytes are written)
//   fsync      syncing the file fails (EIO)
//   rename     the rename over the target fails (EACCES)
//   dirsync    syncing the folder after the rename fails (EIO)
//   kill:<n>   the process kills itself with SIGKILL once n bytes are written (crash tests)
// A process killed during a save leaves its temporary file (".<name>.<pid>-<random>.saving"); the next
// process that saves into that folder removes those of processes that no longer run.
// write: and kill: also apply to appendAndSync (the label journal).

#include "core/common/Result.h"

#include <QByteArray>
#include <QIODevice>
#include <QString>

namespace attune {

class AtomicFile : public QIODevice {
 public:
  explicit AtomicFile(QString path);
  // A file that was not committed is abandoned: its temporary file is removed.
  ~AtomicFile() override;

  // Creates the temporary file next to `path` (same folder, so the rename cannot cross disks).
  Status open();
  // Syncs the temporary file, renames it over `path` and syncs the folder. Fails when any write
  // failed before (whatever the caller made of write()'s return value).
  Status commit();
  // Abandons the new content: the temporary file is removed, `path` stays as it was.
  void cancel();

  const QString& path() const { return m_path; }
  // Whether a write failed (commit() will fail).
  bool hasFailed() const { return m_errno != 0; }
  // The Error of the first failed write (valid after write() returned -1 or wrote less).
  Error writeFailure() const;

  bool isSequential() const override { return true; }

  // The whole of `bytes` as the new content of `path`, atomically and durably.
  static Status writeFile(const QString& path, const QByteArray& bytes);
  // A copy of the file `from` as `to`, atomically and durably (QFile::copy syncs nothing). Errors:
  // `from` cannot be read, or saveError's for `to`.
  static Status copyFile(const QString& from, const QString& to);

 protected:
  qint64 readData(char* data, qint64 maxSize) override;
  qint64 writeData(const char* data, qint64 size) override;

 private:
  QString m_path;      // the target (symbolic links resolved)
  QString m_tempPath;  // empty when none exists
  int m_fd = -1;
  int m_errno = 0;  // the first failure's errno (0: none)
  QString m_stage;  // what failed: "write", "sync", ...
  qint64 m_written_bytes = 0;
  qint64 m_failAt_bytes = -1;  // injected: ENOSPC past this many bytes
  qint64 m_killAt_bytes = -1;  // injected: SIGKILL at this many bytes
  QString m_injected;          // injected stage without a byte count ("fsync", "rename", ...)
};

// Writes all of `bytes` at the end of the open file `fd` (opened with O_APPEND) and syncs it. Honours
// ATTUNE_FAULT_WRITE's write: and kill: stages for `path`. Error: names `path` and the cause.
Status appendAndSync(int fd, const QString& path, const QByteArray& bytes);

// Syncs the folder that holds `path`, so that a new name or a rename there survives a power cut.
Status syncFolderOf(const QString& path);

// The Error of a failed save of `path` (errno `error`): the cause in plain words ("the disk is
// full", "Attune may not write in that folder") and what to do. Error::detail is the errno value.
Error saveError(const QString& path, int error);

}  // namespace attune
