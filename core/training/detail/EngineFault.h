#pragma once
// Internal: fault injection for the tests of the engine boundary (core/common/EngineBoundary.h).
// The header has no LibTorch in it, so that the plain parts of core (evaluation, suggestions, export)
// can fire a fault too; the fault itself is a real LibTorch failure.

namespace attune::detail {

// Where a path's engine work starts; each is named in ATTUNE_FAULT_ENGINE by the word after it.
enum class EngineFaultSite {
  Predict,   // "predict": Predictor::predictImages / predictTexts, before the forward passes
  LrFind,    // "lr_find": findLearningRate, once the model is set up, before the first step
  Evaluate,  // "evaluate": evaluate(), before the predictor answers
  Suggest,   // "suggest": suggestLabels, once the run's model is open
  Export,    // "export": exportModel, once the weights are copied into the unfinished folder
  Prepare,   // "prepare": prepareModel (training, the LR finder, opening a run's model)
};

// When the environment variable ATTUNE_FAULT_ENGINE names `site` (a comma-separated list may name
// several), runs an invalid LibTorch operation, so that a genuine c10::Error (a first line and a
// C++ backtrace) is thrown from here. Does nothing otherwise (the variable is read on every call).
void injectEngineFault(EngineFaultSite site);

}  // namespace attune::detail
