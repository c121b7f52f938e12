#include "core/data/ImageFolderScanner.h"
#include "core/data/ImageFile.h"

#include "core/data/detail/Plural.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QSet>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>

namespace attune {

using detail::plural;

namespace {

// Below this a class is too small to learn from or to measure on; it is a warning, not an error,
// because a first experiment with a handful of images is still worth running.
constexpr int kFewImagesPerClass = 10;
// Largest class at least this many times the smallest: accuracy then hides a weak minority class.
constexpr int kImbalanceRatio = 3;
constexpr int kMinImagesPerClass = 2;
constexpr int kMinClasses = 2;

// Empty when the file can be used, else why not. Reads only the header: no pixel is decoded.
QString unusableReason(const QString& path) {
  ImageFile file(path);
  if (file.error()) return QStringLiteral("cannot be read: ") + file.error()->message;
  QImageReader& reader = file.reader();
  if (!reader.canRead()) return QStringLiteral("cannot be decoded: ") + reader.errorString();
  if (reader.format().isEmpty()) return QStringLiteral("cannot be decoded: unknown image format");
  const QSize size = reader.size();
  if (!size.isValid() || size.isEmpty())
    return QStringLiteral("cannot be decoded: the image size cannot be read");
  return {};
}

}  // namespace

void addClassWarnings(DataReport& report) {
  if (report.classes.isEmpty() || report.classCounts.size() != size_t(report.classes.size())) return;
  const auto [smallest, largest] = std::minmax_element(report.classCounts.begin(), report.classCounts.end());
  for (int i = 0; i < report.classes.size(); ++i) {
    const int count = report.classCounts[size_t(i)];
    if (count < kFewImagesPerClass)
      report.warnings << QStringLiteral(
                             "Class '%1' has only %2; at least %3 per class give more reliable results.")
                             .arg(report.classes[i], plural(count, "image", "images"))
                             .arg(kFewImagesPerClass);
  }
  if (*largest >= kImbalanceRatio * *smallest) {
    const int largestIndex = int(largest - report.classCounts.begin());
    const int smallestIndex = int(smallest - report.classCounts.begin());
    report.warnings << QStringLiteral(
                           "The classes are unbalanced: '%1' has %2 but '%3' only %4. The model may learn to "
                           "favour '%1'; consider adding images to the smaller classes.")
                           .arg(report.classes[largestIndex], plural(*largest, "image", "images"),
                                report.classes[smallestIndex], QString::number(*smallest));
  }
}

bool hasImageExtension(const QFileInfo& info) {
  static const QSet<QString> kExtensions = {QStringLiteral("jpg"), QStringLiteral("jpeg"),
                                            QStringLiteral("png"), QStringLiteral("bmp"),
                                            QStringLiteral("webp")};
  return kExtensions.contains(info.suffix().toLower());
}

bool isUnsortedFolderName(const QString& name) {
  const QString lower = name.toLower();
  return lower == QLatin1String("unsorted") || lower == QLatin1String("unlabelled") ||
         lower == QLatin1String("unlabeled");
}

Result<ImageFolder> scanImagePool(const QString& root) {
  const QFileInfo rootInfo(root);
  if (!rootInfo.exists())
    return Error(ErrorCode::FileNotFound, QStringLiteral("The folder '%1' does not exist.").arg(root),
                 QStringLiteral("Check the path, or choose the folder that holds one sub-folder per class."));
  if (!rootInfo.isDir())
    return Error(ErrorCode::BadFormat, QStringLiteral("'%1' is a file, not a folder.").arg(root),
                 QStringLiteral("Choose the folder that holds one sub-folder per class."));

  ImageFolder folder;
  folder.root = rootInfo.absoluteFilePath();
  const QDir rootDir(folder.root);
  DataReport& report = folder.report;

  // QDir's own sorting can be locale-aware; a plain code-point sort keeps class indices identical on
  // every machine, which a saved model's label order depends on.
  QStringList classes;
  QStringList pools;
  for (const QString& name : rootDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::NoSort))
    (isUnsortedFolderName(name) ? pools : classes) << name;
  std::sort(classes.begin(), classes.end());
  std::sort(pools.begin(), pools.end());

  struct Candidate {
    QString path;
    int label;       // -1: no class yet
    QString reason;  // filled by the header check
  };
  std::vector<Candidate> candidates;
  // Hidden files such as .DS_Store are listed too, so the report accounts for every file.
  const QDir::Filters fileFilter = QDir::Files | QDir::Hidden | QDir::System;
  const auto addFolder = [&](const QDir& dir, int label, bool searchNested) {
    QStringList names = dir.entryList(fileFilter, QDir::NoSort);
    std::sort(names.begin(), names.end());
    for (const QString& name : names) {
      const QFileInfo info(dir.filePath(name));
      if (hasImageExtension(info))
        candidates.push_back({info.absoluteFilePath(), label, {}});
      else
        report.skipped.push_back({info.absoluteFilePath(), QStringLiteral("not an image")});
    }
    if (!searchNested) return;
    for (const QString& nested : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
      // QDir lists a link to a device among the folders too; it was reported above as a file.
      if (QFileInfo(dir.filePath(nested)).isDir())
        report.skipped.push_back(
            {dir.absoluteFilePath(nested), QStringLiteral("folder inside a class folder (not searched)")});
  };
  addFolder(rootDir, -1, false);  // images at the top have no class yet
  for (const QString& pool : pools) addFolder(QDir(rootDir.filePath(pool)), -1, true);
  for (int label = 0; label < classes.size(); ++label)
    addFolder(QDir(rootDir.filePath(classes[label])), label, true);

  // Header checks are mostly waiting on the disk, so they run in parallel on large folders.
  QtConcurrent::blockingMap(candidates,
                            [](Candidate& candidate) { candidate.reason = unusableReason(candidate.path); });

  report.classes = classes;
  report.classCounts.assign(size_t(classes.size()), 0);
  for (Candidate& candidate : candidates) {
    if (!candidate.reason.isEmpty())
      report.skipped.push_back({candidate.path, candidate.reason});
    else if (candidate.label < 0)
      folder.unlabelled.push_back(candidate.path);
    else {
      folder.samples.push_back({candidate.path, candidate.label});
      ++report.classCounts[size_t(candidate.label)];
    }
  }
  std::sort(folder.unlabelled.begin(), folder.unlabelled.end());
  report.unlabelled = int(folder.unlabelled.size());
  std::sort(report.skipped.begin(), report.skipped.end(),
            [](const SkippedFile& a, const SkippedFile& b) { return a.path < b.path; });
  folder.classes = classes;
  addClassWarnings(report);
  return folder;
}

Status checkImageClasses(const ImageFolder& folder) {
  const QStringList& classes = folder.classes;
  const DataReport& report = folder.report;
  if (classes.size() < kMinClasses)
    return Error(
        ErrorCode::NotEnoughData,
        QStringLiteral("'%1' has %2.")
            .arg(folder.root, plural(int(classes.size()), "class folder", "class folders")),
        QStringLiteral("Attune needs at least two classes: put each class's images in its own sub-folder "
                       "of '%1' (for example '%1/cat' and '%1/dog')%2.")
            .arg(folder.root, folder.unlabelled.empty()
                                  ? QString()
                                  : QStringLiteral(", or label its %1 in Attune's Label tab")
                                        .arg(plural(int(folder.unlabelled.size()), "unlabelled image",
                                                    "unlabelled images"))));

  QStringList tooSmall;
  for (int label = 0; label < classes.size(); ++label) {
    const int count = label < int(report.classCounts.size()) ? report.classCounts[size_t(label)] : 0;
    if (count >= kMinImagesPerClass) continue;
    const QString classDir = QDir(folder.root).filePath(classes[label]);
    const auto unreadable =
        std::count_if(report.skipped.begin(), report.skipped.end(), [&](const SkippedFile& f) {
          return f.reason.startsWith(QLatin1String("cannot be ")) &&  // decoded, or read
                 QFileInfo(f.path).absolutePath() == classDir;
        });
    QString line =
        QStringLiteral("'%1' has %2").arg(classes[label], plural(count, "usable image", "usable images"));
    if (unreadable > 0) line += QStringLiteral(" (%1 could not be read)").arg(unreadable);
    tooSmall << line;
  }
  if (!tooSmall.isEmpty())
    return Error(
        ErrorCode::NotEnoughData,
        QStringLiteral("Every class needs at least %1 images, but class %2.")
            .arg(kMinImagesPerClass)
            .arg(tooSmall.join(QStringLiteral("; class "))),
        QStringLiteral("Add images to %1 in '%2', or remove %3.")
            .arg(QLatin1String(tooSmall.size() == 1 ? "that class's folder" : "those classes' folders"),
                 folder.root, QLatin1String(tooSmall.size() == 1 ? "the folder" : "them")));
  return {};
}

Result<ImageFolder> scanImageFolder(const QString& root) {
  auto folder = scanImagePool(root);
  if (!folder) return folder.error();
  if (auto checked = checkImageClasses(*folder); !checked) return checked.error();
  return folder;
}

}  // namespace attune
