// For test_label_journal: labels items "item-<n>" (n from START on) with class "class-<n mod 3>" in the
// journal at PATH, one after another, printing "<n>" on stdout after each label is acknowledged
// (appended and synced), and compacting the journal every 50 labels, until it is killed.
#include "core/project/LabelJournal.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc != 3) return 2;
  auto journal = attune::LabelJournal::open(QString::fromLocal8Bit(argv[1]));
  if (!journal) return 1;
  for (long n = std::atol(argv[2]);; ++n) {
    attune::LabelChange change;
    change.item = QStringLiteral("item-%1").arg(n);
    change.className = QStringLiteral("class-%1").arg(n % 3);
    if (!(*journal)->append(change)) return 1;
    std::printf("%ld\n", n);
    std::fflush(stdout);
    if ((*journal)->changesSinceCompaction() >= 50 && !(*journal)->compact()) return 1;
  }
}
