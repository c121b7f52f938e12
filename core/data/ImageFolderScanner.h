#pragma once
// Imports a folder with one sub-folder per class: root/<class>/<image>. Class names are the
// sub-folder names, sorted. jpg/jpeg, png, bmp and webp files are checked (header only, fast) and
// anything else, or anything unreadable, is listed in the report instead of being used.

#include "core/common/Result.h"
#include "core/data/DataReport.h"
#include "core/data/ImageSample.h"

#include <QFileInfo>
#include <QStringList>

#include <vector>

namespace attune {

struct ImageFolder {
  QString root;                      // absolute
  QStringList classes;               // sorted
  std::vector<ImageSample> samples;  // sorted by class, then path
  DataReport report;
};

// Errors (ErrorCode::NotEnoughData / FileNotFound / BadFormat) with a message saying what to do:
// the folder does not exist; fewer than two class folders; a class with fewer than 2 usable images.
Result<ImageFolder> scanImageFolder(const QString& root);

// Whether a file's extension is one of the image formats Attune reads (jpg, jpeg, png, bmp, webp).
bool hasImageExtension(const QFileInfo& info);

}  // namespace attune
