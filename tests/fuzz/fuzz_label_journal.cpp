// Fuzz target: the label journal (core/project/LabelJournal: replaying its lines). A journal that
// opens must compact to a file that replays to the same state.
#include "core/project/LabelJournal.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace attune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QString path = fuzz::writeInput(QStringLiteral("fuzz.labels.jsonl"), data, size);
  auto journal = LabelJournal::open(path);
  if (!journal) {
    fuzz::checkError(journal.error());
    return 0;
  }
  for (const QString& note : (*journal)->notes()) FUZZ_CHECK(!note.isEmpty());
  const LabelState state = (*journal)->state();
  // The classes of some items as the journal makes them.
  const QStringList dataClasses{QStringLiteral("cat"), QStringLiteral("dog"), QString()};
  QStringList keys;
  QStringList labels;
  for (const auto& [key, label] : state.itemLabels) {
    keys << key;
    labels << dataClasses[keys.size() % dataClasses.size()];
  }
  keys << QStringLiteral("a.png") << QStringLiteral("b.png");
  labels << QStringLiteral("cat") << QStringLiteral("dog");
  const RelabelledItems items = relabel(state, {QStringLiteral("cat"), QStringLiteral("dog")}, keys, labels);
  FUZZ_CHECK(items.labels.size() == size_t(keys.size()));
  for (int label : items.labels) FUZZ_CHECK(label >= -1 && label < int(items.classes.size()));
  // Compaction keeps the state.
  const auto compacted = (*journal)->compact();
  if (!compacted) std::fprintf(stderr, "compact: %s\n", qPrintable(compacted.error().text()));
  FUZZ_CHECK(compacted.ok());
  auto reopened = LabelJournal::open(path);
  FUZZ_CHECK(reopened.ok());
  FUZZ_CHECK((*reopened)->notes().isEmpty());
  FUZZ_CHECK((*reopened)->state() == state);
  return 0;
}
