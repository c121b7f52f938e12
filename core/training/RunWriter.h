#pragma once
// The files of one run under runs/<run-id>/: config.json (exact settings, versions, seed, device,
// classes), metrics.csv (one row per step and per epoch, finite numbers only) and a TensorBoard
// event file with the same curves (train/loss, lr/head, lr/backbone per step; epoch/train_loss,
// epoch/train_accuracy, val/loss, val/accuracy per epoch at the epoch's last step). Checkpoints are
// written by the engine next to them.

#include "core/common/Result.h"
#include "core/training/RunMetrics.h"
#include "core/training/TensorBoardWriter.h"
#include "core/training/TrainingJob.h"

#include <QFile>
#include <QString>

#include <memory>
#include <vector>

namespace attune {

// The file of epoch N's model when the run keeps every epoch's (checkpoint.every_epoch).
QString epochCheckpointName(int epoch);
// Every epoch's answers on the validation examples: "epoch,example,label,p0,p1,..." with the class
// probabilities in class order and the examples in the order of the run's validation split.
inline constexpr char kValidationAnswersFile[] = "val_probabilities.csv";
// Above this many numbers per epoch (examples x classes) the answers are not written.
inline constexpr int64_t kMaxValidationAnswers = 4'000'000;

// The data version: a SHA-256 over every example of both splits (its path or text, and its class
// name), in order. Two runs with the same data version saw the same examples with the same labels.
QString dataVersion(const TrainingJob& job);

class RunWriter {
 public:
  // Creates runsDir/<id>/ with a fresh id from the current time ("20261129-214503", "-2" on clashes).
  static Result<std::unique_ptr<RunWriter>> create(const QString& runsDir);
  // A fold of a cross-validation run: parent/<name>/, with the run id "<parent id>/<name>".
  static Result<std::unique_ptr<RunWriter>> createFold(const RunWriter& parent, const QString& name);
  // Opens an existing run folder to continue it (metrics.csv is appended to).
  static Result<std::unique_ptr<RunWriter>> reopen(const QString& runDir);

  const QString& runId() const { return m_runId; }
  const QString& directory() const { return m_directory; }
  QString filePath(const QString& name) const;

  Status writeConfig(const TrainingJob& job, const QString& device, int threads);
  Status append(const StepMetrics& step);
  Status append(const EpochMetrics& epoch);
  // Appends one epoch's validation answers to kValidationAnswersFile (`probabilities` holds
  // labels.size() rows of `classCount`); nothing when there are more than kMaxValidationAnswers.
  Status appendValidationAnswers(int epoch, const std::vector<int>& labels,
                                 const std::vector<float>& probabilities, int classCount);
  // A resumed run drops the rows written after its checkpoint (steps after `step`, epochs after
  // `completedEpochs`), so metrics.csv reads as one uninterrupted run.
  Status dropRowsAfter(int64_t step, int completedEpochs);

 private:
  RunWriter(QString runId, QString directory);
  static Result<std::unique_ptr<RunWriter>> startIn(QString runId, QString directory);
  Status writeRow(const QString& row);

  QString m_runId;
  QString m_directory;
  Status openEvents();

  QFile m_metrics;
  std::unique_ptr<TensorBoardWriter> m_events;
  int64_t m_lastStep = 0;  // the step the epoch scalars are shown at
};

}  // namespace attune
