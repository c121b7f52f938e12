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

#include <memory>
#include <vector>

namespace attune {

struct TrainedModelSettings;

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

 private:
  struct Impl;
  static Result<std::unique_ptr<Predictor>> open(TrainedModelSettings settings, const QString& checkpoint);
  explicit Predictor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> d;
};

}  // namespace attune
