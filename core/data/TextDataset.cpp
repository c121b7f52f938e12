#include "core/data/TextDataset.h"

#include "core/data/StratifiedSplit.h"
#include "core/data/detail/Plural.h"

#include <QCryptographicHash>
#include <QMap>

#include <algorithm>

namespace attune {
namespace {

// More classes than this, or about one text per class, means the label column is probably wrong.
constexpr int kManyClasses = 100;
constexpr int kFewTextsPerClass = 2;

Error unknownColumn(const TextTable& table, const QString& name, const char* role) {
  return Error(ErrorCode::BadValue,
               QStringLiteral("The table has no column '%1' for the %2. Its columns are: %3.")
                   .arg(name, QLatin1String(role), table.columnList()),
               QStringLiteral("Choose one of these columns."));
}

void addLength(QCryptographicHash& hash, qsizetype length) {
  const quint64 value = quint64(length);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = char((value >> (8 * i)) & 0xFF);  // little-endian everywhere
  hash.addData(QByteArrayView(bytes, 8));
}

}  // namespace

std::vector<int> TextDataset::classCounts() const {
  std::vector<int> counts(size_t(classes.size()), 0);
  for (const auto& sample : labelled) ++counts[size_t(sample.label)];
  return counts;
}

QString TextDataset::position(int line) const {
  return (numbering == RowNumbering::Entry ? QStringLiteral("entry %1") : QStringLiteral("line %1"))
      .arg(line);
}

QString TextDataset::summary() const {
  using detail::plural;
  QStringList lines;
  lines << QStringLiteral("%1 in %2.")
               .arg(plural(int(labelled.size()), "labelled text", "labelled texts"),
                    plural(int(classes.size()), "class", "classes"));
  const auto counts = classCounts();
  for (int i = 0; i < classes.size(); ++i)
    lines << QStringLiteral("  %1: %2").arg(classes[i]).arg(counts[size_t(i)]);
  if (!unlabelled.empty())
    lines << QStringLiteral("%1 without a label (kept for labelling).")
                 .arg(plural(int(unlabelled.size()), "text", "texts"));
  if (!skipped.empty()) {
    lines << QStringLiteral("%1 skipped:").arg(plural(int(skipped.size()), "row", "rows"));
    constexpr size_t kShown = 10;
    for (size_t i = 0; i < std::min(skipped.size(), kShown); ++i)
      lines << QStringLiteral("  %1: %2").arg(position(skipped[i].line), skipped[i].reason);
    if (skipped.size() > kShown) lines << QStringLiteral("  ... and %1 more").arg(skipped.size() - kShown);
  }
  for (const auto& warning : warnings) lines << warning;
  return lines.join(QLatin1Char('\n'));
}

QString TextDataset::fingerprint() const {
  QCryptographicHash hash(QCryptographicHash::Sha256);
  for (const auto& sample : labelled) {
    const QByteArray text = sample.text.toUtf8();
    const QByteArray label = classes[sample.label].toUtf8();
    // Lengths first, so that ("ab", "c") and ("a", "bc") differ.
    addLength(hash, text.size());
    hash.addData(text);
    addLength(hash, label.size());
    hash.addData(label);
  }
  return QString::fromLatin1(hash.result().toHex());
}

Result<TextDataset> TextDataset::fromTable(const TextTable& table, const TextColumnMapping& mapping) {
  const int textColumn = table.columnIndex(mapping.textColumn);
  if (textColumn < 0) return unknownColumn(table, mapping.textColumn, "texts");
  int labelColumn = -1;
  if (!mapping.labelColumn.isEmpty()) {
    labelColumn = table.columnIndex(mapping.labelColumn);
    if (labelColumn < 0) return unknownColumn(table, mapping.labelColumn, "labels");
    if (labelColumn == textColumn)
      return Error(ErrorCode::BadValue,
                   QStringLiteral("The column '%1' cannot hold both the texts and the labels.")
                       .arg(table.columns[textColumn]),
                   QStringLiteral("Choose another column for the labels."));
  }

  TextDataset dataset;
  dataset.numbering = table.numbering;
  std::vector<SkippedRow> skipped = table.skipped;
  QStringList labels;  // per labelled sample, before indices are known
  for (const auto& row : table.rows) {
    const QString& text = row.cells[textColumn];
    if (text.trimmed().isEmpty()) {
      skipped.push_back({row.line, QStringLiteral("the text is empty")});
      continue;
    }
    const QString label = labelColumn >= 0 ? row.cells[labelColumn].trimmed() : QString();
    if (label.isEmpty()) {
      dataset.unlabelled.push_back({text, -1, row.line});
      continue;
    }
    dataset.labelled.push_back({text, -1, row.line});
    labels << label;
  }

  // Code-point order, as for image class folders: the same indices on every platform and locale.
  QStringList classes = labels;
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  QMap<QString, int> indexOf;
  for (int i = 0; i < classes.size(); ++i) indexOf.insert(classes[i], i);
  for (size_t i = 0; i < dataset.labelled.size(); ++i)
    dataset.labelled[i].label = indexOf.value(labels[qsizetype(i)]);
  dataset.classes = classes;

  std::stable_sort(skipped.begin(), skipped.end(),
                   [](const SkippedRow& a, const SkippedRow& b) { return a.line < b.line; });
  dataset.skipped = std::move(skipped);

  const int labelledCount = int(dataset.labelled.size());
  if (labelColumn >= 0 && (classes.size() > kManyClasses ||
                           (classes.size() > 2 && labelledCount < kFewTextsPerClass * classes.size())))
    dataset.warnings << QStringLiteral(
                            "The column '%1' has %2 different labels for %3 texts: is it really the label "
                            "column?")
                            .arg(table.columns[labelColumn])
                            .arg(classes.size())
                            .arg(labelledCount);
  const auto counts = dataset.classCounts();
  for (int i = 0; i < classes.size(); ++i)
    if (counts[size_t(i)] == 1 && classes.size() <= kManyClasses)
      dataset.warnings << QStringLiteral(
                              "Class '%1' has a single text: it cannot be both trained and validated.")
                              .arg(classes[i]);
  return dataset;
}

namespace {

std::vector<int> labelsOf(const TextDataset& dataset) {
  std::vector<int> labels;
  labels.reserve(dataset.labelled.size());
  for (const auto& sample : dataset.labelled) labels.push_back(sample.label);
  return labels;
}

}  // namespace

TextSplit splitTextDataset(const TextDataset& dataset, double valFraction, uint64_t seed) {
  const SplitIndices indices = stratifiedSplit(labelsOf(dataset), valFraction, seed);
  TextSplit split;
  for (int i : indices.train) split.train.push_back(dataset.labelled[size_t(i)]);
  for (int i : indices.val) split.val.push_back(dataset.labelled[size_t(i)]);
  return split;
}

TextSplit textFold(const TextDataset& dataset, int folds, int fold, uint64_t seed) {
  const std::vector<int> assignment = stratifiedFolds(labelsOf(dataset), folds, seed);
  TextSplit split;
  for (size_t i = 0; i < assignment.size(); ++i)
    (assignment[i] == fold ? split.val : split.train).push_back(dataset.labelled[i]);
  return split;
}

}  // namespace attune
