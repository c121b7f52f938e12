// Tests of the Downloader against a local HTTP/1.1 server: a good file, redirects, bodies cut short
// or dropped and then resumed with Range, servers that ignore Range or answer 416, wrong hashes and
// sizes, 404, cancel, the offline switch (no connection at all) and torch hub hash prefixes.

#include "TestHttpServer.h"
#include "core/weights/Downloader.h"
#include "core/weights/FileSha256.h"
#include "core/weights/NetworkPolicy.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using attune::test::Behaviour;
using attune::test::Route;
using attune::test::TestHttpServer;

Q_DECLARE_METATYPE(attune::test::Behaviour)

namespace {

constexpr qint64 kBodyBytes = 300'000;  // several network reads, so progress is reported more than once

QByteArray makeBody(qint64 size_bytes, int seed = 1) {
  QByteArray body(size_bytes, Qt::Uninitialized);
  quint32 state = 2463534242u + quint32(seed);
  for (qint64 i = 0; i < size_bytes; ++i) {
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
    body[i] = char(state & 0xff);
  }
  return body;
}

QString sha256Hex(const QByteArray& bytes) {
  return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  QCOMPARE(file.write(bytes), bytes.size());
}

DownloadError detailOf(const Result<QString>& result) {
  return DownloadError(result.error().detail);
}

// Runs one download with a fresh Downloader; fails the test if finished() never comes.
Result<QString> runDownload(const WeightSource& source, const QString& destination,
                            QList<QPair<qint64, qint64>>* progress = nullptr) {
  Downloader downloader;
  std::optional<Result<QString>> outcome;
  QObject::connect(&downloader, &Downloader::finished, [&](const Result<QString>& r) { outcome = r; });
  if (progress)
    QObject::connect(&downloader, &Downloader::progress, [progress](qint64 received, qint64 total) {
      progress->append({received, total});
    });
  downloader.start(source, destination);
  if (!QTest::qWaitFor([&] { return outcome.has_value(); }, 20'000))
    return Error(ErrorCode::Internal, QStringLiteral("the download never finished"));
  return *outcome;
}

}  // namespace

class TestDownloader : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<TestHttpServer> m_server;
  std::unique_ptr<QTemporaryDir> m_dir;
  QByteArray m_body;
  QByteArray m_savedAttuneOffline, m_savedHfOffline;

  WeightSource source(const QString& path) const {
    WeightSource s;
    s.url = m_server->url(path);
    s.fileName = QStringLiteral("tiny.pth");
    s.sha256 = sha256Hex(m_body);
    s.sizeBytes = m_body.size();
    return s;
  }
  QString destination() const { return m_dir->filePath(QStringLiteral("weights/tiny.pth")); }
  QString part() const { return Downloader::partPath(destination()); }

 private Q_SLOTS:
  void init() {
    m_savedAttuneOffline = qgetenv("ATTUNE_OFFLINE");
    m_savedHfOffline = qgetenv("HF_HUB_OFFLINE");
    qunsetenv("ATTUNE_OFFLINE");
    qunsetenv("HF_HUB_OFFLINE");
    NetworkPolicy::setMode(NetworkMode::Online);
    m_server = std::make_unique<TestHttpServer>();
    QVERIFY(m_server->isListening());
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_body = makeBody(kBodyBytes);
  }

  void cleanup() {
    NetworkPolicy::setMode(NetworkMode::Online);
    for (const auto& [name, value] :
         {std::pair{"ATTUNE_OFFLINE", m_savedAttuneOffline}, std::pair{"HF_HUB_OFFLINE", m_savedHfOffline}})
      value.isNull() ? qunsetenv(name) : qputenv(name, value);
    m_server.reset();
    m_dir.reset();
  }

  // The hash the Downloader relies on, against the FIPS 180-2 test vector for "abc".
  void sha256OfFileMatchesTheStandardVector() {
    const QString path = m_dir->filePath(QStringLiteral("abc"));
    writeFile(path, "abc");
    const auto hash = sha256OfFile(path);
    QVERIFY(hash.ok());
    QCOMPARE(*hash, QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  }

  void goodFileArrivesVerifiedWithProgress() {
    m_server->addRoute("/good.pth", Route{m_body});
    QList<QPair<qint64, qint64>> progress;
    const auto result = runDownload(source(QStringLiteral("/good.pth")), destination(), &progress);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().text()));
    QCOMPARE(*result, destination());
    QCOMPARE(readAll(destination()), m_body);
    QVERIFY(!QFile::exists(part()));
    QVERIFY(progress.size() >= 2);
    QCOMPARE(progress.last().first, kBodyBytes);
    QCOMPARE(progress.last().second, kBodyBytes);
    for (qsizetype i = 1; i < progress.size(); ++i) QVERIFY(progress[i].first >= progress[i - 1].first);
  }

  void followsRedirects() {
    m_server->addRoute("/good.pth", Route{m_body});
    m_server->addRoute("/moved",
                       Route{{}, Behaviour::Redirect, 0, 0, m_server->url("/good.pth").toEncoded()});
    const auto result = runDownload(source(QStringLiteral("/moved")), destination());
    QVERIFY(result.ok());
    QCOMPARE(readAll(destination()), m_body);
    QCOMPARE(m_server->requests().size(), 2);
    QCOMPARE(m_server->requests().at(1).path, QByteArray("/good.pth"));
  }

  // A source without a hash of its own (the catalog's Hugging Face files) is checked against the
  // SHA-256 its server publishes: Hugging Face's X-Linked-Etag on the redirect to its CDN, or an
  // ETag that is a SHA-256. A file that does not match it is never installed.
  void serverPublishedSha256IsChecked_data() {
    QTest::addColumn<bool>("onRedirect");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("matches");
    const QByteArray good = sha256Hex(makeBody(kBodyBytes)).toLatin1();
    const QByteArray bad = sha256Hex("other").toLatin1();
    QTest::newRow("X-Linked-Etag on the redirect") << true << "X-Linked-Etag: \"" + good + "\"" << true;
    QTest::newRow("wrong X-Linked-Etag on the redirect") << true << "X-Linked-Etag: \"" + bad + "\"" << false;
    QTest::newRow("ETag of the file") << false << "ETag: \"" + good + "\"" << true;
    QTest::newRow("wrong weak ETag of the file") << false << "ETag: W/\"" + bad + "\"" << false;
  }
  void serverPublishedSha256IsChecked() {
    QFETCH(bool, onRedirect);
    QFETCH(QByteArray, header);
    QFETCH(bool, matches);
    Route file{m_body};
    if (!onRedirect) file.headers = {header};
    m_server->addRoute("/cdn/model.safetensors", file);
    Route redirect{{}, Behaviour::Redirect, 0, 0, m_server->url("/cdn/model.safetensors").toEncoded()};
    if (onRedirect) redirect.headers = {header};
    m_server->addRoute("/resolve/main/model.safetensors", redirect);
    WeightSource s = source(QStringLiteral("/resolve/main/model.safetensors"));
    s.sha256.clear();
    s.sizeBytes = -1;
    const auto result = runDownload(s, destination());
    QCOMPARE(result.ok(), matches);
    QCOMPARE(QFile::exists(destination()), matches);
    if (!matches) {
      QCOMPARE(result.error().detail, int(DownloadError::HashMismatch));
      QVERIFY2(result.error().message.contains(QLatin1String("the server announced")),
               qPrintable(result.error().message));
      QVERIFY(!QFile::exists(part()));
    }
  }

  // A source with neither size nor hash, from a server that publishes no fingerprint, cannot be
  // checked at all: it is refused (and its .part deleted) instead of being installed unverified.
  void uncheckableDownloadIsNotInstalled() {
    m_server->addRoute("/plain/model.bin", Route{m_body});
    WeightSource s = source(QStringLiteral("/plain/model.bin"));
    s.sha256.clear();
    s.sizeBytes = -1;
    const auto result = runDownload(s, destination());
    QVERIFY(!result.ok());
    QCOMPARE(detailOf(result), DownloadError::Unverified);
    QVERIFY2(result.error().message.contains(QLatin1String("could not be checked")),
             qPrintable(result.error().message));
    QVERIFY(!result.error().hint.isEmpty());
    QVERIFY(!QFile::exists(destination()));
    QVERIFY(!QFile::exists(part()));
  }

  // A Hugging Face file kept in git (config.json, vocab.txt) has no SHA-256 anywhere: its ETag is
  // the git blob id, SHA-1 of "blob <size>\0<bytes>", which is checked instead.
  void huggingFaceGitBlobEtagIsChecked_data() {
    QTest::addColumn<bool>("matches");
    QTest::newRow("right blob id") << true;
    QTest::newRow("wrong blob id") << false;
  }
  void huggingFaceGitBlobEtagIsChecked() {
    QFETCH(bool, matches);
    QByteArray blob = "blob " + QByteArray::number(m_body.size());
    blob.append('\0');
    blob.append(matches ? m_body : QByteArray("x"));
    const QByteArray id = QCryptographicHash::hash(blob, QCryptographicHash::Sha1).toHex();
    Route file{m_body};
    file.headers = {"ETag: \"" + id + "\""};
    m_server->addRoute("/resolve/main/vocab.txt", file);
    WeightSource s = source(QStringLiteral("/resolve/main/vocab.txt"));
    s.sha256.clear();
    s.sizeBytes = -1;
    s.hfRepo = QStringLiteral("some/model");
    const auto result = runDownload(s, destination());
    QCOMPARE(result.ok(), matches);
    QCOMPARE(QFile::exists(destination()), matches);
    if (matches) QCOMPARE(readAll(destination()), m_body);
    if (!matches) QCOMPARE(detailOf(result), DownloadError::HashMismatch);
  }

  void interruptedDownloadKeepsPartAndResumes_data() {
    QTest::addColumn<Behaviour>("behaviour");
    QTest::newRow("body shorter than Content-Length") << Behaviour::CutShort;
    QTest::newRow("connection reset halfway") << Behaviour::Drop;
  }
  void interruptedDownloadKeepsPartAndResumes() {
    QFETCH(Behaviour, behaviour);
    const qint64 cut_bytes = 123'457;
    m_server->addRoute("/flaky.pth", Route{m_body, behaviour, 1, cut_bytes});

    const auto first = runDownload(source(QStringLiteral("/flaky.pth")), destination());
    QVERIFY(!first.ok());
    QVERIFY2(detailOf(first) == DownloadError::Truncated, qPrintable(first.error().text()));
    QVERIFY(first.error().message.contains(QStringLiteral("%1 of %2 bytes").arg(cut_bytes).arg(kBodyBytes)));
    QVERIFY(!QFile::exists(destination()));
    QVERIFY(QFile::exists(part()));
    QCOMPARE(QFileInfo(part()).size(), cut_bytes);

    QList<QPair<qint64, qint64>> progress;
    const auto second = runDownload(source(QStringLiteral("/flaky.pth")), destination(), &progress);
    QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().text()));
    QCOMPARE(m_server->requests().size(), 2);
    QCOMPARE(m_server->requests().at(0).range, QByteArray());
    QCOMPARE(m_server->requests().at(1).range, "bytes=" + QByteArray::number(cut_bytes) + "-");
    QCOMPARE(progress.first().first, cut_bytes);  // counts the resumed part
    QCOMPARE(readAll(destination()), m_body);
    QVERIFY(!QFile::exists(part()));
  }

  void serverIgnoringRangeStartsOver() {
    m_server->addRoute("/norange.pth", Route{m_body, Behaviour::IgnoreRange});
    QVERIFY(QDir().mkpath(QFileInfo(part()).absolutePath()));
    writeFile(part(), QByteArray(1000, 'x'));  // a .part the 200 answer must replace, not extend
    const auto result = runDownload(source(QStringLiteral("/norange.pth")), destination());
    QVERIFY(result.ok());
    QCOMPARE(m_server->requests().at(0).range, QByteArray("bytes=1000-"));
    QCOMPARE(readAll(destination()), m_body);
  }

  void rangeNotSatisfiableVerifiesThePart_data() {
    QTest::addColumn<bool>("partIsRight");
    QTest::newRow("complete and right") << true;
    QTest::newRow("complete size, wrong bytes") << false;
  }
  void rangeNotSatisfiableVerifiesThePart() {
    QFETCH(bool, partIsRight);
    m_server->addRoute("/good.pth", Route{m_body});
    QVERIFY(QDir().mkpath(QFileInfo(part()).absolutePath()));
    writeFile(part(), partIsRight ? m_body : makeBody(kBodyBytes, 2));
    const auto result = runDownload(source(QStringLiteral("/good.pth")), destination());
    QCOMPARE(m_server->requests().at(0).range, "bytes=" + QByteArray::number(kBodyBytes) + "-");
    QCOMPARE(result.ok(), partIsRight);
    QCOMPARE(QFile::exists(destination()), partIsRight);
    QVERIFY(!QFile::exists(part()));
    if (!partIsRight) QVERIFY(detailOf(result) == DownloadError::HashMismatch);
  }

  void wrongHashOrSizeDeletesEverything_data() {
    QTest::addColumn<QString>("sha256");
    QTest::addColumn<qint64>("sizeBytes");
    QTest::addColumn<int>("expectedDetail");
    QTest::newRow("wrong sha256") << sha256Hex("other") << qint64(-1) << int(DownloadError::HashMismatch);
    QTest::newRow("shorter than the catalog's size")
        << QString() << qint64(kBodyBytes + 1) << int(DownloadError::SizeMismatch);
    QTest::newRow("longer than the catalog's size")
        << QString() << qint64(kBodyBytes - 1000) << int(DownloadError::SizeMismatch);
  }
  void wrongHashOrSizeDeletesEverything() {
    QFETCH(QString, sha256);
    QFETCH(qint64, sizeBytes);
    QFETCH(int, expectedDetail);
    m_server->addRoute("/good.pth", Route{m_body});
    WeightSource s = source(QStringLiteral("/good.pth"));
    s.sha256 = sha256;
    s.sizeBytes = sizeBytes;
    const auto result = runDownload(s, destination());
    QVERIFY(!result.ok());
    QCOMPARE(result.error().detail, expectedDetail);
    QVERIFY(result.error().message.contains(QStringLiteral("damaged or was changed")));
    QVERIFY(result.error().message.contains(QStringLiteral("deleted")));
    QVERIFY(result.error().hint.contains(QStringLiteral("Try again")));
    QVERIFY(!QFile::exists(destination()));
    QVERIFY(!QFile::exists(part()));
  }

  void notFoundSaysWhereItLooked() {
    const WeightSource s = source(QStringLiteral("/missing.pth"));
    const auto result = runDownload(s, destination());
    QVERIFY(!result.ok());
    QVERIFY(detailOf(result) == DownloadError::NotFound);
    QVERIFY(result.error().message.contains(QStringLiteral("not found at")));
    QVERIFY(result.error().message.contains(s.url.toDisplayString()));
    QVERIFY(result.error().hint.contains(QStringLiteral("catalog")));
    QVERIFY(!QFile::exists(destination()));
    QVERIFY(!QFile::exists(part()));  // the 404 page is not kept as a .part
  }

  void unreachableServerIsANetworkError() {
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    WeightSource s = source(QStringLiteral("/good.pth"));
    s.url = QUrl(QStringLiteral("http://127.0.0.1:%1/good.pth").arg(closed.serverPort()));
    closed.close();
    const auto result = runDownload(s, destination());
    QVERIFY(!result.ok());
    QVERIFY(detailOf(result) == DownloadError::Network);
    QVERIFY(!QFile::exists(destination()));
  }

  void cancelKeepsPartForResume() {
    m_server->addRoute("/slow.pth", Route{m_body, Behaviour::Slow});
    Downloader downloader;
    std::optional<Result<QString>> outcome;
    connect(&downloader, &Downloader::finished, this, [&](const Result<QString>& r) { outcome = r; });
    connect(&downloader, &Downloader::progress, this, [&](qint64 received, qint64) {
      if (received > 0 && downloader.isRunning()) downloader.cancel();
    });
    downloader.start(source(QStringLiteral("/slow.pth")), destination());
    QVERIFY(QTest::qWaitFor([&] { return outcome.has_value(); }, 20'000));
    QVERIFY(!outcome->ok());
    QVERIFY(detailOf(*outcome) == DownloadError::Cancelled);
    QVERIFY(!downloader.isRunning());
    QVERIFY(!QFile::exists(destination()));
    QVERIFY(QFile::exists(part()));
    const qint64 kept_bytes = QFileInfo(part()).size();
    QVERIFY(kept_bytes > 0 && kept_bytes < kBodyBytes);

    const auto resumed = runDownload(source(QStringLiteral("/slow.pth")), destination());
    QVERIFY(resumed.ok());
    QCOMPARE(m_server->requests().last().range, "bytes=" + QByteArray::number(kept_bytes) + "-");
    QCOMPARE(readAll(destination()), m_body);
  }

  void secondDownloadOfTheSameFileIsRefused() {
    m_server->addRoute("/slow.pth", Route{m_body, Behaviour::Slow});
    Downloader first, second;
    std::optional<Result<QString>> first_outcome, second_outcome;
    connect(&first, &Downloader::finished, this, [&](const Result<QString>& r) { first_outcome = r; });
    connect(&second, &Downloader::finished, this, [&](const Result<QString>& r) { second_outcome = r; });
    first.start(source(QStringLiteral("/slow.pth")), destination());
    second.start(source(QStringLiteral("/slow.pth")), destination());
    QVERIFY(QTest::qWaitFor([&] { return first_outcome && second_outcome; }, 20'000));
    QVERIFY(first_outcome->ok());
    QVERIFY(!second_outcome->ok());
    QVERIFY(detailOf(*second_outcome) == DownloadError::Busy);
    QCOMPARE(m_server->connectionCount(), 1);
    QCOMPARE(readAll(destination()), m_body);
    QVERIFY(!QFile::exists(destination() + QStringLiteral(".lock")));  // released when finished
  }

  void offlineMakesNoConnection_data() {
    QTest::addColumn<QByteArray>("variable");
    QTest::addColumn<QString>("reason");
    QTest::newRow("ATTUNE_OFFLINE=1") << QByteArray("ATTUNE_OFFLINE") << QStringLiteral("ATTUNE_OFFLINE");
    QTest::newRow("HF_HUB_OFFLINE=1") << QByteArray("HF_HUB_OFFLINE") << QStringLiteral("HF_HUB_OFFLINE");
    QTest::newRow("setMode(Offline)") << QByteArray() << QStringLiteral("offline mode");
  }
  void offlineMakesNoConnection() {
    QFETCH(QByteArray, variable);
    QFETCH(QString, reason);
    if (variable.isEmpty())
      NetworkPolicy::setMode(NetworkMode::Offline);
    else
      qputenv(variable.constData(), "1");
    QVERIFY(NetworkPolicy::isOffline());
    m_server->addRoute("/good.pth", Route{m_body});

    Downloader downloader;
    std::optional<Result<QString>> outcome;
    connect(&downloader, &Downloader::finished, this, [&](const Result<QString>& r) { outcome = r; });
    downloader.start(source(QStringLiteral("/good.pth")), destination());
    QVERIFY(!outcome.has_value());  // reported from the event loop, not from inside start()
    QVERIFY(QTest::qWaitFor([&] { return outcome.has_value(); }, 5000));
    const Result<QString> result = *outcome;
    QVERIFY(!result.ok());
    QVERIFY(detailOf(result) == DownloadError::Offline);
    QVERIFY(result.error().message.startsWith(QStringLiteral("Attune is offline (%1): ").arg(reason)));
    QVERIFY(result.error().hint.contains(destination()));  // where the user can put the file instead
    QTest::qWait(200);                                     // time for a connection, had one been opened
    QCOMPARE(m_server->connectionCount(), 0);
    QVERIFY(!QFile::exists(destination()));
    QVERIFY(!QFile::exists(part()));
  }

  void offlineFlagValuesFollowHuggingFace_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("offline");
    for (const char* on : {"1", "true", "YES", "on"}) QTest::newRow(on) << QByteArray(on) << true;
    for (const char* off : {"0", "", "false", "no"})
      QTest::newRow(*off ? off : "empty") << QByteArray(off) << false;
  }
  void offlineFlagValuesFollowHuggingFace() {
    QFETCH(QByteArray, value);
    QFETCH(bool, offline);
    qputenv("HF_HUB_OFFLINE", value);
    QCOMPARE(NetworkPolicy::isOffline(), offline);
  }

  void torchHubHashPrefixSources_data() {
    QTest::addColumn<bool>("prefixIsRight");
    QTest::newRow("right prefix") << true;
    QTest::newRow("wrong prefix") << false;
  }
  void torchHubHashPrefixSources() {
    QFETCH(bool, prefixIsRight);
    const QString prefix = prefixIsRight ? sha256Hex(m_body).left(8) : QStringLiteral("00000000");
    const QString name = QStringLiteral("tinynet-%1.pth").arg(prefix);
    m_server->addRoute("/models/" + name.toLatin1(), Route{m_body});
    WeightSource s;
    s.url = m_server->url(QStringLiteral("/models/") + name);
    s.fileName = name;
    s.sha256Prefix = torchHubHashPrefix(name);
    QCOMPARE(s.sha256Prefix, prefix);
    const QString dest = m_dir->filePath(name);
    const auto result = runDownload(s, dest);
    QCOMPARE(result.ok(), prefixIsRight);
    QCOMPARE(QFile::exists(dest), prefixIsRight);
    QVERIFY(!QFile::exists(Downloader::partPath(dest)));
  }

  void torchHubHashPrefixRule_data() {
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("prefix");
    QTest::newRow("resnet18") << "resnet18-f37072fd.pth"
                              << "f37072fd";
    QTest::newRow("underscores") << "efficientnet_b0_rwightman-7f5810bc.pth"
                                 << "7f5810bc";
    QTest::newRow("last dash wins") << "a-b-c0ffee.pth"
                                    << "c0ffee";
    QTest::newRow("two extensions") << "model-abc123.tar.gz"
                                    << "abc123";
    QTest::newRow("not hex") << "bert-base-uncased.bin"
                             << "";
    QTest::newRow("uppercase is not torch's hex") << "net-ABCDEF.pth"
                                                  << "";
    QTest::newRow("no dash") << "model.safetensors"
                             << "";
    QTest::newRow("no extension") << "net-abcdef"
                                  << "";
  }
  void torchHubHashPrefixRule() {
    QFETCH(QString, fileName);
    QFETCH(QString, prefix);
    QCOMPARE(torchHubHashPrefix(fileName), prefix);
  }

  void huggingFaceUrlLayout() {
    QCOMPARE(huggingFaceUrl("bert-base-uncased", "main", "model.safetensors").toString(),
             QStringLiteral("https://huggingface.co/bert-base-uncased/resolve/main/model.safetensors"));
    QCOMPARE(
        huggingFaceUrl("google/vit-base-patch16-224", "", "onnx/model.onnx").toString(),
        QStringLiteral("https://huggingface.co/google/vit-base-patch16-224/resolve/main/onnx/model.onnx"));
  }

  void downloadBlockingReportsProgress() {
    m_server->addRoute("/good.pth", Route{m_body});
    qint64 last_received = -1;
    const auto result = downloadBlocking(source(QStringLiteral("/good.pth")), destination(),
                                         [&](qint64 received, qint64) { last_received = received; });
    QVERIFY(result.ok());
    QCOMPARE(last_received, kBodyBytes);
    QCOMPARE(readAll(destination()), m_body);
  }
};

QTEST_GUILESS_MAIN(TestDownloader)
#include "test_downloader.moc"
