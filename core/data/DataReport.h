#pragma once
// What a dataset import found: files it skipped and why, counts per class, and warnings in plain words.

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

struct SkippedFile {
  QString path;
  QString reason;  // "not an image", "cannot be decoded: ...", ...
};

struct DataReport {
  QStringList classes;
  std::vector<int> classCounts;      // images per class, same order as classes
  std::vector<SkippedFile> skipped;  // unreadable or non-image files
  int unlabelled = 0;                // usable images without a class yet (the unlabelled pool)
  QStringList warnings;              // plain-language findings ("Class 'cat' has only 3 images ...")

  int imageCount() const;
  // A few lines for a console or a dialog.
  QString summary() const;
};

}  // namespace attune
