#pragma once
// What happened when pre-trained weights were loaded into a model, key by key.

#include <QString>
#include <QStringList>

namespace attune {

struct WeightLoadReport {
  int loadedCount = 0;          // tensors copied from the file
  QStringList missing;          // model tensors the file lacks (outside the head: an error)
  QStringList unexpected;       // file tensors the model has no place for (ignored, reported)
  QStringList shapeMismatches;  // "layer1.0.conv1.weight: file [64,3,3,3], model [64,64,3,3]"
  QStringList freshHead;        // head tensors initialised anew for the project's classes

  // True when every backbone tensor came from the file.
  bool backboneComplete() const { return missing.isEmpty() && shapeMismatches.isEmpty(); }
  QString summary() const;
};

}  // namespace attune
