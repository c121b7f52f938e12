#pragma once
// Dataset health before training: what in the project's data (with the labels made in Attune) would
// mislead or weaken a model, in plain words, each finding with the items it is about and the one fix
// it offers. Exact duplicates are found by content (SHA-256 of the file, or the text), so renamed
// copies count too.

#include "core/common/Result.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

enum class HealthKind {
  DuplicateAcrossClasses,  // the same image or text with two different labels
  DuplicateAcrossSplit,    // the same example in training and in validation: validation reads too well
  DuplicateInClass,        // the same example twice in one class (and split): counted twice
  SmallClass,              // a class with few examples
  Imbalance,               // the largest class many times the smallest
  Unreadable,              // files or rows that cannot be used
  TinyImage,               // images too small to show what they are
  ShortText,               // texts too short to say anything
};

// What a finding's fix button does.
enum class HealthFix {
  None,           // nothing to do automatically: "Show me" and "Ignore" only
  RemoveLabels,   // take the items' labels away (they leave training; undo brings them back)
  KeepOneCopy,    // take the labels away from every copy but the first of each group
  WeightClasses,  // train with the classes weighted in the loss (class_balance = weighted_loss)
};

struct HealthFinding {
  HealthKind kind = HealthKind::SmallClass;
  QString id;                       // stable for the same finding on the same items ("ignore" remembers it)
  QString title;                    // one line: "4 images are in two classes at once"
  QString advice;                   // what it means and what to do
  QStringList keys;                 // the items (label journal keys, ProjectData.h); empty for Unreadable
  std::vector<QStringList> groups;  // duplicates: the keys of each group of copies
  QStringList files;                // Unreadable: the files or rows, as the data panel names them
  QString className;                // SmallClass: the class
  HealthFix fix = HealthFix::None;
  QString fixLabel;  // the fix button's text ("Leave the Copies Out")
};

struct HealthOptions {
  int fewPerClass = 10;       // a class with fewer examples is small
  double imbalanceRatio = 3;  // largest / smallest at or above this is imbalanced
  // Pixels: a smaller side is tiny, or half the data's median side when that is less (a set of small
  // images, such as 28-pixel digits, is not tiny as a whole).
  int minImageSide = 32;
  int minTextChars = 3;  // a shorter text (trimmed) is too short
};

// Every finding, the most serious first. Errors: the project's data cannot be read at all.
Result<std::vector<HealthFinding>> checkDatasetHealth(const Project& project,
                                                      const HealthOptions& options = {});

// The label changes a finding's fix makes (RemoveLabels and KeepOneCopy): keys[i] gets classNames[i]
// (empty: no label). Other fixes change no label.
void healthFixLabels(const HealthFinding& finding, QStringList& keys, QStringList& classNames);

}  // namespace attune
