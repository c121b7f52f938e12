#pragma once
// The names of an Attune model export's files and its format version: written by core/export
// (ModelExport.h), read by Predictor::openExport. Here, below both, so that eval does not include
// the export layer above it.

namespace attune {

inline constexpr int kModelExportFormatVersion = 1;
inline constexpr char kModelExportManifest[] = "attune-export.json";
inline constexpr char kModelExportWeights[] = "model.safetensors";

}  // namespace attune
