#pragma once
// Running an ONNX export in ONNX Runtime, an independent runtime, to check it gives Attune's answers:
// Node.js with npm onnxruntime-node (installer/fetch_onnxruntime.sh puts it in Attune's cache folder)
// and Attune's runner script (core/eval/onnx_run.js, built into Attune). No LibTorch here.

#include "core/common/Result.h"
#include "core/eval/Predictor.h"

#include <QString>

#include <optional>
#include <vector>

namespace attune {

inline constexpr char kOnnxRuntimeNodeVersion[] = "1.30.0";

struct OnnxRuntimeLocation {
  QString node;     // the node program
  QString modules;  // the folder holding node_modules/onnxruntime-node
};

// Where ONNX Runtime is: ATTUNE_ONNXRUNTIME_NODE (a folder holding node_modules/onnxruntime-node), else
// attuneCacheFolder()/onnxruntime-node-VERSION; and `node` on the PATH. nullopt when either is missing,
// with `whyNot` saying what to do.
std::optional<OnnxRuntimeLocation> findOnnxRuntime(QString* whyNot = nullptr);

// The "probabilities" output of `model` in ONNX Runtime for `inputs` (one row per example). Errors: the
// model does not load or run there (ONNX Runtime's reason), no such output.
Result<std::vector<std::vector<double>>> onnxRuntimeProbabilities(const OnnxRuntimeLocation& runtime,
                                                                  const QString& model,
                                                                  const std::vector<ModelInput>& inputs);

}  // namespace attune
