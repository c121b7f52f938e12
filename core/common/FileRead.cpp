#include "core/common/FileRead.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attune {
namespace {

// `what` starts lower-case ("the weight shard"); at the start of a sentence it is capitalised.
QString sentenceStart(const QString& what) {
  return what.isEmpty() ? what : what.left(1).toUpper() + what.mid(1);
}

QString kindOf(mode_t mode) {
  if (S_ISDIR(mode)) return QStringLiteral("a folder");
  if (S_ISFIFO(mode)) return QStringLiteral("a named pipe");
  if (S_ISCHR(mode) || S_ISBLK(mode)) return QStringLiteral("a device");
  if (S_ISSOCK(mode)) return QStringLiteral("a socket");
  return QStringLiteral("something other than a file");
}

Error systemError(int error_number, const QString& path, const QString& what) {
  const QString reason = QString::fromLocal8Bit(std::strerror(error_number));
  if (error_number == ENOENT || error_number == ENOTDIR)
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("%1 %2 does not exist.").arg(sentenceStart(what), path),
                 QStringLiteral("Check the path."));
  return Error(ErrorCode::FileUnreadable, QStringLiteral("Cannot read %1 %2: %3.").arg(what, path, reason),
               QStringLiteral("Check that the file exists and that you may read it."));
}

Error tooLarge(const QString& path, const QString& what, qint64 maxBytes) {
  return Error(ErrorCode::BadFormat,
               QStringLiteral("%1 %2 is larger than the %3 bytes it may hold.")
                   .arg(sentenceStart(what), path)
                   .arg(maxBytes),
               QStringLiteral("Check that this is the right file; it may be damaged or replaced."));
}

// An open descriptor of a regular file, closed on destruction unless released.
class Descriptor {
 public:
  explicit Descriptor(int fd) : m_fd(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }
  void reset(int fd) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
  }

 private:
  int m_fd = -1;
};

// Opens without blocking (a FIFO would wait for a writer) and checks the opened file's type and size.
Result<qint64> openChecked(Descriptor& out, const QString& path, qint64 maxBytes, const QString& what) {
  const QByteArray native = QFile::encodeName(path);
  int fd = -1;
  do {
    fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return systemError(errno, path, what);
  Descriptor descriptor(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return systemError(errno, path, what);
  if (!S_ISREG(info.st_mode))
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("%1 %2 is %3, not an ordinary file.")
                     .arg(sentenceStart(what), path, kindOf(info.st_mode)),
                 QStringLiteral("Give the path of an ordinary file (links to one are fine)."));
  if (maxBytes >= 0 && info.st_size > maxBytes) return tooLarge(path, what, maxBytes);
  // Reads of a regular file never block; clear the flag so later readers see an ordinary descriptor.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  out.reset(descriptor.release());
  return qint64(info.st_size);
}

// Reads up to `count` bytes at `buffer`; fewer only at the end of the file.
Result<qint64> readFully(int fd, char* buffer, qint64 count, const QString& path, const QString& what) {
  qint64 done = 0;
  while (done < count) {
    const ssize_t got = ::read(fd, buffer + done, size_t(count - done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return systemError(errno, path, what);
    if (got == 0) break;
    done += got;
  }
  return done;
}

}  // namespace

Status openRegularFile(QFile& file, const QString& path, qint64 maxBytes, const QString& what) {
  Descriptor descriptor(-1);
  auto size = openChecked(descriptor, path, maxBytes, what);
  if (!size) return size.error();
  file.setFileName(path);
  if (!file.open(descriptor.get(), QIODevice::ReadOnly, QFileDevice::AutoCloseHandle))
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("Cannot read %1 %2: %3.").arg(what, path, file.errorString()));
  descriptor.release();  // the QFile closes it now
  return {};
}

Result<QByteArray> readRegularFile(const QString& path, qint64 maxBytes, const QString& what) {
  Descriptor descriptor(-1);
  auto size = openChecked(descriptor, path, maxBytes, what);
  if (!size) return size.error();
  QByteArray bytes(qsizetype(*size), Qt::Uninitialized);
  auto got = readFully(descriptor.get(), bytes.data(), *size, path, what);
  if (!got) return got.error();
  if (*got < *size) {
    bytes.truncate(qsizetype(*got));  // shrank since fstat: what is there is the file now
    return bytes;
  }
  // Grown since fstat: keep reading only as far as the limit allows.
  char probe[4096];
  for (;;) {
    auto more = readFully(descriptor.get(), probe, sizeof probe, path, what);
    if (!more) return more.error();
    if (*more == 0) break;
    if (maxBytes >= 0 && bytes.size() + *more > maxBytes) return tooLarge(path, what, maxBytes);
    bytes.append(probe, qsizetype(*more));
  }
  return bytes;
}

}  // namespace attune
