#pragma once
// Imports a folder with one sub-folder per class: root/<class>/<image>. Class names are the
// sub-folder names, sorted. Images with no class yet lie at the top of the folder or in a sub-folder
// named "unsorted" (or "unlabelled"/"unlabeled", any case): they are the unlabelled pool, labelled in
// Attune. jpg/jpeg, png, bmp and webp files are checked (header only, fast) and anything else, or
// anything unreadable, is listed in the report instead of being used.

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
  std::vector<QString> unlabelled;   // absolute paths of usable images without a class, sorted
  DataReport report;
};

// Adds the report's findings about its classes: classes with few images, and unbalanced classes.
void addClassWarnings(DataReport& report);

// Whether a sub-folder of that name holds unlabelled images rather than a class.
bool isUnsortedFolderName(const QString& name);

// Every usable image of the folder, in class folders or in the unlabelled pool, with no demand on the
// classes (for labelling). Errors (FileNotFound / BadFormat): the folder does not exist or is a file.
Result<ImageFolder> scanImagePool(const QString& root);

// Whether the folder's classes can be trained on; errors (NotEnoughData) say what to do: fewer than
// two classes, or a class with fewer than 2 usable images.
Status checkImageClasses(const ImageFolder& folder);

// scanImagePool, then checkImageClasses.
Result<ImageFolder> scanImageFolder(const QString& root);

// Whether a file's extension is one of the image formats Attune reads (jpg, jpeg, png, bmp, webp).
bool hasImageExtension(const QFileInfo& info);

}  // namespace attune
