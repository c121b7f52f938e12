#pragma once
// Labels in and out of Attune, in forms other tools read: a CSV of file (or text) and label, both
// ways; Label Studio's JSON (tasks with `choices` annotations in; annotations and the model's
// predictions out); and the labelled images copied into one folder per class. The user's own files
// are never moved or changed: imported labels become labels made in Attune (the label journal).

#include "core/common/Result.h"
#include "core/project/Project.h"

#include <QHash>
#include <QString>
#include <QStringList>

namespace attune {

// Every item of the project (images in class folders and the unlabelled pool, or every text of the
// table) with its class now: the data's label with the labels made in Attune on top.
struct ProjectItems {
  TaskKind task = TaskKind::ImageClassification;
  QString root;         // images: the image folder (absolute)
  QStringList keys;     // the label journal's keys (ProjectData.h), in file order
  QStringList items;    // image paths (absolute), or the texts
  QStringList classes;  // per item: its class now, empty when it has none
};
Result<ProjectItems> readProjectItems(const Project& project);

// Labels read from another tool's file, matched to the project's items.
struct LabelImport {
  QStringList keys;        // the items matched ...
  QStringList classNames;  // ... and the label each gets (same index)
  int rows = 0;            // rows or tasks read
  QStringList notes;       // what was not used, and why (one line per kind of problem)
};

// A CSV or TSV with a label column ("label", "class" or "category") and a column naming the item:
// images by "file", "path", "image" or "filename" (a path relative to the image folder, an absolute
// path, or a file name found once in the folder); texts by "text" (every row with that text).
// Rows with an empty label are passed over. Errors: the file cannot be read, it lacks those columns.
Result<LabelImport> importLabelsCsv(const Project& project, const QString& path);

// A Label Studio JSON export (a list of tasks): each task's latest annotation that was not cancelled
// with one `choices` answer labels the item its `data` names (an image's URL or path, matched by its
// path under the image folder or its file name, upload prefixes removed; or the text).
Result<LabelImport> importLabelStudio(const Project& project, const QString& path);

// Every item with its class now, as "file,label" (the path relative to the image folder) or
// "text,label"; unlabelled items have an empty label.
Status exportLabelsCsv(const Project& project, const QString& path);

// A model's answer for an item, for Label Studio's pre-annotations.
struct ItemPrediction {
  QString className;
  double score = 0.0;
};

// Label Studio tasks: every item (an image as a local-files URL relative to the image folder, or the
// text), its label as an annotation, and the model's suggestion (when given) as a prediction whose
// model version is `modelVersion`. The label config to use in Label Studio is in the README.
Status exportLabelStudio(const Project& project, const QString& path,
                         const QHash<QString, ItemPrediction>& predictions = {},
                         const QString& modelVersion = {});

// Copies every labelled image into directory/<class>/ (a name taken twice gets "-2", "-3"...). The
// directory must be new or empty. Returns how many images were copied. Texts cannot be exported so.
Result<int> exportClassFolders(const Project& project, const QString& directory);

}  // namespace attune
