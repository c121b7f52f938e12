#include "core/data/ImageFolderScanner.h"

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
  QImageReader reader(path);
  if (!reader.canRead()) return QStringLiteral("cannot be decoded: ") + reader.errorString();
  if (reader.format().isEmpty()) return QStringLiteral("cannot be decoded: unknown image format");
  const QSize size = reader.size();
  if (!size.isValid() || size.isEmpty())
    return QStringLiteral("cannot be decoded: the image size cannot be read");
  return {};
}

void addWarnings(DataReport& report) {
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

}  // namespace

bool hasImageExtension(const QFileInfo& info) {
  static const QSet<QString> kExtensions = {QStringLiteral("jpg"), QStringLiteral("jpeg"),
                                            QStringLiteral("png"), QStringLiteral("bmp"),
                                            QStringLiteral("webp")};
  return kExtensions.contains(info.suffix().toLower());
}

Result<ImageFolder> scanImageFolder(const QString& root) {
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
  QStringList classes = rootDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::NoSort);
  std::sort(classes.begin(), classes.end());

  // Hidden files such as .DS_Store are listed too, so the report accounts for every file.
  const QDir::Filters fileFilter = QDir::Files | QDir::Hidden | QDir::System;
  for (const QFileInfo& stray : rootDir.entryInfoList(fileFilter, QDir::Name))
    report.skipped.push_back({stray.absoluteFilePath(), QStringLiteral("not in a class folder")});

  if (classes.size() < kMinClasses)
    return Error(
        ErrorCode::NotEnoughData,
        QStringLiteral("'%1' has %2.")
            .arg(folder.root, plural(int(classes.size()), "class folder", "class folders")),
        QStringLiteral("Attune needs at least two classes: put each class's images in its own sub-folder "
                       "of '%1' (for example '%1/cat' and '%1/dog').")
            .arg(folder.root));

  struct Candidate {
    QString path;
    int label;
    QString reason;  // filled by the header check
  };
  std::vector<Candidate> candidates;
  for (int label = 0; label < classes.size(); ++label) {
    const QDir classDir(rootDir.filePath(classes[label]));
    QStringList names = classDir.entryList(fileFilter, QDir::NoSort);
    std::sort(names.begin(), names.end());
    for (const QString& name : names) {
      const QFileInfo info(classDir.filePath(name));
      if (hasImageExtension(info))
        candidates.push_back({info.absoluteFilePath(), label, {}});
      else
        report.skipped.push_back({info.absoluteFilePath(), QStringLiteral("not an image")});
    }
    for (const QString& nested : classDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
      report.skipped.push_back(
          {classDir.absoluteFilePath(nested), QStringLiteral("folder inside a class folder (not searched)")});
  }

  // Header checks are mostly waiting on the disk, so they run in parallel on large folders.
  QtConcurrent::blockingMap(candidates,
                            [](Candidate& candidate) { candidate.reason = unusableReason(candidate.path); });

  report.classes = classes;
  report.classCounts.assign(size_t(classes.size()), 0);
  std::vector<int> skippedPerClass(size_t(classes.size()), 0);
  for (Candidate& candidate : candidates) {
    if (candidate.reason.isEmpty()) {
      folder.samples.push_back({candidate.path, candidate.label});
      ++report.classCounts[size_t(candidate.label)];
    } else {
      report.skipped.push_back({candidate.path, candidate.reason});
      ++skippedPerClass[size_t(candidate.label)];
    }
  }

  QStringList tooSmall;
  for (int label = 0; label < classes.size(); ++label) {
    if (report.classCounts[size_t(label)] >= kMinImagesPerClass) continue;
    QString line =
        QStringLiteral("'%1' has %2")
            .arg(classes[label], plural(report.classCounts[size_t(label)], "usable image", "usable images"));
    if (skippedPerClass[size_t(label)] > 0)
      line += QStringLiteral(" (%1 could not be read)").arg(skippedPerClass[size_t(label)]);
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

  std::sort(report.skipped.begin(), report.skipped.end(),
            [](const SkippedFile& a, const SkippedFile& b) { return a.path < b.path; });
  folder.classes = classes;
  addWarnings(report);
  return folder;
}

}  // namespace attune
