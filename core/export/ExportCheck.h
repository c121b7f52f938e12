#pragma once
// The parity check after an export: the exported model runs on the run's validation examples and its
// answers are compared with the run's own model on the very same input tensors. The Attune folder runs
// through Attune's Predictor; model.onnx through ONNX Runtime (OnnxRuntimeRunner.h) when it is found
// here, else the check says so and checks the folder's own model instead.

#include "core/common/Result.h"
#include "core/export/ModelExport.h"
#include "core/project/Project.h"

#include <QString>

namespace attune {

struct ExportCheck {
  bool ranExportedFile = false;    // false: model.onnx could not be run here (`note` says why)
  QString runtime;                 // what ran the export: "Attune", "ONNX Runtime 1.30.0"
  int examples = 0;                // compared
  int sameClass = 0;               // of those, where both models chose the same class
  double largestDifference = 0.0;  // the largest |probability difference| over examples and classes
  QString note;

  // "The exported model gives the same class on N of N examples; largest probability difference X
  // (run in R)." plus the note.
  QString summary() const;
};

// At most `maxExamples` of the run's validation examples (a k-fold run's fold: of the project's labelled
// examples). Errors: the run's data is gone, the export
// cannot be opened, ONNX Runtime fails on the file (its reason).
// At most 64 by default: ONNX Runtime takes them as one batch.
Result<ExportCheck> checkExport(const Project& project, const ModelExport& exported, int maxExamples = 64);

}  // namespace attune
