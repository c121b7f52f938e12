#include "core/dataset/DatasetHealth.h"
#include "core/data/ImageFile.h"

#include "core/data/StratifiedSplit.h"
#include "core/dataset/LabelExchange.h"
#include "core/dataset/ProjectData.h"

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

// Adds `finding` when it is about any item or file, with its words and its fix.
void add(std::vector<HealthFinding>& findings, HealthFinding& finding, const QString& title,
         const QString& advice, HealthFix fix = HealthFix::None, const QString& fixLabel = {}) {
  if (finding.keys.isEmpty() && finding.files.isEmpty()) return;
  finding.title = title;
  finding.advice = advice;
  finding.fix = fix;
  finding.fixLabel = fixLabel;
  findings.push_back(std::move(finding));
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
  const auto copiesOf = [texts](const HealthFinding& finding) {
    return QStringLiteral("%1 %2").arg(finding.keys.size()).arg(noun(texts, int(finding.keys.size())));
  };
  add(findings, acrossClasses,
      copiesOf(acrossClasses) + QStringLiteral(" are copies of each other with different labels."),
      QStringLiteral(
          "The model is told one example is two things at once. Decide which label is right: the fix "
          "takes their labels away so that you can label them again (Undo brings them back)."),
      HealthFix::RemoveLabels, QStringLiteral("Take Their Labels Away"));
  add(findings, acrossSplit,
      copiesOf(acrossSplit) + QStringLiteral(" are in both training and validation (exact copies)."),
      QStringLiteral(
          "The model is checked on examples it learned from, so the validation figures read better than "
          "the model is. The fix keeps one copy of each and leaves the others out of training."),
      HealthFix::KeepOneCopy, QStringLiteral("Leave the Copies Out"));
  add(findings, inClass, copiesOf(inClass) + QStringLiteral(" are exact copies within their class."),
      QStringLiteral("Copies count twice in training and add nothing new. The fix keeps one of each."),
      HealthFix::KeepOneCopy, QStringLiteral("Leave the Copies Out"));

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
  int tinyBelow = options.minImageSide;
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
        if (file.reason.startsWith(QLatin1String("cannot be ")))  // decoded, or read
          unreadable.files << QStringLiteral("%1: %2").arg(imageItemKey(pool->root, file.path), file.reason);
    std::vector<int> all(size_t(items->keys.size()));
    std::iota(all.begin(), all.end(), 0);
    const std::vector<QSize> sizes = QtConcurrent::blockingMapped<std::vector<QSize>>(all, [&](int i) {
      ImageFile file(items->items[i]);
      return file.error() ? QSize() : file.reader().size();
    });
    // Small against the data's own images: a set of 28-pixel digits is not "tiny", a 20-pixel
    // thumbnail among photos is.
    std::vector<int> sides;
    for (const QSize& size : sizes)
      if (size.isValid()) sides.push_back(std::min(size.width(), size.height()));
    if (!sides.empty()) {
      std::nth_element(sides.begin(), sides.begin() + long(sides.size() / 2), sides.end());
      const int threshold = std::min(options.minImageSide, sides[sides.size() / 2] / 2);
      for (size_t i = 0; i < sizes.size(); ++i)
        if (sizes[i].isValid() && std::min(sizes[i].width(), sizes[i].height()) < threshold)
          tiny.keys << items->keys[qsizetype(i)];
      tinyBelow = threshold;
    }
  }
  const int unusable = int(unreadable.files.size());
  add(findings, unreadable,
      texts ? QStringLiteral("%1 rows of the table cannot be used.").arg(unusable)
            : QStringLiteral("%1 files cannot be read as images.").arg(unusable),
      texts ? QStringLiteral("They are left out of training. Mend them in the table if they matter.")
            : QStringLiteral(
                  "They are left out of training. Open them in another program to see what is wrong, "
                  "or remove them from the folder."));
  add(findings, tiny,
      QStringLiteral("%1 %2 smaller than %3 pixels on a side.")
          .arg(QStringLiteral("%1 %2").arg(tiny.keys.size()).arg(noun(false, int(tiny.keys.size()))),
               tiny.keys.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"))
          .arg(tinyBelow),
      QStringLiteral(
          "Scaled up to the model's input they are mostly blur. The fix leaves them out of training "
          "(they keep no label)."),
      HealthFix::RemoveLabels, QStringLiteral("Leave Them Out"));
  add(findings, shortTexts,
      QStringLiteral("%1 %2 fewer than %3 characters.")
          .arg(QStringLiteral("%1 %2")
                   .arg(shortTexts.keys.size())
                   .arg(noun(true, int(shortTexts.keys.size()))),
               shortTexts.keys.size() == 1 ? QStringLiteral("has") : QStringLiteral("have"))
          .arg(options.minTextChars),
      QStringLiteral("They say too little to learn from. The fix leaves them out of training."),
      HealthFix::RemoveLabels, QStringLiteral("Leave Them Out"));
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
