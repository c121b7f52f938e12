#pragma once
// Downloads one weights file safely. The body streams into `<destination>.part`; only a file whose
// size and SHA-256 (or torch hub hash prefix) match the WeightSource is renamed (atomically) to the
// destination, so a file at the destination is always a verified one. A source without a hash of its
// own is checked against the fingerprint its server publishes (a SHA-256 X-Linked-Etag or ETag, or,
// for a Hugging Face file kept in git, the git blob SHA-1 in its ETag); a file that can be checked
// against nothing at all (no size, no hash, no fingerprint) is refused, never installed unverified.
// The .part is synced before the rename and the folder after it, so "installed" means on the disk.
// A dropped connection or a cancel keeps the .part, and the next start() resumes it with an HTTP Range
// request.

#include "core/common/Result.h"
#include "core/weights/WeightSource.h"

#include <QCryptographicHash>
#include <QFile>
#include <QLockFile>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace attune {

// The precise reason a download failed, carried in Error::detail.
enum class DownloadError {
  None,
  Offline,       // NetworkPolicy forbids the network; no request was made
  BadRequest,    // no valid URL
  Busy,          // another process is downloading the same file (its lock file is held)
  NotFound,      // HTTP 404
  HttpStatus,    // another HTTP error status (403, 500, ...)
  Network,       // no connection, DNS, TLS, timeout; the .part is kept
  Truncated,     // the body ended before its announced length; the .part is kept
  SizeMismatch,  // the complete file has the wrong size; the .part was deleted
  HashMismatch,  // the complete file has the wrong SHA-256; the .part was deleted
  FileError,     // the .part or the destination could not be written
  Cancelled,     // cancel(); the .part is kept
  Unverified,    // nothing to check the file against (no size, no hash, no fingerprint from the
                 // server); the .part was deleted and nothing was installed
};

class Downloader : public QObject {
  Q_OBJECT

 public:
  explicit Downloader(QObject* parent = nullptr);
  ~Downloader() override;

  // Starts downloading `source` to `destinationPath` (its folder is created). Exactly one
  // finished() follows every start(), also for failures found before any request (offline, no
  // URL): those are reported from the event loop, never from inside start().
  void start(const WeightSource& source, const QString& destinationPath);
  // Stops the transfer, keeps the .part for a later resume and emits finished() with Cancelled.
  void cancel();
  bool isRunning() const { return m_running; }
  // The SHA-256 of the file the last successful download installed (empty otherwise), so that
  // callers can remember it instead of reading the file again.
  const QString& verifiedSha256() const { return m_verifiedSha256; }

  // A transfer that receives nothing for this long fails as a network error (default 60 s).
  void setStallTimeout(int timeout_ms) { m_stallTimeout_ms = timeout_ms; }

  static QString partPath(const QString& destinationPath) {
    return destinationPath + QStringLiteral(".part");
  }

 Q_SIGNALS:
  // received_bytes counts the resumed part too; total_bytes is -1 while unknown.
  void progress(qint64 received_bytes, qint64 total_bytes);
  // The destination path, or the Error (Error::detail is a DownloadError).
  void finished(const attune::Result<QString>& result);

 private:
  enum class BodyMode { Undecided, Writing, Discarding };

  void failLater(Error error);
  void onReadyRead();
  void onReplyFinished();
  bool decideBody();
  bool writeAvailable();
  void verifyAndInstall();
  void takeServerSha256();
  void onRedirected(const QUrl& target);
  void finish(Result<QString> result);
  void dropReply();
  Error error(DownloadError detail, ErrorCode code, QString message, QString hint = {}) const;
  QString displayName() const;

  QNetworkAccessManager* m_network = nullptr;
  QPointer<QNetworkReply> m_reply;
  QFile m_part;
  std::unique_ptr<QLockFile> m_lock;  // `<destination>.lock`: one writer per .part, across processes
  WeightSource m_source;
  QString m_destination;
  qint64 m_resumeOffset_bytes = 0;  // the .part's size when the request was made
  qint64 m_received_bytes = 0;      // bytes in the .part now
  qint64 m_total_bytes = -1;        // the complete file's size, from the response headers
  BodyMode m_bodyMode = BodyMode::Undecided;
  QCryptographicHash m_hash{QCryptographicHash::Sha256};  // of the .part's bytes so far
  bool m_hashCoversPart = false;                          // m_hash is of the whole .part
  QString m_verifiedSha256;
  QString m_serverSha256;  // what the server says the file's SHA-256 is (X-Linked-Etag / ETag), if it says
  QString m_serverGitBlobSha1;  // a Hugging Face ETag of a file kept in git: SHA-1 of "blob <size>\0<bytes>"
  bool m_running = false;
  int m_stallTimeout_ms = 60'000;
};

using DownloadProgress = std::function<void(qint64 received_bytes, qint64 total_bytes)>;

// For the CLI: runs a local event loop until the download ends. Needs a QCoreApplication.
Result<QString> downloadBlocking(const WeightSource& source, const QString& destinationPath,
                                 const DownloadProgress& progressCallback = {});

}  // namespace attune
