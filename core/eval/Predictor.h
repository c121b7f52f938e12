#pragma once
// The trained model of a run, ready to classify new texts or images: what "Try it" and
// `attune-cli predict` use. Built from the run's own files (config.json and a checkpoint), so it
// predicts exactly as the run validated.
//
// One Predictor serves one thread at a time (the GUI calls it from one worker at a time).

#include "core/common/Result.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

#include <QByteArray>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attune {

struct TrainedModelSettings;

// One input tensor of a model, as its ONNX export names it: raw little-endian data, row-major.
struct ModelInput {
  std::string name;   // "pixel_values", "input_ids", "attention_mask"
  std::string dtype;  // "float32" or "int64"
  std::vector<int64_t> shape;
  QByteArray data;
};

struct PredictorOptions {
  // Which checkpoint of the run: "best" (best.safetensors, else last), "last", or an epoch number
  // (its epoch-N.safetensors, or the best or last checkpoint when that is from the epoch).
  QString checkpoint = QStringLiteral("best");
};

class Predictor {
 public:
  // Opens runs/<id>/ (a run folder). Errors, each saying what to do: no config.json, settings that
  // no longer validate, no checkpoint yet (no epoch finished), the pre-trained files the model was
  // built from are gone (word vectors, a BERT folder: its tokenizer is needed), a damaged checkpoint.
  static Result<std::unique_ptr<Predictor>> openRun(const QString& runDirectory,
                                                    const PredictorOptions& options = {});
  // Opens a folder written by exportModel (its attune-export.json and model.safetensors). Errors: not
  // an export, a damaged or newer manifest, its weights or base files gone, a damaged checkpoint.
  static Result<std::unique_ptr<Predictor>> openExport(const QString& exportDirectory);
  ~Predictor();
  Predictor(const Predictor&) = delete;
  Predictor& operator=(const Predictor&) = delete;

  TaskKind task() const;
  const QStringList& classes() const;
  QString runId() const;
  QString checkpointPath() const;
  int checkpointEpoch() const;  // the epoch the checkpoint was saved after (0: unknown)

  // Class probabilities (in classes() order, summing to 1) of each text. Errors: an image model.
  Result<std::vector<std::vector<double>>> predictTexts(const QStringList& texts);
  // ... of each image file; an image that cannot be read gets an empty row and its reason in
  // `failures` (same index). Errors: a text model.
  Result<std::vector<std::vector<double>>> predictImages(const QStringList& paths,
                                                         QStringList* failures = nullptr);

  // The input tensors the model computes the texts' or images' probabilities from, in its ONNX export's
  // layout: texts as input_ids and attention_mask (int64 [N, L], padded to the longest text), images
  // decoded as for validation into pixel_values (float32 [N, 3, S, S]). Images that cannot be read are
  // left out; `kept` gets the indices of those that are in.
  Result<std::vector<ModelInput>> textInputs(const QStringList& texts);
  Result<std::vector<ModelInput>> imageInputs(const QStringList& paths, std::vector<int>* kept = nullptr);
  // The class probabilities computed from such tensors (one row per example, in batches of 32).
  Result<std::vector<std::vector<double>>> predictInputs(const std::vector<ModelInput>& inputs);

  // The model as the bytes of an ONNX file (opset 17, inputs and outputs as detail/OnnxModel.h names
  // them), passed by ONNX's checker with full shape inference; `metadata` goes to its metadata_props.
  // Errors: a layer that ONNX cannot express (named), with what to do instead.
  Result<QByteArray> onnxModel(const std::vector<std::pair<std::string, std::string>>& metadata) const;

 private:
  struct Impl;
  static Result<std::unique_ptr<Predictor>> open(TrainedModelSettings settings, const QString& checkpoint);
  explicit Predictor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> d;
};

}  // namespace attune
