#pragma once
#include <QString>

namespace attune {

// One text of a dataset.
struct TextSample {
  QString text;
  int label = -1;  // index into the dataset's class list; -1: unlabelled
  int line = 0;    // where it is in the file: a line, or an entry of a JSON array (TextTable::numbering)
};

}  // namespace attune
