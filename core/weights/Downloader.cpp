#include "core/weights/Downloader.h"

#include "core/common/AtomicFile.h"
#include "core/weights/FileSha256.h"
#include "core/weights/NetworkPolicy.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <filesystem>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace attune {

namespace {

// Bounds what Qt buffers for us: the body goes to disk as it arrives, never whole into memory.
constexpr qint64 kReadBufferBytes = qint64(4) << 20;

// "bytes 100-199/1000" -> 100 and 1000 (total -1 when "*"); false when malformed.
bool parseContentRange(const QByteArray& header, qint64& first_byte, qint64& total_bytes) {
  static const QRegularExpression pattern(QStringLiteral(R"(^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$)"));
  const auto match = pattern.match(QString::fromLatin1(header));
  if (!match.hasMatch()) return false;
  first_byte = match.captured(1).toLongLong();
  total_bytes = match.captured(3) == QLatin1String("*") ? -1 : match.captured(3).toLongLong();
  return true;
}

// Durably on disk before the rename, so a crash cannot leave a verified name on unwritten data. False
// when the last buffered bytes could not be written (a full disk) or the sync failed.
bool syncToDisk(QFile& file) {
  if (!file.flush()) return false;
  return file.handle() < 0 || ::fsync(file.handle()) == 0;
}

// Git's object id of a file: SHA-1 of "blob <size>\0" and the bytes (what Hugging Face's ETag of a file
// kept in git, not LFS, is).
Result<QString> gitBlobSha1(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("Cannot read %1: %2.").arg(path, file.errorString()));
  QCryptographicHash hash(QCryptographicHash::Sha1);
  QByteArray header = "blob " + QByteArray::number(file.size());
  header.append('\0');
  hash.addData(header);
  while (!file.atEnd()) {
    const QByteArray chunk = file.read(1 << 20);
    if (chunk.isEmpty())
      return Error(ErrorCode::FileUnreadable,
                   QStringLiteral("Cannot read %1: %2.").arg(path, file.errorString()));
    hash.addData(chunk);
  }
  return QString::fromLatin1(hash.result().toHex());
}

const QString kResumeHint = QStringLiteral(
    "Check your internet connection and try again; what was downloaded so far is kept and the "
    "download continues from there.");
const QString kDamagedHint = QStringLiteral("Try again.");

}  // namespace

Downloader::Downloader(QObject* parent) : QObject(parent), m_network(new QNetworkAccessManager(this)) {}

Downloader::~Downloader() {
  dropReply();
}

QString Downloader::displayName() const {
  if (!m_source.fileName.isEmpty()) return m_source.fileName;
  return m_source.url.fileName().isEmpty() ? m_source.url.toDisplayString() : m_source.url.fileName();
}

Error Downloader::error(DownloadError detail, ErrorCode code, QString message, QString hint) const {
  Error e(code, std::move(message), std::move(hint));
  e.detail = int(detail);
  return e;
}

void Downloader::failLater(Error e) {
  // start() never reports synchronously: callers (and downloadBlocking) connect first, run later.
  m_running = true;
  QTimer::singleShot(0, this, [this, e = std::move(e)] {
    if (m_running && !m_reply) finish(e);  // unless cancel() already reported
  });
}

void Downloader::start(const WeightSource& source, const QString& destinationPath) {
  if (m_running) {
    // The running download keeps its single finished(); this call gets none (it was a misuse).
    qWarning("Downloader::start called while a download is running; ignored");
    return;
  }
  m_source = source;
  m_destination = destinationPath;
  m_bodyMode = BodyMode::Undecided;
  m_total_bytes = -1;
  m_hashCoversPart = false;
  m_verifiedSha256.clear();
  m_serverSha256.clear();
  m_serverGitBlobSha1.clear();

  if (const QString reason = NetworkPolicy::offlineReason(); !reason.isEmpty()) {
    failLater(
        error(DownloadError::Offline, ErrorCode::Generic,
              QStringLiteral("Attune is offline (%1): %2 was not downloaded.").arg(reason, displayName()),
              QStringLiteral("Allow network access (unset ATTUNE_OFFLINE and HF_HUB_OFFLINE, or turn off "
                             "offline mode), or copy the file to %1.")
                  .arg(QDir::toNativeSeparators(destinationPath))));
    return;
  }
  if (!source.url.isValid() || source.url.isEmpty()) {
    failLater(error(DownloadError::BadRequest, ErrorCode::BadValue,
                    QStringLiteral("%1 has no valid download address.").arg(displayName()),
                    QStringLiteral("Check the catalog entry.")));
    return;
  }
  const QFileInfo destination(destinationPath);
  if (!QDir().mkpath(destination.absolutePath())) {
    failLater(error(DownloadError::FileError, ErrorCode::FileUnwritable,
                    QStringLiteral("Could not create the folder %1.").arg(destination.absolutePath()),
                    QStringLiteral("Check that the disk is writable, or choose another weights folder.")));
    return;
  }

  m_lock = std::make_unique<QLockFile>(destinationPath + QStringLiteral(".lock"));
  if (!m_lock->tryLock(0)) {
    m_lock.reset();
    failLater(error(DownloadError::Busy, ErrorCode::FileUnwritable,
                    QStringLiteral("%1 is already being downloaded.").arg(displayName()),
                    QStringLiteral("Wait for that download to finish, then try again.")));
    return;
  }

  m_part.setFileName(partPath(destinationPath));
  m_resumeOffset_bytes = m_part.exists() ? m_part.size() : 0;
  if (source.sizeBytes >= 0 && m_resumeOffset_bytes > source.sizeBytes) {
    QFile::remove(m_part.fileName());  // longer than the whole file: nothing in it is worth keeping
    m_resumeOffset_bytes = 0;
  }
  m_received_bytes = m_resumeOffset_bytes;

  QNetworkRequest request(source.url);
  // Redirects are approved one by one (onRedirected): the redirect response's own headers can be
  // read only then.
  request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::UserVerifiedRedirectPolicy);
  request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Attune/" ATTUNE_VERSION));
  request.setTransferTimeout(m_stallTimeout_ms);
  // No transparent gzip: Content-Length and Range must count the bytes of the file itself.
  request.setRawHeader("Accept-Encoding", "identity");
  if (m_resumeOffset_bytes > 0)
    request.setRawHeader("Range", "bytes=" + QByteArray::number(m_resumeOffset_bytes) + "-");

  m_running = true;
  m_reply = m_network->get(request);
  m_reply->setReadBufferSize(kReadBufferBytes);
  // The Hugging Face Hub names an LFS file's SHA-256 in X-Linked-Etag on its redirect to the CDN.
  connect(m_reply, &QNetworkReply::redirected, this, &Downloader::onRedirected);
  connect(m_reply, &QNetworkReply::readyRead, this, &Downloader::onReadyRead);
  connect(m_reply, &QNetworkReply::finished, this, &Downloader::onReplyFinished);
}

void Downloader::cancel() {
  if (!m_running) return;
  dropReply();
  finish(error(DownloadError::Cancelled, ErrorCode::Cancelled,
               QStringLiteral("The download of %1 was cancelled.").arg(displayName()),
               QStringLiteral("Start it again to continue where it stopped.")));
}

void Downloader::dropReply() {
  if (m_reply) {
    m_reply->disconnect(this);  // abort() emits finished(); this object is no longer interested
    m_reply->abort();
    m_reply->deleteLater();
    m_reply = nullptr;
  }
  if (m_part.isOpen()) {
    m_part.flush();
    m_part.close();
  }
}

// Called on the first body bytes (or at the end): only a 200 or a matching 206 goes into the .part.
bool Downloader::decideBody() {
  const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  const qint64 content_length = m_reply->header(QNetworkRequest::ContentLengthHeader).isValid()
                                    ? m_reply->header(QNetworkRequest::ContentLengthHeader).toLongLong()
                                    : -1;
  takeServerSha256();
  QIODevice::OpenMode mode;
  if (status == 206 && m_resumeOffset_bytes > 0) {
    qint64 first_byte = -1, total_bytes = -1;
    if (!parseContentRange(m_reply->rawHeader("Content-Range"), first_byte, total_bytes) ||
        first_byte != m_resumeOffset_bytes) {
      // Not the part we asked for: start over on the next attempt rather than splice wrong bytes.
      QFile::remove(m_part.fileName());
      finish(error(DownloadError::Network, ErrorCode::Generic,
                   QStringLiteral("The server sent the wrong part of %1.").arg(displayName()), kDamagedHint));
      return false;
    }
    m_total_bytes =
        total_bytes >= 0 ? total_bytes : (content_length >= 0 ? m_resumeOffset_bytes + content_length : -1);
    mode = QIODevice::ReadWrite;  // read once to hash what is there, then append
  } else if (status == 200) {
    // A fresh download, or a server that ignored our Range: either way the .part starts over.
    m_received_bytes = 0;
    m_total_bytes = content_length;
    mode = QIODevice::WriteOnly | QIODevice::Truncate;
  } else {
    m_bodyMode = BodyMode::Discarding;  // an error page; onReplyFinished reports the status
    return true;
  }
  if (!m_part.open(mode)) {
    finish(error(DownloadError::FileError, ErrorCode::FileUnwritable,
                 QStringLiteral("Could not write %1: %2.").arg(m_part.fileName(), m_part.errorString()),
                 QStringLiteral("Check the free disk space and that the weights folder is writable.")));
    return false;
  }
  // The hash follows the bytes as they are written, so the complete file is not read again to
  // verify it (seconds for a 500 MB file); a resumed .part is hashed first.
  m_hash.reset();
  while (mode == QIODevice::ReadWrite && !m_part.atEnd()) m_hash.addData(m_part.read(kReadBufferBytes));
  m_hashCoversPart = m_part.pos() == m_resumeOffset_bytes;
  m_bodyMode = BodyMode::Writing;
  Q_EMIT progress(m_received_bytes, m_total_bytes);
  return true;
}

bool Downloader::writeAvailable() {
  if (m_bodyMode == BodyMode::Undecided && !decideBody()) return false;
  while (m_reply && m_reply->bytesAvailable() > 0) {
    const QByteArray block = m_reply->read(kReadBufferBytes);
    if (m_bodyMode != BodyMode::Writing) continue;
    if (m_part.write(block) != block.size()) {
      finish(error(DownloadError::FileError, ErrorCode::FileUnwritable,
                   QStringLiteral("Could not write %1: %2.").arg(m_part.fileName(), m_part.errorString()),
                   QStringLiteral("Check the free disk space, then try again; the download continues "
                                  "where it stopped.")));
      return false;
    }
    m_received_bytes += block.size();
    m_hash.addData(block);
    if (m_source.sizeBytes >= 0 && m_received_bytes > m_source.sizeBytes) {
      // More than the catalog's size: a wrong file or a hostile server; stop before the disk fills.
      dropReply();
      QFile::remove(m_part.fileName());
      finish(error(DownloadError::SizeMismatch, ErrorCode::BadFormat,
                   QStringLiteral("The downloaded %1 is damaged or was changed (larger than %2 bytes); it "
                                  "was deleted.")
                       .arg(displayName())
                       .arg(m_source.sizeBytes),
                   kDamagedHint));
      return false;
    }
  }
  if (m_bodyMode == BodyMode::Writing) Q_EMIT progress(m_received_bytes, m_total_bytes);
  return true;
}

void Downloader::onReadyRead() {
  writeAvailable();
}

void Downloader::onReplyFinished() {
  if (!m_reply) return;
  const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  const QNetworkReply::NetworkError network_error = m_reply->error();
  const QString error_text = m_reply->errorString();
  if (status == 416 && m_resumeOffset_bytes > 0) {
    // The server has nothing after our .part's end: the .part may already be the whole file, but
    // only a known size or hash can tell.
    dropReply();
    if (m_source.expectedHash().isEmpty() && m_source.sizeBytes < 0) {
      QFile::remove(m_part.fileName());
      return finish(error(
          DownloadError::SizeMismatch, ErrorCode::BadFormat,
          QStringLiteral("The partly downloaded %1 could not be checked; it was deleted.").arg(displayName()),
          kDamagedHint));
    }
    return verifyAndInstall();
  }
  if (!writeAvailable()) return;
  if (m_part.isOpen() && !syncToDisk(m_part)) {
    const QString why = m_part.errorString();
    dropReply();
    return finish(error(DownloadError::FileError, ErrorCode::FileUnwritable,
                        QStringLiteral("Could not write %1: %2.").arg(m_part.fileName(), why),
                        QStringLiteral("Check the free disk space, then try again; the download continues "
                                       "where it stopped.")));
  }
  dropReply();

  if (status == 404)
    return finish(
        error(DownloadError::NotFound, ErrorCode::FileNotFound,
              QStringLiteral("%1 was not found at %2.").arg(displayName(), m_source.url.toDisplayString()),
              QStringLiteral("Check the catalog entry or the URL.")));
  if (status >= 400)
    return finish(
        error(DownloadError::HttpStatus, ErrorCode::Generic,
              QStringLiteral("The server refused to send %1 (HTTP %2).").arg(displayName()).arg(status),
              QStringLiteral("Try again later, or check the catalog entry or the URL.")));
  // A connection that ends early is reported as such, whether it closed cleanly or was reset.
  if (m_bodyMode == BodyMode::Writing && m_total_bytes >= 0 && m_received_bytes != m_total_bytes)
    return finish(error(DownloadError::Truncated, ErrorCode::Generic,
                        QStringLiteral("The connection ended after %1 of %2 bytes of %3.")
                            .arg(m_received_bytes)
                            .arg(m_total_bytes)
                            .arg(displayName()),
                        kResumeHint));
  if (network_error != QNetworkReply::NoError)
    return finish(error(DownloadError::Network, ErrorCode::Generic,
                        QStringLiteral("The download of %1 failed: %2.").arg(displayName(), error_text),
                        kResumeHint));
  if (m_bodyMode != BodyMode::Writing)
    return finish(error(
        DownloadError::HttpStatus, ErrorCode::Generic,
        QStringLiteral("The server answered HTTP %2 instead of sending %1.").arg(displayName()).arg(status),
        QStringLiteral("Check the catalog entry or the URL.")));
  verifyAndInstall();
}

void Downloader::onRedirected(const QUrl& target) {
  if (!m_reply) return;
  takeServerSha256();
  // Never from https to plain http (what NoLessSafeRedirectPolicy would refuse).
  if (m_reply->url().scheme() == u"https" && target.scheme() != u"https") {
    dropReply();
    return finish(error(DownloadError::HttpStatus, ErrorCode::Generic,
                        QStringLiteral("The server of %1 redirected to an unprotected address (%2).")
                            .arg(displayName(), target.toString()),
                        QStringLiteral("Attune does not follow such redirects; check the URL.")));
  }
  Q_EMIT m_reply->redirectAllowed();
}

void Downloader::takeServerSha256() {
  if (!m_reply || !m_serverSha256.isEmpty()) return;
  // X-Linked-Etag (Hugging Face's LFS object id) first; a plain ETag only when it is a SHA-256 too.
  for (const char* name : {"X-Linked-Etag", "ETag"}) {
    QByteArray value = m_reply->rawHeader(name).trimmed();
    if (value.startsWith("W/")) value = value.mid(2);
    value = value.replace('"', QByteArray()).toLower();
    const bool sha256 = value.size() == 64 && std::all_of(value.begin(), value.end(), [](char c) {
                          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                        });
    if (sha256) {
      m_serverSha256 = QString::fromLatin1(value);
      return;
    }
    // Hugging Face's ETag of a file kept in git is its blob id (40 hex digits); only for the Hub's
    // files, where that is what it means.
    const bool sha1 = value.size() == 40 && std::all_of(value.begin(), value.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      });
    if (sha1 && !m_source.hfRepo.isEmpty() && m_serverGitBlobSha1.isEmpty())
      m_serverGitBlobSha1 = QString::fromLatin1(value);
  }
}

void Downloader::verifyAndInstall() {
  const QString part = m_part.fileName();
  const qint64 size_bytes = QFileInfo(part).size();
  const auto damaged = [&](DownloadError detail, const QString& what) {
    QFile::remove(part);
    return error(detail, ErrorCode::BadFormat,
                 QStringLiteral("The downloaded %1 is damaged or was changed (%2); it was deleted.")
                     .arg(displayName(), what),
                 kDamagedHint);
  };
  if (m_source.sizeBytes >= 0 && size_bytes != m_source.sizeBytes)
    return finish(damaged(DownloadError::SizeMismatch,
                          QStringLiteral("%1 bytes instead of %2").arg(size_bytes).arg(m_source.sizeBytes)));
  Result<QString> hash =
      m_hashCoversPart ? Result<QString>(QString::fromLatin1(m_hash.result().toHex())) : sha256OfFile(part);
  if (!hash.ok()) {
    Error e = hash.error();
    e.detail = int(DownloadError::FileError);
    return finish(e);
  }
  // A source without a hash of its own is checked against the one its server published, if any.
  if (m_source.expectedHash().isEmpty() && !m_serverSha256.isEmpty() && *hash != m_serverSha256)
    return finish(
        damaged(DownloadError::HashMismatch, QStringLiteral("its SHA-256 is %1, the server announced %2")
                                                 .arg(hash->left(16), m_serverSha256.left(16))));
  if (compareHash(m_source, *hash) == HashMatch::Differs)
    return finish(
        damaged(DownloadError::HashMismatch, QStringLiteral("its SHA-256 is %1, expected %2")
                                                 .arg(hash->left(16), m_source.expectedHash().left(16))));
  const bool checkedByServer = m_source.expectedHash().isEmpty() && !m_serverSha256.isEmpty();
  bool checkedByGit = false;
  if (m_source.expectedHash().isEmpty() && m_serverSha256.isEmpty() && !m_serverGitBlobSha1.isEmpty()) {
    const Result<QString> blob = gitBlobSha1(part);
    if (!blob.ok()) {
      Error e = blob.error();
      e.detail = int(DownloadError::FileError);
      return finish(e);
    }
    if (*blob != m_serverGitBlobSha1)
      return finish(
          damaged(DownloadError::HashMismatch, QStringLiteral("its git id is %1, the server announced %2")
                                                   .arg(blob->left(16), m_serverGitBlobSha1.left(16))));
    checkedByGit = true;
  }
  // Nothing to check it against: a cut or altered file would be installed as if it were good.
  if (m_source.expectedHash().isEmpty() && m_source.sizeBytes < 0 && !checkedByServer && !checkedByGit) {
    QFile::remove(part);
    return finish(error(
        DownloadError::Unverified, ErrorCode::BadFormat,
        QStringLiteral("%1 was downloaded but could not be checked: neither the catalog nor the server gives "
                       "its size or fingerprint (SHA-256), so it was deleted rather than used unverified.")
            .arg(displayName()),
        QStringLiteral("Add its sha256 to the catalog entry, or download the file yourself and choose it "
                       "as the weights file.")));
  }
  std::error_code rename_error;
  std::filesystem::rename(QFile::encodeName(part).toStdString(),
                          QFile::encodeName(m_destination).toStdString(), rename_error);
  if (rename_error)
    return finish(error(DownloadError::FileError, ErrorCode::FileUnwritable,
                        QStringLiteral("Could not move the downloaded file to %1: %2.")
                            .arg(m_destination, QString::fromStdString(rename_error.message())),
                        QStringLiteral("Check that the weights folder is writable.")));
  // The new name must reach the disk before the file is reported installed.
  if (auto synced = syncFolderOf(m_destination); !synced) {
    Error e = synced.error();
    e.detail = int(DownloadError::FileError);
    return finish(e);
  }
  m_verifiedSha256 = *hash;
  finish(m_destination);
}

void Downloader::finish(Result<QString> result) {
  dropReply();
  m_lock.reset();  // unlocks and removes the lock file
  m_running = false;
  Q_EMIT finished(result);
}

Result<QString> downloadBlocking(const WeightSource& source, const QString& destinationPath,
                                 const DownloadProgress& progressCallback) {
  Downloader downloader;
  QEventLoop loop;
  std::optional<Result<QString>> outcome;
  QObject::connect(&downloader, &Downloader::finished, &loop, [&](const Result<QString>& result) {
    outcome = result;
    loop.quit();
  });
  if (progressCallback) QObject::connect(&downloader, &Downloader::progress, &loop, progressCallback);
  downloader.start(source, destinationPath);
  if (!outcome) loop.exec();
  return *outcome;
}

}  // namespace attune
