// Fuzz target: labels imported from other tools (core/dataset/LabelExchange): a Label Studio JSON
// export, and a CSV of items and labels, into a small image project and a small text project. Every
// label imported names an item of the project.
#include "core/dataset/LabelExchange.h"
#include "tests/fuzz/FuzzSupport.h"
#include "tests/support/ImageFiles.h"

#include <QFile>
#include <QSet>

using namespace attune;

namespace {

struct Projects {
  Project images;
  Project texts;
  QSet<QString> imageKeys;
  QSet<QString> textKeys;
};

const Projects& projects() {
  static const Projects made = [] {
    Projects p;
    const QDir work = fuzz::workDirectory();
    const QString folder = work.filePath(QStringLiteral("images"));
    for (const char* name : {"cat/a.png", "cat/b.png", "dog/c.png", "dog/sub/d.png", "unlabelled/e.png"})
      testing::writeImageFile(QDir(folder).filePath(QString::fromLatin1(name)), Qt::red, 4, 4);
    p.images.filePath = work.filePath(QStringLiteral("images.attune"));
    p.images.task = TaskKind::ImageClassification;
    p.images.data.folder = folder;
    p.images.classes = {QStringLiteral("cat"), QStringLiteral("dog")};
    fuzz::writeInput(QStringLiteral("texts.csv"), QByteArray("text,label\n"
                                                             "good film,pos\n"
                                                             "bad film,neg\n"
                                                             "\"a, b\",\n"
                                                             "good film,neg\n"));
    p.texts.filePath = work.filePath(QStringLiteral("texts.attune"));
    p.texts.task = TaskKind::TextClassification;
    p.texts.data.table = work.filePath(QStringLiteral("texts.csv"));
    p.texts.data.textColumn = QStringLiteral("text");
    p.texts.data.labelColumn = QStringLiteral("label");
    p.texts.classes = {QStringLiteral("neg"), QStringLiteral("pos")};
    for (auto [project, keys] : {std::pair{&p.images, &p.imageKeys}, std::pair{&p.texts, &p.textKeys}}) {
      auto items = readProjectItems(*project);
      if (!items) {
        std::fprintf(stderr, "fuzz project: %s\n", qPrintable(items.error().text()));
        std::abort();
      }
      for (const QString& key : items->keys) keys->insert(key);
    }
    return p;
  }();
  return made;
}

void check(const Result<LabelImport>& import, const QSet<QString>& keys) {
  if (!import) {
    fuzz::checkError(import.error());
    return;
  }
  FUZZ_CHECK(import->keys.size() == import->classNames.size());
  for (qsizetype i = 0; i < import->keys.size(); ++i) {
    FUZZ_CHECK(keys.contains(import->keys[i]));
    FUZZ_CHECK(!import->classNames[i].isEmpty());
  }
  for (const QString& note : import->notes) FUZZ_CHECK(!note.isEmpty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Projects& p = projects();
  const QString json = fuzz::writeInput(QStringLiteral("label-studio.json"), data, size);
  check(importLabelStudio(p.images, json), p.imageKeys);
  check(importLabelStudio(p.texts, json), p.textKeys);
  // The same bytes as a CSV of labels (only when they do not look like JSON: a CSV read is slower).
  if (size > 0 && data[0] != '[' && data[0] != '{') {
    const QString csv = fuzz::writeInput(QStringLiteral("labels.csv"), data, size);
    check(importLabelsCsv(p.images, csv), p.imageKeys);
    check(importLabelsCsv(p.texts, csv), p.textKeys);
  }
  return 0;
}
