#pragma once
#include <QString>

namespace attune {

// One labelled image of a dataset. `path` is absolute.
struct ImageSample {
  QString path;
  int label = -1;  // index into the dataset's class list
};

}  // namespace attune
