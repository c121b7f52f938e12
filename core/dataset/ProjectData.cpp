#include "core/dataset/ProjectData.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace attune {
namespace {

// The relabelled classes without those no item has, and the labels re-indexed to match.
RelabelledItems withoutEmptyClasses(RelabelledItems items) {
  std::vector<int> counts(size_t(items.classes.size()), 0);
  for (int label : items.labels)
    if (label >= 0) ++counts[size_t(label)];
  std::vector<int> index(counts.size(), -1);
  QStringList kept;
  for (size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) {
      index[c] = int(kept.size());
      kept << items.classes[qsizetype(c)];
    }
  items.classes = kept;
  for (int& label : items.labels)
    if (label >= 0) label = index[size_t(label)];
  return items;
}

}  // namespace

QString imageItemKey(const QString& root, const QString& path) {
  // The common case, fast (every image of a large folder gets its key on each relabelling): a path
  // the scanner made under the root.
  if (!root.isEmpty() && path.size() > root.size() + 1 && path.startsWith(root) &&
      path[root.size()] == QLatin1Char('/') && !root.endsWith(QLatin1Char('/')))
    return path.mid(root.size() + 1);
  return QDir(root).relativeFilePath(path);
}

QString textItemKey(const QString& table, int line) {
  return QStringLiteral("%1:%2").arg(QFileInfo(table).fileName()).arg(line);
}

Result<LabelState> projectLabelState(const Project& project) {
  if (project.filePath.isEmpty()) return LabelState{};
  const QString path = LabelJournal::pathFor(project.filePath);
  if (!QFileInfo::exists(path)) return LabelState{};
  auto journal = LabelJournal::open(path);
  if (!journal) return journal.error();
  return (*journal)->state();
}

namespace {
bool hasChanges(const LabelState& state) {
  return !state.itemLabels.empty() || !state.classMap.empty() || !state.addedClasses.isEmpty();
}
}  // namespace

void applyLabels(const LabelState& state, ImageFolder& folder) {
  if (!hasChanges(state)) return;
  QStringList keys;
  QStringList dataLabels;
  std::vector<QString> paths;
  paths.reserve(folder.samples.size() + folder.unlabelled.size());
  for (const ImageSample& sample : folder.samples) {
    paths.push_back(sample.path);
    dataLabels << folder.classes.value(sample.label);
  }
  for (const QString& path : folder.unlabelled) {
    paths.push_back(path);
    dataLabels << QString();
  }
  keys.reserve(qsizetype(paths.size()));
  for (const QString& path : paths) keys << imageItemKey(folder.root, path);
  const RelabelledItems items = withoutEmptyClasses(relabel(state, folder.classes, keys, dataLabels));
  std::vector<ImageSample> samples;
  std::vector<QString> unlabelled;
  samples.reserve(paths.size());
  std::vector<int> counts(size_t(items.classes.size()), 0);
  for (size_t i = 0; i < paths.size(); ++i) {
    const int label = items.labels[i];
    if (label < 0) {
      unlabelled.push_back(paths[i]);
      continue;
    }
    samples.push_back({paths[i], label});
    ++counts[size_t(label)];
  }
  // Sorted by class, then path, as the scanner gives them.
  std::sort(samples.begin(), samples.end(), [](const ImageSample& a, const ImageSample& b) {
    return a.label != b.label ? a.label < b.label : a.path < b.path;
  });
  std::sort(unlabelled.begin(), unlabelled.end());
  folder.classes = items.classes;
  folder.samples = std::move(samples);
  folder.unlabelled = std::move(unlabelled);
  folder.report.classes = items.classes;
  folder.report.classCounts = std::move(counts);
  folder.report.unlabelled = int(folder.unlabelled.size());
  // The findings about the classes are the relabelled classes' own.
  folder.report.warnings.clear();
  addClassWarnings(folder.report);
}

void applyLabels(const LabelState& state, const QString& table, TextDataset& dataset) {
  if (!hasChanges(state)) return;
  std::vector<TextSample> all;
  all.reserve(dataset.labelled.size() + dataset.unlabelled.size());
  all.insert(all.end(), dataset.labelled.begin(), dataset.labelled.end());
  all.insert(all.end(), dataset.unlabelled.begin(), dataset.unlabelled.end());
  std::stable_sort(all.begin(), all.end(),
                   [](const TextSample& a, const TextSample& b) { return a.line < b.line; });
  QStringList keys;
  QStringList dataLabels;
  for (const TextSample& sample : all) {
    keys << textItemKey(table, sample.line);
    dataLabels << dataset.classes.value(sample.label);
  }
  const RelabelledItems items = withoutEmptyClasses(relabel(state, dataset.classes, keys, dataLabels));
  dataset.labelled.clear();
  dataset.unlabelled.clear();
  for (size_t i = 0; i < all.size(); ++i) {
    TextSample sample = all[i];
    sample.label = items.labels[i];
    (sample.label >= 0 ? dataset.labelled : dataset.unlabelled).push_back(std::move(sample));
  }
  dataset.classes = items.classes;
}

Status checkTrainableImages(const LabelState& state, const ImageFolder& folder) {
  // Without labels made in Attune, the folder's own classes are checked, with what to do about them.
  if (!hasChanges(state)) return checkImageClasses(folder);
  if (folder.classes.size() < 2)
    return Error(
        ErrorCode::NotEnoughData,
        QStringLiteral("With the labels made in Attune, %1 has %2 classes; training needs at least two.")
            .arg(QDir::toNativeSeparators(folder.root))
            .arg(folder.classes.size()),
        QStringLiteral("Label images of at least two classes."));
  for (qsizetype c = 0; c < folder.classes.size(); ++c)
    if (folder.report.classCounts[size_t(c)] < 2)
      return Error(ErrorCode::NotEnoughData,
                   QStringLiteral("With the labels made in Attune, class '%1' has only %2 image.")
                       .arg(folder.classes[c])
                       .arg(folder.report.classCounts[size_t(c)]),
                   QStringLiteral("Label at least two images of each class, or delete the class."));
  return {};
}

Result<ImageFolder> readProjectImages(const Project& project) {
  auto state = projectLabelState(project);
  if (!state) return state.error();
  auto folder = scanImagePool(project.data.folder);
  if (!folder) return folder.error();
  applyLabels(*state, *folder);
  if (auto checked = checkTrainableImages(*state, *folder); !checked) return checked.error();
  return folder;
}

Result<ImageFolder> readProjectImagePool(const Project& project) {
  auto state = projectLabelState(project);
  if (!state) return state.error();
  auto folder = scanImagePool(project.data.folder);
  if (!folder) return folder.error();
  applyLabels(*state, *folder);
  return folder;
}

Result<TextDataset> readProjectTexts(const Project& project) {
  auto state = projectLabelState(project);
  if (!state) return state.error();
  TextTableReadOptions options;
  options.format = project.data.tableFormat;
  auto table = TextTable::read(project.data.table, options);
  if (!table) return table.error();
  auto dataset = TextDataset::fromTable(*table, {project.data.textColumn, project.data.labelColumn});
  if (!dataset) return dataset.error();
  applyLabels(*state, project.data.table, *dataset);
  return dataset;
}

}  // namespace attune
