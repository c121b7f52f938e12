// Tests of the weight caches: where each one lives (environment variable precedence), the Hugging
// Face hub layout (refs -> snapshots -> relative symlinks into blobs, commit-hash revisions), the
// torch hub folder, and the WeightLocator: search order, refusing copies whose size or hash differ,
// and the verified-hash memo.

#include "TestHttpServer.h"
#include "core/common/AppFolders.h"
#include "core/weights/AttuneWeightsFolder.h"
#include "core/weights/HuggingFaceCache.h"
#include "core/weights/NetworkPolicy.h"
#include "core/weights/TorchHubCache.h"
#include "core/weights/WeightLocator.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace attune;

namespace {

const QString kCommit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
const QString kOtherCommit = QStringLiteral("fedcba9876543210fedcba9876543210fedcba98");

// Sets environment variables for one test and puts the old values back afterwards.
class EnvGuard {
 public:
  explicit EnvGuard(const QList<QByteArray>& names) {
    for (const QByteArray& name : names) m_saved[name] = qgetenv(name.constData());
  }
  ~EnvGuard() {
    for (const auto& [name, value] : m_saved)
      value.isNull() ? qunsetenv(name.constData()) : qputenv(name.constData(), value);
  }
  // An empty value unsets the variable.
  void set(const QByteArray& name, const QString& value) {
    value.isEmpty() ? qunsetenv(name.constData()) : qputenv(name.constData(), value.toLocal8Bit());
  }

 private:
  std::map<QByteArray, QByteArray> m_saved;
};

const QList<QByteArray> kCacheVariables = {"HF_HUB_CACHE",   "HF_HOME",       "XDG_CACHE_HOME",
                                           "HOME",           "TORCH_HOME",    "ATTUNE_CACHE_DIR",
                                           "ATTUNE_OFFLINE", "HF_HUB_OFFLINE"};

bool writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString sha256Hex(const QByteArray& bytes) {
  return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

// A hub cache entry as huggingface_hub writes it: the bytes in blobs/<sha256>, the snapshot file a
// relative symlink to it ("../../blobs/..", one more ".." per folder in `path`).
bool addHubFile(const QString& root, const QString& repoFolder, const QString& commit, const QString& path,
                const QByteArray& bytes) {
  const QString repo_dir = root + u'/' + repoFolder;
  const QString blob = sha256Hex(bytes);
  if (!writeFile(repo_dir + QStringLiteral("/blobs/") + blob, bytes)) return false;
  const QString link = repo_dir + QStringLiteral("/snapshots/") + commit + u'/' + path;
  QDir().mkpath(QFileInfo(link).absolutePath());
  const QString up = QStringLiteral("../").repeated(2 + path.count(u'/'));
  return QFile::link(up + QStringLiteral("blobs/") + blob, link);
}

bool addRef(const QString& root, const QString& repoFolder, const QString& name, const QByteArray& contents) {
  return writeFile(root + u'/' + repoFolder + QStringLiteral("/refs/") + name, contents);
}

}  // namespace

class TestWeightCaches : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void rootsFollowTheEnvironment_data() {
    QTest::addColumn<QString>("hfHubCache");
    QTest::addColumn<QString>("hfHome");
    QTest::addColumn<QString>("torchHome");
    QTest::addColumn<QString>("attuneCacheDir");
    QTest::addColumn<QString>("xdgCacheHome");
    QTest::addColumn<QString>("expectedHf");
    QTest::addColumn<QString>("expectedTorch");
    QTest::addColumn<QString>("expectedAttune");
    QTest::newRow("nothing set: ~/.cache") << ""
                                           << ""
                                           << ""
                                           << ""
                                           << ""
                                           << "/home/u/.cache/huggingface/hub"
                                           << "/home/u/.cache/torch/hub/checkpoints"
                                           << "/home/u/.cache/Attune/Attune/weights";
    QTest::newRow("XDG_CACHE_HOME") << ""
                                    << ""
                                    << ""
                                    << ""
                                    << "/x"
                                    << "/x/huggingface/hub"
                                    << "/x/torch/hub/checkpoints"
                                    << "/x/Attune/Attune/weights";
    QTest::newRow("relative XDG_CACHE_HOME is ignored") << ""
                                                        << ""
                                                        << ""
                                                        << ""
                                                        << "rel"
                                                        << "/home/u/.cache/huggingface/hub"
                                                        << "/home/u/.cache/torch/hub/checkpoints"
                                                        << "/home/u/.cache/Attune/Attune/weights";
    QTest::newRow("HF_HOME over XDG") << ""
                                      << "/hf"
                                      << ""
                                      << ""
                                      << "/x"
                                      << "/hf/hub"
                                      << "/x/torch/hub/checkpoints"
                                      << "/x/Attune/Attune/weights";
    QTest::newRow("HF_HUB_CACHE over HF_HOME") << "/hubcache"
                                               << "/hf"
                                               << ""
                                               << ""
                                               << "/x"
                                               << "/hubcache"
                                               << "/x/torch/hub/checkpoints"
                                               << "/x/Attune/Attune/weights";
    QTest::newRow("TORCH_HOME and ATTUNE_CACHE_DIR over XDG") << ""
                                                              << ""
                                                              << "/th"
                                                              << "/aw/"
                                                              << "/x"
                                                              << "/x/huggingface/hub"
                                                              << "/th/hub/checkpoints"
                                                              << "/aw";
  }
  void rootsFollowTheEnvironment() {
    QFETCH(QString, hfHubCache);
    QFETCH(QString, hfHome);
    QFETCH(QString, torchHome);
    QFETCH(QString, attuneCacheDir);
    QFETCH(QString, xdgCacheHome);
    EnvGuard env(kCacheVariables);
    env.set("HOME", QStringLiteral("/home/u"));
    env.set("HF_HUB_CACHE", hfHubCache);
    env.set("HF_HOME", hfHome);
    env.set("TORCH_HOME", torchHome);
    env.set("ATTUNE_CACHE_DIR", attuneCacheDir);
    env.set("XDG_CACHE_HOME", xdgCacheHome);
    QTEST(HuggingFaceCache::defaultRoot(), "expectedHf");
    QTEST(TorchHubCache::defaultRoot(), "expectedTorch");
    QTEST(AttuneWeightsFolder::defaultRoot(), "expectedAttune");
    const auto roots = WeightLocator::Roots::fromEnvironment();
    QTEST(roots.huggingFace, "expectedHf");
    QTEST(roots.torchHub, "expectedTorch");
    QTEST(roots.attuneFolder, "expectedAttune");
    // The folder before it moved is searched too, unless the user chose one.
    QCOMPARE(roots.legacyAttuneFolder, attuneCacheDir.isEmpty()
                                           ? QString(userCacheHome() + QStringLiteral("/attune/weights"))
                                           : QString());
  }

  // Weights downloaded before the folder moved (~/.cache/attune/weights) are still found there, and
  // a new download goes to the new folder.
  void weightsInTheOldFolderAreStillFound() {
    QTemporaryDir dir;
    const WeightLocator::Roots roots{dir.filePath("Attune/Attune/weights"), dir.filePath("torch"),
                                     dir.filePath("hf"), dir.filePath("attune/weights")};
    const QByteArray good = "weights from last year";
    const QString name = QStringLiteral("old-%1.pth").arg(sha256Hex(good).left(8));
    QVERIFY(writeFile(roots.legacyAttuneFolder + u'/' + name, good));
    WeightSource source;
    source.url = QUrl(QStringLiteral("https://download.pytorch.org/models/") + name);
    source.sha256Prefix = torchHubHashPrefix(name);
    WeightLocator locator(roots);
    const WeightLookup lookup = locator.locate(source);
    QVERIFY(lookup.found);
    QCOMPARE(lookup.found->path, roots.legacyAttuneFolder + u'/' + name);
    QCOMPARE(lookup.found->cache, WeightCache::AttuneFolder);
    QCOMPARE(locator.downloadPath(source), roots.attuneFolder + u'/' + name);
  }

  void huggingFaceRepoFolderNames_data() {
    QTest::addColumn<QString>("repo");
    QTest::addColumn<QString>("folder");
    QTest::newRow("no organisation") << "bert-base-uncased"
                                     << "models--bert-base-uncased";
    QTest::newRow("organisation") << "google/vit-base-patch16-224"
                                  << "models--google--vit-base-patch16-224";
    QTest::newRow("three parts") << "a/b/c"
                                 << "";
    QTest::newRow("parent folder") << "../etc"
                                   << "";
    QTest::newRow("empty part") << "google/"
                                << "";
    QTest::newRow("empty") << ""
                           << "";
  }
  void huggingFaceRepoFolderNames() {
    QFETCH(QString, repo);
    QTEST(HuggingFaceCache::repoFolderName(repo), "folder");
  }

  void huggingFaceFindResolvesRefsAndSymlinks_data() {
    QTest::addColumn<QString>("repo");
    QTest::addColumn<QString>("revision");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("expected");  // empty: not found
    QTest::newRow("main through refs") << "google/tiny"
                                       << "main"
                                       << "config.json" << QByteArray("config v2");
    QTest::newRow("empty revision means main") << "google/tiny"
                                               << ""
                                               << "config.json" << QByteArray("config v2");
    QTest::newRow("nested path") << "google/tiny"
                                 << "main"
                                 << "onnx/model.onnx" << QByteArray("onnx bytes");
    QTest::newRow("tag ref with newline") << "google/tiny"
                                          << "v1"
                                          << "config.json" << QByteArray("config v1");
    QTest::newRow("commit hash as revision")
        << "google/tiny" << kOtherCommit << "config.json" << QByteArray("config v1");
    QTest::newRow("repo without organisation") << "bert-base-uncased"
                                               << "main"
                                               << "model.safetensors" << QByteArray("bert weights");
    QTest::newRow("unknown revision") << "google/tiny"
                                      << "dev"
                                      << "config.json" << QByteArray();
    QTest::newRow("unknown commit") << "google/tiny" << QString(40, u'a') << "config.json" << QByteArray();
    QTest::newRow("file not in snapshot") << "google/tiny"
                                          << "main"
                                          << "pytorch_model.bin" << QByteArray();
    QTest::newRow("dangling symlink (blob deleted)") << "google/tiny"
                                                     << "main"
                                                     << "gone.bin" << QByteArray();
    QTest::newRow("damaged ref") << "google/tiny"
                                 << "broken"
                                 << "config.json" << QByteArray();
    QTest::newRow("path leaving the snapshot") << "google/tiny"
                                               << "main"
                                               << "../../refs/main" << QByteArray();
    QTest::newRow("revision leaving refs") << "google/tiny"
                                           << "../snapshots"
                                           << "config.json" << QByteArray();
    QTest::newRow("unknown repo") << "google/other"
                                  << "main"
                                  << "config.json" << QByteArray();
  }
  void huggingFaceFindResolvesRefsAndSymlinks() {
    QFETCH(QString, repo);
    QFETCH(QString, revision);
    QFETCH(QString, path);
    QFETCH(QByteArray, expected);
    QTemporaryDir dir;
    const QString root = dir.path();
    const QString tiny = QStringLiteral("models--google--tiny");
    QVERIFY(addHubFile(root, tiny, kCommit, QStringLiteral("config.json"), "config v2"));
    QVERIFY(addHubFile(root, tiny, kCommit, QStringLiteral("onnx/model.onnx"), "onnx bytes"));
    QVERIFY(addHubFile(root, tiny, kCommit, QStringLiteral("gone.bin"), "deleted later"));
    QVERIFY(QFile::remove(root + u'/' + tiny + QStringLiteral("/blobs/") + sha256Hex("deleted later")));
    QVERIFY(addHubFile(root, tiny, kOtherCommit, QStringLiteral("config.json"), "config v1"));
    QVERIFY(addRef(root, tiny, QStringLiteral("main"), kCommit.toLatin1()));
    QVERIFY(addRef(root, tiny, QStringLiteral("v1"), kOtherCommit.toLatin1() + "\n"));
    QVERIFY(addRef(root, tiny, QStringLiteral("broken"), "not a commit"));
    const QString bert = QStringLiteral("models--bert-base-uncased");
    QVERIFY(addHubFile(root, bert, kCommit, QStringLiteral("model.safetensors"), "bert weights"));
    QVERIFY(addRef(root, bert, QStringLiteral("main"), kCommit.toLatin1()));

    const auto found = HuggingFaceCache(root).find(repo, revision, path);
    QCOMPARE(found.has_value(), !expected.isEmpty());
    if (!found) return;
    QCOMPARE(readAll(*found), expected);
    // The symlink is resolved: the path handed out is the blob itself.
    QCOMPARE(QFileInfo(*found).fileName(), sha256Hex(expected));
    QVERIFY(!QFileInfo(*found).isSymLink());
  }

  void torchHubFind() {
    QTemporaryDir dir;
    const TorchHubCache cache(dir.path());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("resnet18-f37072fd.pth")), "weights"));
    QVERIFY(writeFile(dir.path() + QStringLiteral("/../outside.pth"), "outside"));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("folder.pth")));
    const auto found = cache.find(QStringLiteral("resnet18-f37072fd.pth"));
    QVERIFY(found.has_value());
    QCOMPARE(readAll(*found), QByteArray("weights"));
    QVERIFY(!cache.find(QStringLiteral("resnet34-b627a593.pth")).has_value());
    QVERIFY(!cache.find(QStringLiteral("../outside.pth")).has_value());
    QVERIFY(!cache.find(QStringLiteral("folder.pth")).has_value());
    QVERIFY(!cache.find(QString()).has_value());
    QFile::remove(dir.path() + QStringLiteral("/../outside.pth"));
  }

  void attuneFolderLayout() {
    const AttuneWeightsFolder folder(QStringLiteral("/w"));
    WeightSource torch_source;
    torch_source.url = QUrl(QStringLiteral("https://download.pytorch.org/models/resnet18-f37072fd.pth"));
    QCOMPARE(folder.pathFor(torch_source), QStringLiteral("/w/resnet18-f37072fd.pth"));
    torch_source.fileName = QStringLiteral("../evil.pth");
    QCOMPARE(folder.pathFor(torch_source), QString());
    WeightSource hf;
    hf.hfRepo = QStringLiteral("google/vit-base");
    hf.hfRevision = QStringLiteral("refs/pr/1");
    hf.hfPath = QStringLiteral("onnx/model.onnx");
    QCOMPARE(folder.pathFor(hf),
             QStringLiteral("/w/huggingface/models--google--vit-base/refs--pr--1/onnx/model.onnx"));
    hf.hfPath = QStringLiteral("../../x");
    QCOMPARE(folder.pathFor(hf), QString());
  }

  void locatorSearchOrderAndRefusals_data() {
    QTest::addColumn<QString>("inAttune");  // "", "good", "bad"
    QTest::addColumn<QString>("inTorchHub");
    QTest::addColumn<int>("expectedCache");  // -1: none
    QTest::addColumn<int>("expectedRefusals");
    QTest::newRow("nowhere") << ""
                             << "" << -1 << 0;
    QTest::newRow("torch hub only") << ""
                                    << "good" << int(WeightCache::TorchHub) << 0;
    QTest::newRow("Attune's folder first") << "good"
                                           << "good" << int(WeightCache::AttuneFolder) << 0;
    QTest::newRow("damaged own copy, good torch hub copy") << "bad"
                                                           << "good" << int(WeightCache::TorchHub) << 1;
    QTest::newRow("both damaged") << "bad"
                                  << "bad" << -1 << 2;
  }
  void locatorSearchOrderAndRefusals() {
    QFETCH(QString, inAttune);
    QFETCH(QString, inTorchHub);
    QFETCH(int, expectedCache);
    QFETCH(int, expectedRefusals);
    QTemporaryDir dir;
    const WeightLocator::Roots roots{dir.filePath("attune"), dir.filePath("torch"), dir.filePath("hf"), {}};
    const QByteArray good = "the right weights";
    const QString name = QStringLiteral("net-%1.pth").arg(sha256Hex(good).left(8));
    const auto place = [&](const QString& kind, const QString& folder) {
      if (!kind.isEmpty())
        QVERIFY(writeFile(folder + u'/' + name, kind == QLatin1String("good") ? good : "the wrong weights"));
    };
    place(inAttune, roots.attuneFolder);
    place(inTorchHub, roots.torchHub);
    WeightSource source;
    source.url = QUrl(QStringLiteral("https://download.pytorch.org/models/") + name);
    source.sha256Prefix = torchHubHashPrefix(name);

    WeightLocator locator(roots);
    const WeightLookup lookup = locator.locate(source);
    QCOMPARE(lookup.found ? int(lookup.found->cache) : -1, expectedCache);
    QCOMPARE(lookup.refused.size(), expectedRefusals);
    if (lookup.found) QCOMPARE(readAll(lookup.found->path), good);
    for (const QString& why : lookup.refused)
      QVERIFY2(why.contains(QStringLiteral("SHA-256")), qPrintable(why));
  }

  void locatorChecksHuggingFaceFiles_data() {
    QTest::addColumn<QString>("sha256");
    QTest::addColumn<qint64>("sizeBytes");
    QTest::addColumn<bool>("usable");
    QTest::addColumn<QString>("reason");
    const QByteArray bytes = "bert weights";
    QTest::newRow("right hash and size") << sha256Hex(bytes) << qint64(bytes.size()) << true << "";
    QTest::newRow("nothing to check") << QString() << qint64(-1) << true << "";
    QTest::newRow("wrong size") << sha256Hex(bytes) << qint64(999) << false << "bytes, expected 999";
    QTest::newRow("wrong hash") << sha256Hex("other") << qint64(-1) << false << "SHA-256";
  }
  void locatorChecksHuggingFaceFiles() {
    QFETCH(QString, sha256);
    QFETCH(qint64, sizeBytes);
    QFETCH(bool, usable);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const WeightLocator::Roots roots{dir.filePath("attune"), dir.filePath("torch"), dir.filePath("hf"), {}};
    const QString folder = QStringLiteral("models--bert-base-uncased");
    QVERIFY(
        addHubFile(roots.huggingFace, folder, kCommit, QStringLiteral("model.safetensors"), "bert weights"));
    QVERIFY(addRef(roots.huggingFace, folder, QStringLiteral("main"), kCommit.toLatin1()));
    WeightSource source;
    source.hfRepo = QStringLiteral("bert-base-uncased");
    source.hfRevision = QStringLiteral("main");
    source.hfPath = QStringLiteral("model.safetensors");
    source.url = huggingFaceUrl(source.hfRepo, source.hfRevision, source.hfPath);
    source.sha256 = sha256;
    source.sizeBytes = sizeBytes;
    const WeightLookup lookup = WeightLocator(roots).locate(source);
    QCOMPARE(lookup.found.has_value(), usable);
    if (usable) {
      QVERIFY(lookup.found->cache == WeightCache::HuggingFace);
      QVERIFY(lookup.refused.isEmpty());
    } else {
      QCOMPARE(lookup.refused.size(), 1);
      QVERIFY2(lookup.refused.first().contains(reason), qPrintable(lookup.refused.first()));
      QVERIFY(lookup.refused.first().contains(weightCacheName(WeightCache::HuggingFace)));
    }
  }

  // The memo is trusted while (path, size, mtime) stay the same: proven by changing the bytes but
  // not the size or mtime (the stale memo still accepts the file), then touching the mtime.
  void verifiedHashMemoIsUsed() {
    QTemporaryDir dir;
    const WeightLocator::Roots roots{dir.filePath("attune"), dir.filePath("torch"), dir.filePath("hf"), {}};
    const QByteArray good = "the right weights";
    const QString path = roots.torchHub + QStringLiteral("/net.pth");
    QVERIFY(writeFile(path, good));
    WeightSource source;
    source.fileName = QStringLiteral("net.pth");
    source.sha256 = sha256Hex(good);

    WeightLocator first(roots);
    QVERIFY(first.locate(source).found.has_value());
    QVERIFY(first.locate(source).found.has_value());
    QCOMPARE(first.hashedFileCount(), 1);
    QVERIFY(QFile::exists(AttuneWeightsFolder(roots.attuneFolder).hashMemoPath()));

    WeightLocator second(roots);  // reads the memo file written by the first
    QVERIFY(second.locate(source).found.has_value());
    QCOMPARE(second.hashedFileCount(), 0);

    const QDateTime mtime = QFileInfo(path).lastModified();
    QVERIFY(writeFile(path, "the wrong weights"));  // same size: 17 bytes
    {
      QFile file(path);
      QVERIFY(file.open(QIODevice::ReadWrite));
      QVERIFY(file.setFileTime(mtime, QFileDevice::FileModificationTime));
    }
    WeightLocator third(roots);
    QVERIFY(third.locate(source).found.has_value());
    QCOMPARE(third.hashedFileCount(), 0);

    {
      QFile file(path);
      QVERIFY(file.open(QIODevice::ReadWrite));
      QVERIFY(file.setFileTime(mtime.addSecs(10), QFileDevice::FileModificationTime));
    }
    WeightLocator fourth(roots);
    const WeightLookup lookup = fourth.locate(source);
    QVERIFY(!lookup.found.has_value());
    QCOMPARE(fourth.hashedFileCount(), 1);
    QCOMPARE(lookup.refused.size(), 1);
  }

  void damagedMemoCountsAsEmpty_data() {
    QTest::addColumn<QByteArray>("memo");
    QTest::newRow("not JSON") << QByteArray("\x00\xff{{{", 5);
    QTest::newRow("wrong types") << QByteArray(
        R"({"format_version":1,"files":{"x":{"size":"big","sha256":7}}})");
    QTest::newRow("newer format") << QByteArray(R"({"format_version":99,"files":{}})");
    QTest::newRow("array") << QByteArray("[1,2,3]");
  }
  void damagedMemoCountsAsEmpty() {
    QFETCH(QByteArray, memo);
    QTemporaryDir dir;
    const WeightLocator::Roots roots{dir.filePath("attune"), dir.filePath("torch"), dir.filePath("hf"), {}};
    QVERIFY(writeFile(AttuneWeightsFolder(roots.attuneFolder).hashMemoPath(), memo));
    QVERIFY(writeFile(roots.torchHub + QStringLiteral("/net.pth"), "weights"));
    WeightSource source;
    source.fileName = QStringLiteral("net.pth");
    source.sha256 = sha256Hex("weights");
    WeightLocator locator(roots);
    QVERIFY(locator.locate(source).found.has_value());
    QCOMPARE(locator.hashedFileCount(), 1);
  }

  // Downloads into Attune's folder once; later calls find that copy, and its hash (computed while
  // downloading) is in the memo, so the file is not read again.
  void locateOrDownloadDownloadsOnce() {
    QTemporaryDir dir;
    EnvGuard env(kCacheVariables);
    env.set("ATTUNE_CACHE_DIR", dir.filePath("attune"));
    env.set("TORCH_HOME", dir.filePath("torch-home"));
    env.set("HF_HUB_CACHE", dir.filePath("hf"));
    test::TestHttpServer server;
    const QByteArray body = QByteArray("downloaded weights ").repeated(1000);
    const QString name = QStringLiteral("net-%1.pth").arg(sha256Hex(body).left(8));
    server.addRoute("/" + name.toLatin1(), test::Route{body});
    WeightSource source;
    source.url = server.url(u'/' + name);
    source.sha256Prefix = torchHubHashPrefix(name);

    const auto first = locateOrDownload(source);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().text()));
    QVERIFY(first->cache == WeightCache::AttuneFolder);
    QCOMPARE(first->path, dir.filePath("attune/") + name);
    QCOMPARE(readAll(first->path), body);
    const auto second = locateOrDownload(source);
    QVERIFY(second.ok());
    QCOMPARE(second->path, first->path);
    QCOMPARE(server.requests().size(), 1);

    WeightLocator locator;
    QVERIFY(locator.locate(source).found.has_value());
    QCOMPARE(locator.hashedFileCount(), 0);
  }

  void locateOrDownloadUsesTheCacheOffline() {
    QTemporaryDir dir;
    EnvGuard env(kCacheVariables);
    env.set("ATTUNE_CACHE_DIR", dir.filePath("attune"));
    env.set("TORCH_HOME", dir.filePath("torch-home"));
    env.set("HF_HUB_CACHE", dir.filePath("hf"));
    env.set("ATTUNE_OFFLINE", QStringLiteral("1"));
    const QByteArray good = "cached weights";
    const QString name = QStringLiteral("net-%1.pth").arg(sha256Hex(good).left(8));
    QVERIFY(writeFile(dir.filePath("torch-home/hub/checkpoints/") + name, good));
    WeightSource source;
    source.url = QUrl(QStringLiteral("http://127.0.0.1:9/") + name);  // never contacted
    source.fileName = name;
    source.sha256Prefix = torchHubHashPrefix(name);

    const auto found = locateOrDownload(source);
    QVERIFY(found.ok());
    QVERIFY(found->cache == WeightCache::TorchHub);

    source.fileName = source.url.fileName().replace(QStringLiteral("net-"), QStringLiteral("other-"));
    const auto missing = locateOrDownload(source);
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message.startsWith(QStringLiteral("Attune is offline (ATTUNE_OFFLINE)")));
  }
};

QTEST_GUILESS_MAIN(TestWeightCaches)
#include "test_weight_caches.moc"
