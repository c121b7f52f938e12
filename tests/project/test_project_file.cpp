// ProjectFile: save/load round trip, paths relative to the project file, defaults for missing keys,
// key paths in type errors, refusal of newer formats, migration of version 1, atomic saves.

#include "ConfigCompare.h"
#include "core/project/Project.h"
#include "core/project/ProjectFile.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <functional>

#include <sys/resource.h>

using attune::ErrorCode;
using attune::Project;
using attune::ProjectFile;
using attune::RunRecord;
using attune::RunStatus;
using nlohmann::json;

namespace {

QByteArray readBytes(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return file.readAll();
}

bool writeBytes(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

json readJson(const QString& path) {
  const QByteArray bytes = readBytes(path);
  return json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
}

bool copyTree(const QString& from, const QString& to) {
  QDir target(to);
  if (!target.mkpath(QStringLiteral("."))) return false;
  QDirIterator it(from, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString source = it.next();
    const QString destination = target.filePath(QDir(from).relativeFilePath(source));
    if (it.fileInfo().isDir() ? !QDir().mkpath(destination) : !QFile::copy(source, destination)) return false;
  }
  return true;
}

QStringList entriesOf(const QString& directory) {
  return QDir(directory).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

// A project with every field set, its data, weights and checkpoints inside `directory`.
Project fullProject(const QString& directory) {
  const QDir dir(directory);
  Project project;
  project.name = QStringLiteral("Garden birds");
  project.data.folder = dir.filePath(QStringLiteral("images"));
  project.data.valFraction = 0.25;
  project.data.splitSeed = 7;
  project.classes = {QStringLiteral("crow"), QStringLiteral("finch"), QStringLiteral("robin")};
  project.config = attune::test::nonDefaultConfig();
  project.config.weightsPath = dir.filePath(QStringLiteral("weights/mobilenet_v2.safetensors"));

  RunRecord finished;
  finished.id = QStringLiteral("2024-05-01-a");
  finished.startedAt = QStringLiteral("2024-05-01T10:00:00Z");
  finished.status = RunStatus::Finished;
  finished.epochsCompleted = 12;
  finished.bestEpoch = 9;
  finished.bestValAccuracy = 0.875;
  finished.bestCheckpoint = dir.filePath(QStringLiteral("runs/2024-05-01-a/best.safetensors"));

  RunRecord stopped;
  stopped.id = QStringLiteral("2024-05-02-b");
  stopped.startedAt = QStringLiteral("2024-05-02T11:30:00Z");
  stopped.status = RunStatus::Stopped;
  stopped.epochsCompleted = 3;
  stopped.bestEpoch = 2;
  stopped.bestValAccuracy = 0.5;
  stopped.bestCheckpoint = dir.filePath(QStringLiteral("runs/2024-05-02-b/best.safetensors"));
  stopped.message = QStringLiteral("Stopped by the user.");

  RunRecord failed;
  failed.id = QStringLiteral("2024-05-03-c");
  failed.startedAt = QStringLiteral("2024-05-03T08:15:00Z");
  failed.status = RunStatus::Failed;
  failed.message = QStringLiteral("The loss became NaN 3 steps in a row.");

  project.runs = {finished, stopped, failed};
  return project;
}

// Creates the folders a full project points at, so a copied tree really contains them.
void createProjectFolders(const QString& directory) {
  QDir dir(directory);
  dir.mkpath(QStringLiteral("images/crow"));
  dir.mkpath(QStringLiteral("weights"));
  dir.mkpath(QStringLiteral("runs/2024-05-01-a"));
  writeBytes(dir.filePath(QStringLiteral("images/crow/1.png")), "not really a png");
}

void compareProjects(const Project& actual, const Project& expected) {
  QCOMPARE(actual.name, expected.name);
  QCOMPARE(int(actual.task), int(expected.task));
  QCOMPARE(actual.data.folder, expected.data.folder);
  QCOMPARE(actual.data.valFraction, expected.data.valFraction);
  QCOMPARE(actual.data.splitSeed, expected.data.splitSeed);
  QCOMPARE(actual.data.table, expected.data.table);
  QCOMPARE(actual.data.tableFormat.has_value(), expected.data.tableFormat.has_value());
  if (expected.data.tableFormat) QCOMPARE(int(*actual.data.tableFormat), int(*expected.data.tableFormat));
  QCOMPARE(actual.data.textColumn, expected.data.textColumn);
  QCOMPARE(actual.data.labelColumn, expected.data.labelColumn);
  QCOMPARE(actual.classes, expected.classes);
  attune::test::compareEveryField(actual.config, expected.config);
  if (QTest::currentTestFailed()) return;
  QCOMPARE(actual.runs.size(), expected.runs.size());
  for (size_t i = 0; i < expected.runs.size(); ++i) {
    const RunRecord& a = actual.runs[i];
    const RunRecord& e = expected.runs[i];
    QCOMPARE(a.id, e.id);
    QCOMPARE(a.startedAt, e.startedAt);
    QCOMPARE(int(a.status), int(e.status));
    QCOMPARE(a.epochsCompleted, e.epochsCompleted);
    QCOMPARE(a.bestEpoch, e.bestEpoch);
    QCOMPARE(a.bestValAccuracy, e.bestValAccuracy);
    QCOMPARE(a.bestCheckpoint, e.bestCheckpoint);
    QCOMPARE(a.message, e.message);
  }
}

// True when this process may write into a folder whose permissions forbid it (root, or a
// capability such as CAP_DAC_OVERRIDE): permission-based failures cannot be provoked then.
bool permissionsIgnored(const QString& readOnlyDirectory) {
  QFile probe(QDir(readOnlyDirectory).filePath(QStringLiteral(".write-probe")));
  if (!probe.open(QIODevice::WriteOnly)) return false;
  probe.close();
  probe.remove();
  return true;
}

// Makes writes past `bytes` in any file fail (EFBIG) while it lives, as on a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    m_previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &m_previous);
    rlimit limited = m_previous;
    limited.rlim_cur = bytes;
    m_active = setrlimit(RLIMIT_FSIZE, &limited) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &m_previous);
    std::signal(SIGXFSZ, m_previousHandler);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  bool active() const { return m_active; }

 private:
  rlimit m_previous{};
  void (*m_previousHandler)(int) = nullptr;
  bool m_active = false;
};

}  // namespace

class TestProjectFile : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void saveLoadRoundTripKeepsEveryField();
  void saveWritesSerializedDocument();
  void pathsAreStoredRelativeAndLoadedAbsolute();
  void storedPathForm_data();
  void storedPathForm();
  void movedProjectResolvesAgainstNewFolder();
  void textProjectRoundTrips();
  void imageProjectWrittenBeforeTextProjectsStillLoads();

  void missingKeysKeepDefaults();
  void runWithOnlyIdKeepsDefaults();
  void typeErrorNamesKeyPath_data();
  void typeErrorNamesKeyPath();
  void notAProjectIsBadFormatNamingTheFile_data();
  void notAProjectIsBadFormatNamingTheFile();
  void missingFileIsFileNotFound();

  void newerFormatIsRefusedAndFileUntouched();
  void hugeFormatVersionIsNotTruncated_data();
  void hugeFormatVersionIsNotTruncated();
  void versionOneIsMigratedAfterBackup();
  void migrationKeepsEarlierBackup();

  void saveToUnwritablePathFails_data();
  void saveToUnwritablePathFails();
  void failedSaveKeepsPreviousFile_data();
  void failedSaveKeepsPreviousFile();
};

void TestProjectFile::saveLoadRoundTripKeepsEveryField() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const QString path = tmp.filePath(QStringLiteral("birds.attune"));
  Project project = fullProject(tmp.path());
  const Project expected = project;

  auto saved = ProjectFile::save(project, path);
  QVERIFY2(saved.ok(), saved.ok() ? "" : qPrintable(saved.error().text()));
  QCOMPARE(project.filePath, QFileInfo(path).absoluteFilePath());

  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(loaded->filePath, QFileInfo(path).absoluteFilePath());
  compareProjects(loaded.value(), expected);
  if (QTest::currentTestFailed()) return;
  // Each status is written as its own word.
  QCOMPARE(int(loaded->runs[0].status), int(RunStatus::Finished));
  QCOMPARE(int(loaded->runs[1].status), int(RunStatus::Stopped));
  QCOMPARE(int(loaded->runs[2].status), int(RunStatus::Failed));
  QCOMPARE(entriesOf(tmp.path()), QStringList{QStringLiteral("birds.attune")});
}

void TestProjectFile::saveWritesSerializedDocument() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("birds.attune"));
  Project project = fullProject(tmp.path());
  QVERIFY(ProjectFile::save(project, path).ok());
  QCOMPARE(readBytes(path), ProjectFile::serialize(project, path));
  const json document = readJson(path);
  QVERIFY(!document.is_discarded());
  QCOMPARE(document.at("format_version").get<int>(), Project::kFormatVersion);
}

void TestProjectFile::pathsAreStoredRelativeAndLoadedAbsolute() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("birds.attune"));
  Project project = fullProject(tmp.path());
  QVERIFY(ProjectFile::save(project, path).ok());

  const json document = readJson(path);
  QVERIFY(!document.is_discarded());
  QCOMPARE(document.at("data").at("folder").get<std::string>(), std::string("images"));
  QCOMPARE(document.at("config").at("model").at("weights").get<std::string>(),
           std::string("weights/mobilenet_v2.safetensors"));
  QCOMPARE(document.at("runs").at(0).at("best_checkpoint").get<std::string>(),
           std::string("runs/2024-05-01-a/best.safetensors"));
  QCOMPARE(document.at("runs").at(2).at("best_checkpoint").get<std::string>(), std::string());

  auto loaded = ProjectFile::load(path);
  QVERIFY(loaded.ok());
  QVERIFY(QDir::isAbsolutePath(loaded->data.folder));
  QCOMPARE(loaded->data.folder, QDir(tmp.path()).filePath(QStringLiteral("images")));
  QVERIFY(QDir::isAbsolutePath(loaded->config.weightsPath));
  QCOMPARE(loaded->config.weightsPath, project.config.weightsPath);
  QCOMPARE(loaded->runs[0].bestCheckpoint, project.runs[0].bestCheckpoint);
  QVERIFY(loaded->runs[2].bestCheckpoint.isEmpty());
}

void TestProjectFile::storedPathForm_data() {
  // The project file lives in <tmp>/a/b/project/; the data folder is at <tmp>/<dataFolder>.
  QTest::addColumn<QString>("dataFolder");
  QTest::addColumn<QString>("stored");  // empty: stored as the absolute path

  QTest::newRow("inside") << QStringLiteral("a/b/project/images") << QStringLiteral("images");
  QTest::newRow("inside, nested") << QStringLiteral("a/b/project/data/images")
                                  << QStringLiteral("data/images");
  QTest::newRow("the project folder") << QStringLiteral("a/b/project") << QStringLiteral(".");
  QTest::newRow("sibling") << QStringLiteral("a/b/images") << QStringLiteral("../images");
  QTest::newRow("parent") << QStringLiteral("a/b") << QStringLiteral("..");
  QTest::newRow("grandparent") << QStringLiteral("a") << QString();
  QTest::newRow("two levels up") << QStringLiteral("a/images") << QString();
  QTest::newRow("name starting with dots") << QStringLiteral("a/b/..images") << QStringLiteral("../..images");
}

void TestProjectFile::storedPathForm() {
  QFETCH(QString, dataFolder);
  QFETCH(QString, stored);
  QTemporaryDir tmp;
  const QDir root(tmp.path());
  QVERIFY(root.mkpath(QStringLiteral("a/b/project")));
  const QString path = root.filePath(QStringLiteral("a/b/project/p.attune"));
  const QString absoluteData = QDir::cleanPath(root.filePath(dataFolder));
  Project project;
  project.data.folder = absoluteData;
  QVERIFY(ProjectFile::save(project, path).ok());

  const json document = readJson(path);
  const QString written = QString::fromStdString(document.at("data").at("folder").get<std::string>());
  QCOMPARE(written, stored.isEmpty() ? absoluteData : stored);

  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(loaded->data.folder, absoluteData);
}

void TestProjectFile::movedProjectResolvesAgainstNewFolder() {
  QTemporaryDir tmp;
  const QDir root(tmp.path());
  const QString original = root.filePath(QStringLiteral("original"));
  const QString moved = root.filePath(QStringLiteral("elsewhere/moved"));
  QVERIFY(QDir().mkpath(original));
  createProjectFolders(original);
  Project project = fullProject(original);
  QVERIFY(ProjectFile::save(project, QDir(original).filePath(QStringLiteral("birds.attune"))).ok());

  QVERIFY(copyTree(original, moved));
  QVERIFY(QDir(original).removeRecursively());

  auto loaded = ProjectFile::load(QDir(moved).filePath(QStringLiteral("birds.attune")));
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  const QDir movedDir(moved);
  QCOMPARE(loaded->data.folder, movedDir.filePath(QStringLiteral("images")));
  QVERIFY(QFileInfo(loaded->data.folder).isDir());
  QVERIFY(QFileInfo::exists(QDir(loaded->data.folder).filePath(QStringLiteral("crow/1.png"))));
  QCOMPARE(loaded->config.weightsPath, movedDir.filePath(QStringLiteral("weights/mobilenet_v2.safetensors")));
  QCOMPARE(loaded->runs[0].bestCheckpoint,
           movedDir.filePath(QStringLiteral("runs/2024-05-01-a/best.safetensors")));
  QCOMPARE(loaded->directory(), moved);
  QCOMPARE(loaded->runsDirectory(), movedDir.filePath(QStringLiteral("runs")));
}

void TestProjectFile::textProjectRoundTrips() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("reviews.attune"));
  Project project = fullProject(tmp.path());
  project.task = attune::TaskKind::TextClassification;
  project.data.folder.clear();
  project.data.table = QDir(tmp.path()).filePath(QStringLiteral("data/imdb.json"));
  project.data.tableFormat = attune::TextTableFormat::Json;
  project.data.textColumn = QStringLiteral("text");
  project.data.labelColumn = QStringLiteral("class");
  project.classes = {QStringLiteral("0"), QStringLiteral("1")};
  const Project expected = project;
  QVERIFY(ProjectFile::save(project, path).ok());

  const json document = readJson(path);
  QCOMPARE(document.at("task").get<std::string>(), std::string("text_classification"));
  QCOMPARE(document.at("data").at("table").get<std::string>(), std::string("data/imdb.json"));
  QCOMPARE(document.at("data").at("table_format").get<std::string>(), std::string("json"));
  QCOMPARE(document.at("data").at("label_column").get<std::string>(), std::string("class"));
  QCOMPARE(document.at("format_version").get<int>(), 2);

  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  compareProjects(loaded.value(), expected);
  QCOMPARE(attune::toString(loaded->task), QStringLiteral("text classification"));

  // Without a format, the table's extension decides (the key is optional).
  project.data.tableFormat.reset();
  QVERIFY(ProjectFile::save(project, path).ok());
  auto reloaded = ProjectFile::load(path);
  QVERIFY(reloaded.ok());
  QVERIFY(!reloaded->data.tableFormat.has_value());
}

void TestProjectFile::imageProjectWrittenBeforeTextProjectsStillLoads() {
  // An image project as format 2 wrote it before text projects existed.
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("old.attune"));
  const QByteArray old =
      R"({"format_version":2,"name":"birds","task":"image_classification",)"
      R"("data":{"folder":"images","val_fraction":0.25,"split_seed":7},"classes":["crow","robin"],)"
      R"("config":{},"runs":[]})";
  QVERIFY(writeBytes(path, old));
  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(int(loaded->task), int(attune::TaskKind::ImageClassification));
  QCOMPARE(loaded->data.folder, QDir(tmp.path()).filePath(QStringLiteral("images")));
  QVERIFY(loaded->data.table.isEmpty());
  QCOMPARE(loaded->classes, (QStringList{QStringLiteral("crow"), QStringLiteral("robin")}));
  QCOMPARE(readBytes(path), old);  // not rewritten: same format version

  // Saved again, an image project keeps the same "data" keys as before.
  QVERIFY(ProjectFile::save(loaded.value(), path).ok());
  const json data = readJson(path).at("data");
  QCOMPARE(data.size(), size_t(3));
  QVERIFY(data.contains("folder") && data.contains("val_fraction") && data.contains("split_seed"));
  QCOMPARE(readJson(path).at("task").get<std::string>(), std::string("image_classification"));
}

void TestProjectFile::missingKeysKeepDefaults() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("bare.attune"));
  QVERIFY(writeBytes(path, R"({"format_version":2})"));
  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));

  const Project defaults;
  compareProjects(loaded.value(), defaults);
  if (QTest::currentTestFailed()) return;
  QVERIFY(loaded->name.isEmpty());
  QVERIFY(loaded->data.folder.isEmpty());
  QVERIFY(loaded->classes.isEmpty());
  QVERIFY(loaded->runs.empty());
  QCOMPARE(loaded->filePath, QFileInfo(path).absoluteFilePath());
  // Loading a current-format file does not rewrite it.
  QCOMPARE(readBytes(path), QByteArray(R"({"format_version":2})"));
}

void TestProjectFile::runWithOnlyIdKeepsDefaults() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("p.attune"));
  QVERIFY(writeBytes(path, R"({"format_version":2,"runs":[{"id":"r1"}],"data":{"split_seed":3}})"));
  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(loaded->data.splitSeed, 3);
  QCOMPARE(loaded->data.valFraction, attune::DataSource{}.valFraction);
  QCOMPARE(loaded->runs.size(), size_t(1));
  RunRecord expected;
  expected.id = QStringLiteral("r1");
  const RunRecord& run = loaded->runs[0];
  QCOMPARE(run.id, expected.id);
  QCOMPARE(int(run.status), int(expected.status));
  QCOMPARE(run.epochsCompleted, expected.epochsCompleted);
  QCOMPARE(run.bestEpoch, expected.bestEpoch);
  QCOMPARE(run.bestValAccuracy, expected.bestValAccuracy);
  QVERIFY(run.bestCheckpoint.isEmpty());
  QVERIFY(run.startedAt.isEmpty());
  QVERIFY(run.message.isEmpty());
}

void TestProjectFile::typeErrorNamesKeyPath_data() {
  QTest::addColumn<QByteArray>("document");
  QTest::addColumn<QString>("keyPath");

  QTest::newRow("run field") << QByteArray(R"({"format_version":2,"runs":[{"id":"a","best_epoch":"3"}]})")
                             << QStringLiteral("runs[0].best_epoch");
  QTest::newRow("second run") << QByteArray(R"({"format_version":2,"runs":[{"id":"a"},{"id":7}]})")
                              << QStringLiteral("runs[1].id");
  QTest::newRow("unknown run status")
      << QByteArray(R"({"format_version":2,"runs":[{"id":"a"},{"id":"b","status":"crashed"}]})")
      << QStringLiteral("runs[1].status");
  QTest::newRow("run not an object") << QByteArray(R"({"format_version":2,"runs":["a"]})")
                                     << QStringLiteral("runs[0]");
  QTest::newRow("runs not a list") << QByteArray(R"({"format_version":2,"runs":{}})")
                                   << QStringLiteral("runs");
  QTest::newRow("class name") << QByteArray(R"({"format_version":2,"classes":["cat",2]})")
                              << QStringLiteral("classes[1]");
  QTest::newRow("classes not a list")
      << QByteArray(R"({"format_version":2,"classes":"cat"})") << QStringLiteral("classes");
  QTest::newRow("val fraction type") << QByteArray(R"({"format_version":2,"data":{"val_fraction":"0.2"}})")
                                     << QStringLiteral("data.val_fraction");
  QTest::newRow("val fraction range") << QByteArray(R"({"format_version":2,"data":{"val_fraction":1.5}})")
                                      << QStringLiteral("data.val_fraction");
  QTest::newRow("data folder type") << QByteArray(R"({"format_version":2,"data":{"folder":["x"]}})")
                                    << QStringLiteral("data.folder");
  QTest::newRow("table format name") << QByteArray(R"({"format_version":2,"data":{"table_format":"xlsx"}})")
                                     << QStringLiteral("data.table_format");
  QTest::newRow("text column type") << QByteArray(R"({"format_version":2,"data":{"text_column":3}})")
                                    << QStringLiteral("data.text_column");
  QTest::newRow("data not an object")
      << QByteArray(R"({"format_version":2,"data":"images"})") << QStringLiteral("data");
  QTest::newRow("name") << QByteArray(R"({"format_version":2,"name":5})") << QStringLiteral("name");
  QTest::newRow("config") << QByteArray(R"({"format_version":2,"config":{"optim":{"lr_head":"x"}}})")
                          << QStringLiteral("config.optim.lr_head");
}

void TestProjectFile::typeErrorNamesKeyPath() {
  QFETCH(QByteArray, document);
  QFETCH(QString, keyPath);
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("p.attune"));
  QVERIFY(writeBytes(path, document));
  auto loaded = ProjectFile::load(path);
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::BadValue);
  const QString message = loaded.error().message;
  QVERIFY2(message.contains(keyPath + QStringLiteral(" must be")), qPrintable(message));
  QVERIFY2(message.contains(path), qPrintable(message));
  QCOMPARE(readBytes(path), document);
}

void TestProjectFile::notAProjectIsBadFormatNamingTheFile_data() {
  QTest::addColumn<QByteArray>("content");
  QTest::addColumn<QString>("messagePart");

  QTest::newRow("not JSON") << QByteArray("this is not JSON {") << QStringLiteral("not valid JSON");
  QTest::newRow("truncated") << QByteArray(R"({"format_version":2,"name":"bir)")
                             << QStringLiteral("not valid JSON");
  QTest::newRow("empty file") << QByteArray() << QStringLiteral("not valid JSON");
  QTest::newRow("a list") << QByteArray("[1, 2]") << QStringLiteral("not a JSON object");
  QTest::newRow("no version") << QByteArray(R"({"name":"birds"})") << QStringLiteral("format_version");
  QTest::newRow("version as text") << QByteArray(R"({"format_version":"2"})")
                                   << QStringLiteral("format_version");
  QTest::newRow("version 0") << QByteArray(R"({"format_version":0})") << QStringLiteral("format_version");
  // Valid JSON nested deeper than a project ever is: refused unread (5 million levels would have been
  // built as nested values, gigabytes, before the check).
  const auto nested = [](int depth) -> QByteArray {
    return QByteArray(R"({"format_version":2,"extra":)") + QByteArray(depth, '[') + QByteArray(depth, ']') +
           QByteArray("}");
  };
  QTest::newRow("nested 100 deep") << nested(100) << QStringLiteral("not valid JSON");
  QTest::newRow("nested 5 million deep") << nested(5'000'000) << QStringLiteral("not valid JSON");
}

void TestProjectFile::notAProjectIsBadFormatNamingTheFile() {
  QFETCH(QByteArray, content);
  QFETCH(QString, messagePart);
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("broken.attune"));
  QVERIFY(writeBytes(path, content));
  auto loaded = ProjectFile::load(path);
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::BadFormat);
  QVERIFY2(loaded.error().message.contains(path), qPrintable(loaded.error().message));
  QVERIFY2(loaded.error().message.contains(messagePart), qPrintable(loaded.error().message));
  QCOMPARE(readBytes(path), content);
  QCOMPARE(entriesOf(tmp.path()), QStringList{QStringLiteral("broken.attune")});
}

void TestProjectFile::missingFileIsFileNotFound() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("nowhere.attune"));
  auto loaded = ProjectFile::load(path);
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::FileNotFound);
  QVERIFY2(loaded.error().message.contains(path), qPrintable(loaded.error().message));
  QVERIFY(!QFileInfo::exists(path));
}

void TestProjectFile::newerFormatIsRefusedAndFileUntouched() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("future.attune"));
  const QByteArray original = R"({"format_version": 99, "name": "from the future", "hologram": {"x": 1}})";
  QVERIFY(writeBytes(path, original));
  const QDateTime modified = QFileInfo(path).lastModified();

  auto loaded = ProjectFile::load(path);
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::NewerFormat);
  QVERIFY2(loaded.error().text().contains(QLatin1String("Update Attune")), qPrintable(loaded.error().text()));
  QVERIFY2(loaded.error().message.contains(path), qPrintable(loaded.error().message));
  QCOMPARE(readBytes(path), original);
  QCOMPARE(QFileInfo(path).lastModified(), modified);
  QCOMPARE(entriesOf(tmp.path()), QStringList{QStringLiteral("future.attune")});  // no backup either
}

// A format_version above 2^31 once wrapped round to a small (or negative) int and was accepted as a
// version this Attune reads: it is the newer format it says it is.
void TestProjectFile::hugeFormatVersionIsNotTruncated_data() {
  QTest::addColumn<QByteArray>("version");
  QTest::newRow("2^32 + 1 (was read as 1)") << QByteArray("4294967297");
  QTest::newRow("2^32 + 2 (was read as 2)") << QByteArray("4294967298");
  QTest::newRow("2^31 + 2 (was negative)") << QByteArray("2147483650");
  QTest::newRow("above int64") << QByteArray("18446744073709551615");
}

void TestProjectFile::hugeFormatVersionIsNotTruncated() {
  QFETCH(QByteArray, version);
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("huge.attune"));
  const QByteArray original = R"({"format_version": )" + version + R"(, "name": "huge", "data": {}})";
  QVERIFY(writeBytes(path, original));
  auto loaded = ProjectFile::load(path);
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::NewerFormat);
  QCOMPARE(readBytes(path), original);
  QCOMPARE(entriesOf(tmp.path()), QStringList{QStringLiteral("huge.attune")});  // no backup, no migration
}

void TestProjectFile::versionOneIsMigratedAfterBackup() {
  QTemporaryDir tmp;
  QVERIFY(QDir(tmp.path()).mkpath(QStringLiteral("images")));
  const QString path = tmp.filePath(QStringLiteral("old.attune"));
  const QByteArray original =
      R"({"format_version": 1, "name": "old birds", "data_folder": "images", "val_fraction": 0.3,
          "split_seed": 9, "classes": ["crow", "finch"], "config": {"epochs": 4}})";
  QVERIFY(writeBytes(path, original));

  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(loaded->name, QStringLiteral("old birds"));
  QCOMPARE(loaded->data.folder, QDir(tmp.path()).filePath(QStringLiteral("images")));
  QCOMPARE(loaded->data.valFraction, 0.3);
  QCOMPARE(loaded->data.splitSeed, 9);
  QCOMPARE(loaded->classes, (QStringList{QStringLiteral("crow"), QStringLiteral("finch")}));
  QCOMPARE(loaded->config.epochs, 4);

  const QString backup = path + QStringLiteral(".v1.bak");
  QVERIFY(QFileInfo::exists(backup));
  QCOMPARE(readBytes(backup), original);

  const json rewritten = readJson(path);
  QVERIFY(!rewritten.is_discarded());
  QCOMPARE(rewritten.at("format_version").get<int>(), 2);
  QCOMPARE(rewritten.at("data").at("folder").get<std::string>(), std::string("images"));
  QCOMPARE(rewritten.at("data").at("val_fraction").get<double>(), 0.3);
  QCOMPARE(rewritten.at("data").at("split_seed").get<int>(), 9);
  QVERIFY(!rewritten.contains("data_folder"));
  QVERIFY(!rewritten.contains("val_fraction"));
  QVERIFY(!rewritten.contains("split_seed"));

  // Opening it again reads the current format: same project, no further backup.
  const QByteArray migrated = readBytes(path);
  auto reloaded = ProjectFile::load(path);
  QVERIFY(reloaded.ok());
  compareProjects(reloaded.value(), loaded.value());
  if (QTest::currentTestFailed()) return;
  QCOMPARE(readBytes(path), migrated);
  QCOMPARE(entriesOf(tmp.path()), (QStringList{QStringLiteral("images"), QStringLiteral("old.attune"),
                                               QStringLiteral("old.attune.v1.bak")}));
}

void TestProjectFile::migrationKeepsEarlierBackup() {
  QTemporaryDir tmp;
  const QString path = tmp.filePath(QStringLiteral("old.attune"));
  const QString earlierBackup = path + QStringLiteral(".v1.bak");
  QVERIFY(writeBytes(earlierBackup, "an earlier backup"));
  const QByteArray original = R"({"format_version": 1, "data_folder": "images"})";
  QVERIFY(writeBytes(path, original));

  auto loaded = ProjectFile::load(path);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(readBytes(earlierBackup), QByteArray("an earlier backup"));
  QCOMPARE(readBytes(path + QStringLiteral(".v1.2.bak")), original);
}

void TestProjectFile::saveToUnwritablePathFails_data() {
  QTest::addColumn<QString>("kind");
  QTest::newRow("parent is a regular file") << QStringLiteral("parent-file");
  QTest::newRow("parent is missing") << QStringLiteral("parent-missing");
  QTest::newRow("read-only directory") << QStringLiteral("read-only");
  QTest::newRow("inside /proc") << QStringLiteral("proc");
}

void TestProjectFile::saveToUnwritablePathFails() {
  QFETCH(QString, kind);
  QTemporaryDir tmp;
  const QDir root(tmp.path());
  QString path;
  if (kind == QLatin1String("parent-file")) {
    QVERIFY(writeBytes(root.filePath(QStringLiteral("plain.txt")), "text"));
    path = root.filePath(QStringLiteral("plain.txt/p.attune"));
  } else if (kind == QLatin1String("parent-missing")) {
    path = root.filePath(QStringLiteral("no/such/folder/p.attune"));
  } else if (kind == QLatin1String("read-only")) {
    const QString locked = root.filePath(QStringLiteral("locked"));
    QVERIFY(root.mkdir(QStringLiteral("locked")));
    QVERIFY(QFile::setPermissions(locked, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadGroup |
                                              QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther));
    if (permissionsIgnored(locked)) QSKIP("Folder permissions are not enforced for this user (root?)");
    path = QDir(locked).filePath(QStringLiteral("p.attune"));
  } else {
    path = QStringLiteral("/proc/attune-test-%1.attune").arg(QCoreApplication::applicationPid());
  }

  Project project = fullProject(tmp.path());
  project.filePath = QStringLiteral("/previous/place.attune");
  auto saved = ProjectFile::save(project, path);
  QVERIFY(!saved.ok());
  QCOMPARE(saved.error().code, ErrorCode::FileUnwritable);
  QVERIFY2(saved.error().message.contains(QFileInfo(path).absoluteFilePath()),
           qPrintable(saved.error().message));
  QVERIFY(!saved.error().hint.isEmpty());
  QCOMPARE(project.filePath, QStringLiteral("/previous/place.attune"));  // unchanged on failure
  QVERIFY(!QFileInfo::exists(path));
}

void TestProjectFile::failedSaveKeepsPreviousFile_data() {
  QTest::addColumn<QString>("kind");
  QTest::newRow("read-only directory") << QStringLiteral("read-only");
  QTest::newRow("write fails midway") << QStringLiteral("file-size-limit");
}

void TestProjectFile::failedSaveKeepsPreviousFile() {
  QFETCH(QString, kind);
  QTemporaryDir tmp;
  const QString folder = tmp.filePath(QStringLiteral("project"));
  QVERIFY(QDir().mkpath(folder));
  const QString path = QDir(folder).filePath(QStringLiteral("p.attune"));

  Project project;
  project.name = QStringLiteral("first");
  QVERIFY(ProjectFile::save(project, path).ok());
  const QByteArray before = readBytes(path);
  QVERIFY(!before.isEmpty());

  // A much larger document, so a failure cannot hide behind a short write.
  Project changed = fullProject(folder);
  for (int i = 0; i < 200; ++i) changed.classes << QStringLiteral("class-%1").arg(i);
  QVERIFY(ProjectFile::serialize(changed, path).size() > before.size() + 1024);

  attune::Status saved;
  if (kind == QLatin1String("read-only")) {
    QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
    auto restore = qScopeGuard(
        [&] { QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner); });
    if (permissionsIgnored(folder)) QSKIP("Folder permissions are not enforced for this user (root?)");
    saved = ProjectFile::save(changed, path);
  } else {
    // The first bytes of the new document fit; the rest fail with EFBIG, as on a full disk.
    FileSizeLimit limit(before.size() / 2);
    QVERIFY(limit.active());
    saved = ProjectFile::save(changed, path);
  }

  QVERIFY(!saved.ok());
  QCOMPARE(saved.error().code, ErrorCode::FileUnwritable);
  QCOMPARE(readBytes(path), before);
  QCOMPARE(entriesOf(folder), QStringList{QStringLiteral("p.attune")});  // no temporary file left
  auto loaded = ProjectFile::load(path);
  QVERIFY(loaded.ok());
  QCOMPARE(loaded->name, QStringLiteral("first"));
}

QTEST_GUILESS_MAIN(TestProjectFile)
#include "test_project_file.moc"
