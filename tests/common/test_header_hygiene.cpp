// The layering rules of DESIGN.md, checked on the source tree: no LibTorch header reaches a public
// core header (only headers in a detail/ folder may include one) or anything under ui/, and core/
// includes no Qt Widgets header. Includes are followed through the project's own headers, so a
// public header that includes a detail/ header that includes torch is caught too.

#include "tests/support/TestEnvironment.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

namespace {

const QString kSourceDir = attune::testing::testPath("ATTUNE_SOURCE_DIR");

struct Include {
  QString name;  // as written between <> or ""
  bool quoted = false;
};

// The #include lines of a file, ignoring commented-out ones.
QList<Include> includesIn(QString text) {
  static const QRegularExpression blockComment(QStringLiteral(R"(/\*.*?\*/)"),
                                               QRegularExpression::DotMatchesEverythingOption);
  static const QRegularExpression directive(
      QStringLiteral(R"(^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"])"),
      QRegularExpression::MultilineOption);
  text.remove(blockComment);
  QList<Include> out;
  for (auto it = directive.globalMatch(text); it.hasNext();) {
    const auto match = it.next();
    out.append({match.captured(2).trimmed(), match.captured(1) == QLatin1String("\"")});
  }
  return out;
}

bool isTorchHeader(const QString& name) {
  for (const char* prefix : {"torch/", "ATen/", "c10/", "caffe2/"})
    if (name.startsWith(QLatin1String(prefix))) return true;
  return false;
}

bool isWidgetsHeader(const QString& name) {
  static const QSet<QString> kWidgetClasses = {
      QStringLiteral("QWidget"),      QStringLiteral("QApplication"),    QStringLiteral("QMainWindow"),
      QStringLiteral("QDialog"),      QStringLiteral("QMessageBox"),     QStringLiteral("QFileDialog"),
      QStringLiteral("QPushButton"),  QStringLiteral("QLabel"),          QStringLiteral("QLineEdit"),
      QStringLiteral("QComboBox"),    QStringLiteral("QSpinBox"),        QStringLiteral("QCheckBox"),
      QStringLiteral("QLayout"),      QStringLiteral("QVBoxLayout"),     QStringLiteral("QHBoxLayout"),
      QStringLiteral("QGridLayout"),  QStringLiteral("QFormLayout"),     QStringLiteral("QTableView"),
      QStringLiteral("QTreeView"),    QStringLiteral("QListView"),       QStringLiteral("QProgressBar"),
      QStringLiteral("QToolBar"),     QStringLiteral("QMenu"),           QStringLiteral("QMenuBar"),
      QStringLiteral("QStatusBar"),   QStringLiteral("QSplitter"),       QStringLiteral("QTabWidget"),
      QStringLiteral("QDockWidget"),  QStringLiteral("QScrollArea"),     QStringLiteral("QStyle"),
      QStringLiteral("QUndoView"),    QStringLiteral("QHeaderView"),     QStringLiteral("QAbstractItemView"),
      QStringLiteral("QInputDialog"), QStringLiteral("QDialogButtonBox")};
  if (name.startsWith(QLatin1String("QtWidgets")) || name.startsWith(QLatin1String("QtPrintSupport")))
    return true;
  if (name.compare(QLatin1String("qcustomplot.h"), Qt::CaseInsensitive) == 0) return true;
  return kWidgetClasses.contains(name);
}

bool inDetailFolder(const QString& relativePath) {
  return relativePath.split(QLatin1Char('/')).contains(QLatin1String("detail"));
}

// Files under `folder` (relative to the source tree) whose names match `patterns`, as paths
// relative to the source tree, sorted.
QStringList filesUnder(const QString& folder, const QStringList& patterns) {
  QStringList out;
  QDirIterator it(QDir(kSourceDir).filePath(folder), patterns, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) out << QDir(kSourceDir).relativeFilePath(it.next());
  out.sort();
  return out;
}

const QStringList kHeaderPatterns = {QStringLiteral("*.h"), QStringLiteral("*.hpp"), QStringLiteral("*.hh")};
const QStringList kSourcePatterns =
    kHeaderPatterns + QStringList{QStringLiteral("*.cpp"), QStringLiteral("*.cc")};

// Follows a file's includes through the project's own files. Returns the include chain that ends
// in a header matching `forbidden` ("a.h -> b.h -> <torch/torch.h>"), or an empty string.
class IncludeScanner {
 public:
  QString findForbidden(const QString& relativePath, bool (*forbidden)(const QString&)) {
    QSet<QString> visiting;
    return search(relativePath, forbidden, visiting);
  }

 private:
  QString search(const QString& relativePath, bool (*forbidden)(const QString&), QSet<QString>& visiting) {
    if (visiting.contains(relativePath)) return {};
    visiting.insert(relativePath);
    for (const Include& include : includesOf(relativePath)) {
      if (forbidden(include.name))
        return relativePath + QStringLiteral(" -> <") + include.name + QLatin1Char('>');
      if (!include.quoted) continue;
      const QString target = resolve(relativePath, include.name);
      if (target.isEmpty()) continue;
      const QString chain = search(target, forbidden, visiting);
      if (!chain.isEmpty()) return relativePath + QStringLiteral(" -> ") + chain;
    }
    return {};
  }

  const QList<Include>& includesOf(const QString& relativePath) {
    auto cached = m_includes.find(relativePath);
    if (cached != m_includes.end()) return *cached;
    QFile file(QDir(kSourceDir).filePath(relativePath));
    QList<Include> includes;
    if (file.open(QIODevice::ReadOnly)) includes = includesIn(QString::fromUtf8(file.readAll()));
    return *m_includes.insert(relativePath, includes);
  }

  // A quoted include names a project file relative to the source root or to the including file.
  static QString resolve(const QString& from, const QString& name) {
    const QDir root(kSourceDir);
    const QString besideIncluder = QDir::cleanPath(QFileInfo(from).path() + QLatin1Char('/') + name);
    for (const QString& candidate : {QDir::cleanPath(name), besideIncluder}) {
      if (QFileInfo(root.filePath(candidate)).isFile()) return candidate;
    }
    return {};
  }

  QHash<QString, QList<Include>> m_includes;
};

}  // namespace

class TestHeaderHygiene : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void scannerClassifiesIncludes_data();
  void scannerClassifiesIncludes();

  void publicCoreHeadersDoNotIncludeTorch();
  void uiDoesNotIncludeTorch();
  void coreDoesNotIncludeWidgets();
};

void TestHeaderHygiene::scannerClassifiesIncludes_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<bool>("torch");
  QTest::addColumn<bool>("widgets");

  QTest::newRow("torch") << QStringLiteral("#include <torch/torch.h>\n") << true << false;
  QTest::newRow("ATen, spaced, quoted")
      << QStringLiteral("  #  include \"ATen/Tensor.h\"\n") << true << false;
  QTest::newRow("c10") << QStringLiteral("#include <c10/util/Half.h>\n") << true << false;
  QTest::newRow("after other lines") << QStringLiteral(
                                            "#pragma once\n\n#include <QString>\n#include <torch/nn.h>\n")
                                     << true << false;
  QTest::newRow("line comment") << QStringLiteral("// #include <torch/torch.h>\n") << false << false;
  QTest::newRow("block comment") << QStringLiteral("/*\n#include <c10/util/Half.h>\n*/\n") << false << false;
  QTest::newRow("mentioned in text") << QStringLiteral("int x; // see torch/torch.h\n") << false << false;
  QTest::newRow("QWidget") << QStringLiteral("#include <QWidget>\n") << false << true;
  QTest::newRow("QtWidgets module") << QStringLiteral("#include <QtWidgets/QLabel>\n") << false << true;
  QTest::newRow("QCustomPlot") << QStringLiteral("#include \"qcustomplot.h\"\n") << false << true;
  QTest::newRow("Qt Gui image") << QStringLiteral("#include <QImage>\n") << false << false;
  QTest::newRow("project header") << QStringLiteral("#include \"core/common/Result.h\"\n") << false << false;
}

void TestHeaderHygiene::scannerClassifiesIncludes() {
  QFETCH(QString, text);
  QFETCH(bool, torch);
  QFETCH(bool, widgets);
  bool foundTorch = false;
  bool foundWidgets = false;
  for (const Include& include : includesIn(text)) {
    foundTorch = foundTorch || isTorchHeader(include.name);
    foundWidgets = foundWidgets || isWidgetsHeader(include.name);
  }
  QCOMPARE(foundTorch, torch);
  QCOMPARE(foundWidgets, widgets);
}

void TestHeaderHygiene::publicCoreHeadersDoNotIncludeTorch() {
  const QStringList headers = filesUnder(QStringLiteral("core"), kHeaderPatterns);
  QVERIFY2(headers.contains(QStringLiteral("core/project/Project.h")),
           "the scan did not find core's headers");
  IncludeScanner scanner;
  QStringList violations;
  int publicHeaders = 0;
  for (const QString& header : headers) {
    if (inDetailFolder(header)) continue;
    ++publicHeaders;
    const QString chain = scanner.findForbidden(header, isTorchHeader);
    if (!chain.isEmpty()) violations << chain;
  }
  QVERIFY(publicHeaders >= 5);
  QVERIFY2(violations.isEmpty(),
           qPrintable(QStringLiteral("LibTorch headers in public core headers (move them behind a detail/ "
                                     "header or a pimpl):\n  ") +
                      violations.join(QStringLiteral("\n  "))));
}

void TestHeaderHygiene::uiDoesNotIncludeTorch() {
  const QStringList files = filesUnder(QStringLiteral("ui"), kSourcePatterns);
  QVERIFY2(!files.isEmpty(), "the scan did not find ui's files");
  IncludeScanner scanner;
  QStringList violations;
  for (const QString& file : files) {
    const QString chain = scanner.findForbidden(file, isTorchHeader);
    if (!chain.isEmpty()) violations << chain;
  }
  QVERIFY2(violations.isEmpty(), qPrintable(QStringLiteral("LibTorch headers reach ui/:\n  ") +
                                            violations.join(QStringLiteral("\n  "))));
}

void TestHeaderHygiene::coreDoesNotIncludeWidgets() {
  const QStringList files = filesUnder(QStringLiteral("core"), kSourcePatterns);
  QVERIFY2(files.contains(QStringLiteral("core/project/Project.cpp")), "the scan did not find core's files");
  IncludeScanner scanner;
  QStringList violations;
  for (const QString& file : files) {
    const QString chain = scanner.findForbidden(file, isWidgetsHeader);
    if (!chain.isEmpty()) violations << chain;
  }
  QVERIFY2(violations.isEmpty(),
           qPrintable(QStringLiteral("Qt Widgets headers in core/ (core links no Widgets):\n  ") +
                      violations.join(QStringLiteral("\n  "))));
}

QTEST_GUILESS_MAIN(TestHeaderHygiene)
#include "test_header_hygiene.moc"
