#include "core/training/DatasetHealth.h"

#include "core/data/StratifiedSplit.h"
#include "core/training/LabelExchange.h"
#include "core/training/ProjectData.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QSet>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <map>
#include <numeric>

namespace attune {
namespace {

QString idOf(HealthKind kind, const QStringList& keys, const QString& extra = {}) {
  QCryptographicHash hash(QCryptographicHash::Sha1);
  hash.addData(QByteArray::number(int(kind)));
  hash.addData(extra.toUtf8());
  for (const QString& key : keys) hash.addData(QByteArray(key.toUtf8() + '\n'));
  return QString::fromLatin1(hash.result().toHex().left(16));
}

QByteArray contentHash(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash hash(QCryptographicHash::Sha256);
  if (!hash.addData(&file)) return {};
  return hash.result();
}

// The keys of the validation side of the project's split (as training makes it), or none when the
// labelled data cannot be split (then copies across the split are not looked for).
QSet<QString> validationKeys(const Project& project) {
  QSet<QString> keys;
  if (project.task == TaskKind::TextClassification) {
    auto texts = readProjectTexts(project);
    if (!texts || texts->classes.size() < 2) return keys;
    const TextSplit split =
        splitTextDataset(*texts, project.data.valFraction, uint64_t(project.data.splitSeed));
    for (const TextSample& sample : split.val) keys.insert(textItemKey(project.data.table, sample.line));
    return keys;
  }
  auto images = readProjectImages(project);
  if (!images) return keys;
  std::vector<int> labels;
  for (const ImageSample& sample : images->samples) labels.push_back(sample.label);
  const SplitIndices split =
      stratifiedSplit(labels, project.data.valFraction, uint64_t(project.data.splitSeed));
  for (int i : split.val) keys.insert(imageItemKey(images->root, images->samples[size_t(i)].path));
  return keys;
}

HealthFinding findingOf(HealthKind kind) {
  HealthFinding finding;
  finding.kind = kind;
  return finding;
}

QString noun(bool texts, int count) {
  if (texts) return count == 1 ? QStringLiteral("text") : QStringLiteral("texts");
  return count == 1 ? QStringLiteral("image") : QStringLiteral("images");
}

}  // namespace

Result<std::vector<HealthFinding>> checkDatasetHealth(const Project& project, const HealthOptions& options) {
  auto items = readProjectItems(project);
  if (!items) return items.error();
  const bool texts = items->task == TaskKind::TextClassification;
  std::vector<HealthFinding> findings;

  // Exact copies among the labelled items, by content.
  std::vector<int> labelled;
  for (qsizetype i = 0; i < items->keys.size(); ++i)
    if (!items->classes[i].isEmpty()) labelled.push_back(int(i));
  std::vector<QByteArray> hashes(labelled.size());
  if (texts) {
    for (size_t n = 0; n < labelled.size(); ++n) hashes[n] = items->items[labelled[n]].toUtf8();
  } else {
    // Reading every file is disk-bound: in parallel.
    const std::vector<QByteArray> computed = QtConcurrent::blockingMapped<std::vector<QByteArray>>(
        labelled, [&items](int i) { return contentHash(items->items[i]); });
    hashes = computed;
  }
  std::map<QByteArray, std::vector<int>> copies;
  for (size_t n = 0; n < labelled.size(); ++n)
    if (!hashes[n].isEmpty()) copies[hashes[n]].push_back(labelled[n]);
  const QSet<QString> validation = validationKeys(project);
  HealthFinding acrossClasses = findingOf(HealthKind::DuplicateAcrossClasses);
  HealthFinding acrossSplit = findingOf(HealthKind::DuplicateAcrossSplit);
  HealthFinding inClass = findingOf(HealthKind::DuplicateInClass);
  for (const auto& [hash, group] : copies) {
    if (group.size() < 2) continue;
    QStringList keys;
    QSet<QString> classes;
    int inValidation = 0;
    for (int i : group) {
      keys << items->keys[i];
      classes.insert(items->classes[i]);
      if (validation.contains(items->keys[i])) ++inValidation;
    }
    HealthFinding& finding = classes.size() > 1                                     ? acrossClasses
                             : inValidation > 0 && inValidation < int(group.size()) ? acrossSplit
                                                                                    : inClass;
    finding.keys << keys;
    finding.groups.push_back(keys);
  }
  if (!acrossClasses.keys.isEmpty()) {
    const int n = int(acrossClasses.keys.size());
    acrossClasses.title =
        QStringLiteral("%1 %2 are copies of each other with different labels.").arg(n).arg(noun(texts, n));
    acrossClasses.advice = QStringLiteral(
        "The model is told one example is two things at once. Decide which label is right: the fix takes "
        "their "
        "labels away so that you can label them again (Undo brings them back).");
    acrossClasses.fix = HealthFix::RemoveLabels;
    acrossClasses.fixLabel = QStringLiteral("Take Their Labels Away");
    findings.push_back(std::move(acrossClasses));
  }
  if (!acrossSplit.keys.isEmpty()) {
    const int n = int(acrossSplit.keys.size());
    acrossSplit.title = QStringLiteral("%1 %2 are in both training and validation (exact copies).")
                            .arg(n)
                            .arg(noun(texts, n));
    acrossSplit.advice = QStringLiteral(
        "The model is checked on examples it learned from, so the validation figures read better than the "
        "model "
        "is. The fix keeps one copy of each and leaves the others out of training.");
    acrossSplit.fix = HealthFix::KeepOneCopy;
    acrossSplit.fixLabel = QStringLiteral("Leave the Copies Out");
    findings.push_back(std::move(acrossSplit));
  }
  if (!inClass.keys.isEmpty()) {
    const int n = int(inClass.keys.size());
    inClass.title = QStringLiteral("%1 %2 are exact copies within their class.").arg(n).arg(noun(texts, n));
    inClass.advice =
        QStringLiteral("Copies count twice in training and add nothing new. The fix keeps one of each.");
    inClass.fix = HealthFix::KeepOneCopy;
    inClass.fixLabel = QStringLiteral("Leave the Copies Out");
    findings.push_back(std::move(inClass));
  }

  // Classes: small ones, and the balance between them.
  std::map<QString, QStringList> byClass;
  QStringList classOrder;
  for (int i : labelled) {
    if (!byClass.count(items->classes[i])) classOrder << items->classes[i];
    byClass[items->classes[i]] << items->keys[i];
  }
  for (const QString& name : classOrder) {
    const QStringList& keys = byClass[name];
    if (keys.size() >= options.fewPerClass) continue;
    HealthFinding small = findingOf(HealthKind::SmallClass);
    small.className = name;
    small.keys = keys;
    small.title = QStringLiteral("Class '%1' has only %2 %3.")
                      .arg(name)
                      .arg(keys.size())
                      .arg(noun(texts, int(keys.size())));
    small.advice =
        QStringLiteral("At least %1 per class give more reliable results; label more of it%2.")
            .arg(options.fewPerClass)
            .arg(keys.size() < 2 ? QStringLiteral(" (training needs two at the very least)") : QString());
    findings.push_back(std::move(small));
  }
  if (byClass.size() >= 2) {
    auto smallest = classOrder.first();
    auto largest = classOrder.first();
    for (const QString& name : classOrder) {
      if (byClass[name].size() < byClass[smallest].size()) smallest = name;
      if (byClass[name].size() > byClass[largest].size()) largest = name;
    }
    const qsizetype few = byClass[smallest].size();
    const qsizetype many = byClass[largest].size();
    if (double(many) >= options.imbalanceRatio * double(few)) {
      HealthFinding imbalance = findingOf(HealthKind::Imbalance);
      imbalance.className = smallest;
      imbalance.keys = byClass[smallest];
      imbalance.title = QStringLiteral("The classes are unbalanced: '%1' has %2, '%3' only %4.")
                            .arg(largest)
                            .arg(many)
                            .arg(smallest)
                            .arg(few);
      if (project.config.classBalance == ClassBalance::Off) {
        imbalance.advice = QStringLiteral(
                               "The model may learn to favour '%1'. More examples of '%2' help most; "
                               "weighting the classes in the "
                               "loss helps too (the fix turns it on).")
                               .arg(largest, smallest);
        imbalance.fix = HealthFix::WeightClasses;
        imbalance.fixLabel = QStringLiteral("Weight the Classes");
      } else {
        imbalance.advice = QStringLiteral(
                               "The model may learn to favour '%1'. Attune weights the classes in the loss "
                               "already; more examples "
                               "of '%2' help most.")
                               .arg(largest, smallest);
      }
      findings.push_back(std::move(imbalance));
    }
  }

  // What cannot be used, and examples too small to say anything.
  HealthFinding unreadable = findingOf(HealthKind::Unreadable);
  HealthFinding tiny = findingOf(HealthKind::TinyImage);
  HealthFinding shortTexts = findingOf(HealthKind::ShortText);
  if (texts) {
    auto dataset = readProjectTexts(project);
    if (dataset)
      for (const SkippedRow& row : dataset->skipped)
        unreadable.files << QStringLiteral("%1: %2").arg(dataset->position(row.line), row.reason);
    for (qsizetype i = 0; i < items->keys.size(); ++i)
      if (items->items[i].trimmed().size() < options.minTextChars) shortTexts.keys << items->keys[i];
  } else {
    auto pool = scanImagePool(project.data.folder);
    if (pool)
      for (const SkippedFile& file : pool->report.skipped)
        if (file.reason.startsWith(QLatin1String("cannot be decoded")))
          unreadable.files << QStringLiteral("%1: %2").arg(imageItemKey(pool->root, file.path), file.reason);
    std::vector<int> all(size_t(items->keys.size()));
    std::iota(all.begin(), all.end(), 0);
    const std::vector<char> small = QtConcurrent::blockingMapped<std::vector<char>>(all, [&](int i) {
      const QSize size = QImageReader(items->items[i]).size();
      return char(size.isValid() &&
                  (size.width() < options.minImageSide || size.height() < options.minImageSide));
    });
    for (size_t i = 0; i < small.size(); ++i)
      if (small[i]) tiny.keys << items->keys[qsizetype(i)];
  }
  if (!unreadable.files.isEmpty()) {
    const int n = int(unreadable.files.size());
    unreadable.title = texts ? QStringLiteral("%1 rows of the table cannot be used.").arg(n)
                             : QStringLiteral("%1 files cannot be read as images.").arg(n);
    unreadable.advice =
        texts ? QStringLiteral("They are left out of training. Mend them in the table if they matter.")
              : QStringLiteral(
                    "They are left out of training. Open them in another program to see "
                    "what is wrong, or remove them from the folder.");
    findings.push_back(std::move(unreadable));
  }
  if (!tiny.keys.isEmpty()) {
    const int n = int(tiny.keys.size());
    tiny.title = QStringLiteral("%1 %2 are smaller than %3 pixels on a side.")
                     .arg(n)
                     .arg(noun(false, n))
                     .arg(options.minImageSide);
    tiny.advice = QStringLiteral(
        "Scaled up to the model's input they are mostly blur. The fix leaves them out of "
        "training (they keep no label).");
    tiny.fix = HealthFix::RemoveLabels;
    tiny.fixLabel = QStringLiteral("Leave Them Out");
    findings.push_back(std::move(tiny));
  }
  if (!shortTexts.keys.isEmpty()) {
    const int n = int(shortTexts.keys.size());
    shortTexts.title = QStringLiteral("%1 %2 have fewer than %3 characters.")
                           .arg(n)
                           .arg(noun(true, n))
                           .arg(options.minTextChars);
    shortTexts.advice =
        QStringLiteral("They say too little to learn from. The fix leaves them out of training.");
    shortTexts.fix = HealthFix::RemoveLabels;
    shortTexts.fixLabel = QStringLiteral("Leave Them Out");
    findings.push_back(std::move(shortTexts));
  }
  for (HealthFinding& finding : findings)
    finding.id = idOf(finding.kind, finding.keys.isEmpty() ? finding.files : finding.keys, finding.className);
  return findings;
}

void healthFixLabels(const HealthFinding& finding, QStringList& keys, QStringList& classNames) {
  keys.clear();
  classNames.clear();
  if (finding.fix == HealthFix::RemoveLabels) {
    keys = finding.keys;
  } else if (finding.fix == HealthFix::KeepOneCopy) {
    for (const QStringList& group : finding.groups) keys << group.mid(1);
  }
  classNames = QStringList(keys.size(), QString());
}

}  // namespace attune
