#include "core/common/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace attune {
namespace {

struct InjectedFault {
  QString stage;      // empty: none
  qint64 bytes = -1;  // for write: and kill:
};

// The fault ATTUNE_FAULT_WRITE asks for when saving `path` (see AtomicFile.h).
InjectedFault injectedFaultFor(const QString& path) {
  const QString spec = qEnvironmentVariable("ATTUNE_FAULT_WRITE");
  if (spec.isEmpty()) return {};
  const QString name = QFileInfo(path).fileName();
  static QMutex mutex;
  static QHash<QString, int> matches;  // saves each entry has matched so far, for "#<k>"
  for (const QString& entry : spec.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    QString stage = entry.trimmed();
    int occurrence = 0;
    if (const qsizetype hash = stage.indexOf(QLatin1Char('#')); hash >= 0) {
      occurrence = stage.mid(hash + 1).toInt();
      stage.truncate(hash);
    }
    const qsizetype at = stage.indexOf(QLatin1Char('@'));
    if (at >= 0) {
      if (!name.contains(stage.mid(at + 1))) continue;
      stage.truncate(at);
    }
    if (occurrence > 0) {
      const QMutexLocker locker(&mutex);
      if (++matches[entry] != occurrence) continue;
    }
    InjectedFault fault;
    const qsizetype colon = stage.indexOf(QLatin1Char(':'));
    if (colon >= 0) {
      fault.bytes = stage.mid(colon + 1).toLongLong();
      stage.truncate(colon);
    }
    fault.stage = stage;
    return fault;
  }
  return {};
}

// Writes `size` bytes to `fd`, as far as `fault` lets it. Returns the bytes written; sets errno and
// returns fewer on failure.
qint64 writeAll(int fd, const char* data, qint64 size, qint64 written_before, const InjectedFault& fault) {
  qint64 allowed = size;
  bool fail = false;
  if (fault.bytes >= 0 && (fault.stage == QLatin1String("write") || fault.stage == QLatin1String("kill")) &&
      written_before + size >= fault.bytes) {
    allowed = std::max<qint64>(0, fault.bytes - written_before);
    fail = fault.stage == QLatin1String("write") ? written_before + size > fault.bytes : true;
  }
  qint64 done = 0;
  while (done < allowed) {
    const ssize_t n = ::write(fd, data + done, size_t(allowed - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return done;
    }
    done += n;
  }
  if (fail && fault.stage == QLatin1String("kill")) {
    ::fsync(fd);  // what a real kill leaves: the bytes written so far, in the page cache or on disk
    ::raise(SIGKILL);
  }
  if (fail) {
    errno = ENOSPC;
    return done;
  }
  return done;
}

// Removes the temporary files that processes which no longer run (killed in the middle of a save) left
// in `folder`: ".<name>.<pid>-<random>.saving". Once per folder and process, so that saving many files
// into one folder (thumbnails) does not list it every time.
void removeAbandonedTemporaries(const QString& folder) {
  static QMutex mutex;
  static QSet<QString> swept;
  {
    const QMutexLocker locker(&mutex);
    if (swept.contains(folder)) return;
    swept.insert(folder);
  }
  static const QRegularExpression name(QStringLiteral(R"(^\..+\.(\d+)-[0-9a-f]{8}\.saving$)"));
  const QDir dir(folder);
  for (const QString& entry : dir.entryList({QStringLiteral(".*.saving")}, QDir::Files | QDir::Hidden)) {
    const auto match = name.match(entry);
    if (!match.hasMatch()) continue;
    const pid_t pid = pid_t(match.captured(1).toLongLong());
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH)
      ::unlink(QFile::encodeName(dir.filePath(entry)).constData());
  }
}

QString causeOf(int error) {
  switch (error) {
    case ENOSPC:
    case EDQUOT:
      return QStringLiteral("the disk is full");
    case EACCES:
    case EPERM:
      return QStringLiteral("Attune may not write in that folder");
    case EROFS:
      return QStringLiteral("the disk is read-only");
    case ENOENT:
      return QStringLiteral("the folder does not exist");
    case EIO:
      return QStringLiteral("the disk reported an input/output error");
    default:
      return QString::fromLocal8Bit(std::strerror(error));
  }
}

}  // namespace

Error saveError(const QString& path, int error) {
  const QString file = QDir::toNativeSeparators(path);
  QString hint;
  switch (error) {
    case ENOSPC:
    case EDQUOT:
      hint = QStringLiteral("Free some space on it (or choose another disk), then save again.");
      break;
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOENT:
      hint = QStringLiteral("Choose a folder you may write to, then save again.");
      break;
    default:
      hint = QStringLiteral("Check the disk, then save again.");
  }
  Error e(ErrorCode::FileUnwritable, QStringLiteral("Could not save %1: %2.").arg(file, causeOf(error)),
          hint);
  e.detail = error;
  return e;
}

AtomicFile::AtomicFile(QString path) : m_path(std::move(path)) {}

AtomicFile::~AtomicFile() {
  cancel();
}

Status AtomicFile::open() {
  const QFileInfo target(m_path);
  // Saving through a symbolic link replaces the file it points to, not the link.
  m_path = target.isSymLink() ? target.symLinkTarget() : target.absoluteFilePath();
  const InjectedFault fault = injectedFaultFor(m_path);
  m_injected = fault.bytes < 0 ? fault.stage : QString();
  if (fault.stage == QLatin1String("write")) m_failAt_bytes = fault.bytes;
  if (fault.stage == QLatin1String("kill")) m_killAt_bytes = fault.bytes;
  if (m_injected == QLatin1String("open")) {
    m_errno = EACCES;
    return writeFailure();
  }
  const QFileInfo info(m_path);
  removeAbandonedTemporaries(info.absolutePath());
  for (int attempt = 0; m_fd < 0; ++attempt) {
    m_tempPath =
        info.dir().filePath(QStringLiteral(".%1.%2-%3.saving")
                                .arg(info.fileName())
                                .arg(qint64(::getpid()))
                                .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')));
    m_fd = ::open(QFile::encodeName(m_tempPath).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (m_fd < 0 && (errno != EEXIST || attempt > 100)) {
      m_errno = errno;
      m_tempPath.clear();
      return writeFailure();
    }
  }
  // A file that is replaced keeps its permissions.
  struct stat old {};
  if (::stat(QFile::encodeName(m_path).constData(), &old) == 0) ::fchmod(m_fd, old.st_mode & 07777);
  m_written_bytes = 0;
  QIODevice::open(QIODevice::WriteOnly | QIODevice::Unbuffered);
  return {};
}

qint64 AtomicFile::readData(char*, qint64) {
  return -1;
}

qint64 AtomicFile::writeData(const char* data, qint64 size) {
  if (m_fd < 0 || m_errno != 0) return -1;
  InjectedFault fault;
  if (m_failAt_bytes >= 0) fault = {QStringLiteral("write"), m_failAt_bytes};
  if (m_killAt_bytes >= 0) fault = {QStringLiteral("kill"), m_killAt_bytes};
  errno = 0;
  const qint64 done = writeAll(m_fd, data, size, m_written_bytes, fault);
  m_written_bytes += done;
  if (done < size) {
    m_errno = errno != 0 ? errno : EIO;
    m_stage = QStringLiteral("write");
    setErrorString(writeFailure().message);
    return -1;
  }
  return done;
}

Error AtomicFile::writeFailure() const {
  return saveError(m_path, m_errno != 0 ? m_errno : EIO);
}

Status AtomicFile::commit() {
  if (m_fd < 0 && m_errno == 0) m_errno = EBADF;
  if (m_errno != 0) {
    const Error failure = writeFailure();
    cancel();
    return failure;
  }
  const auto fail = [this](int error) {
    m_errno = error;
    const Error failure = writeFailure();
    cancel();
    return failure;
  };
  if (m_injected == QLatin1String("fsync")) return fail(EIO);
  if (::fsync(m_fd) != 0) return fail(errno);
  const int closed = ::close(m_fd);
  m_fd = -1;
  if (closed != 0) return fail(errno);
  if (m_injected == QLatin1String("rename")) return fail(EACCES);
  if (::rename(QFile::encodeName(m_tempPath).constData(), QFile::encodeName(m_path).constData()) != 0)
    return fail(errno);
  m_tempPath.clear();
  QIODevice::close();
  if (m_injected == QLatin1String("dirsync")) {
    m_errno = EIO;
    return writeFailure();
  }
  return syncFolderOf(m_path);
}

void AtomicFile::cancel() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  if (!m_tempPath.isEmpty()) ::unlink(QFile::encodeName(m_tempPath).constData());
  m_tempPath.clear();
  if (isOpen()) QIODevice::close();
}

Status AtomicFile::writeFile(const QString& path, const QByteArray& bytes) {
  AtomicFile file(path);
  if (auto opened = file.open(); !opened) return opened;
  if (file.write(bytes) != bytes.size()) {
    const Error failure = file.writeFailure();
    file.cancel();
    return failure;
  }
  return file.commit();
}

Status AtomicFile::copyFile(const QString& from, const QString& to) {
  QFile source(from);
  const auto unreadable = [&] {
    return Error(
        ErrorCode::FileUnreadable,
        QStringLiteral("Could not read %1: %2.").arg(QDir::toNativeSeparators(from), source.errorString()),
        QStringLiteral("Check that the file is still there and can be read."));
  };
  if (!source.open(QIODevice::ReadOnly)) return unreadable();
  AtomicFile copy(to);
  if (auto opened = copy.open(); !opened) return opened;
  constexpr qint64 kChunk_bytes = 1 << 20;
  QByteArray chunk(kChunk_bytes, Qt::Uninitialized);
  for (;;) {
    const qint64 read = source.read(chunk.data(), kChunk_bytes);
    if (read < 0) return unreadable();
    if (read == 0) break;
    if (copy.write(chunk.constData(), read) != read) return copy.writeFailure();
  }
  return copy.commit();
}

Status appendAndSync(int fd, const QString& path, const QByteArray& bytes) {
  // For an append, write:<n> and kill:<n> count the bytes of this append.
  InjectedFault fault = injectedFaultFor(path);
  if (fault.stage != QLatin1String("write") && fault.stage != QLatin1String("kill")) fault = {};
  errno = 0;
  if (writeAll(fd, bytes.constData(), bytes.size(), 0, fault) < bytes.size())
    return saveError(path, errno != 0 ? errno : EIO);
  if (::fsync(fd) != 0) return saveError(path, errno);
  return {};
}

Status syncFolderOf(const QString& path) {
  const QByteArray folder = QFile::encodeName(QFileInfo(path).absolutePath());
  const int fd = ::open(folder.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return saveError(path, errno);
  // Some file systems cannot sync a folder (EINVAL); their renames are durable without it.
  const bool synced = ::fsync(fd) == 0 || errno == EINVAL;
  const int error = errno;
  ::close(fd);
  if (!synced) return saveError(path, error);
  return {};
}

}  // namespace attune
