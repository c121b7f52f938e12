#include "core/common/AtomicFile.h"
#include "core/data/StratifiedSplit.h"
#include "core/data/TextTable.h"
#include "core/models/detail/StateDict.h"
#include "core/training/LoaderPolicy.h"
#include "core/training/Runtime.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/ModelSetup.h"
#include "core/training/detail/Trainer.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>

namespace attune::detail {
namespace {

// Class probabilities of the job's validation images or texts under the weights in `checkpoint`
// ([N, classes], rows of failed images are NaN).
Result<torch::Tensor> predictProbabilities(const TrainingJob& job, const QString& checkpoint) {
  const torch::Device device = computeDevice();
  auto prepared = loadTrainedModel(job.config, int(job.classes.size()), checkpoint, device);
  if (!prepared) return prepared.error();
  // Texts cannot fail to load: every row gets its probabilities, in order.
  if (job.task == TaskKind::TextClassification)
    return textProbabilities(*prepared, job.valTexts, job.config.batchSize, device);
  return imageProbabilities(*prepared, job.valSamples, job.config.batchSize, loaderWorkersFor(job.config),
                            device);
}

double mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (double v : values) sum += v;
  return values.empty() ? 0.0 : sum / double(values.size());
}

// Sample standard deviation (n - 1), as reported for cross-validation scores.
double standardDeviation(const std::vector<double>& values) {
  if (values.size() < 2) return 0.0;
  const double m = mean(values);
  double sum = 0.0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / double(values.size() - 1));
}

Status writeFile(const QString& path, const QByteArray& bytes) {
  return AtomicFile::writeFile(path, bytes);
}

}  // namespace

RunSummary runCrossValidation(const TrainingJob& job, RunWriter& writer, const TrainerControl& control) {
  RunSummary summary;
  summary.runId = writer.runId();
  summary.runDir = writer.directory();
  const int k = job.config.folds;
  const bool texts = job.task == TaskKind::TextClassification;
  std::vector<ImageSample> allImages = job.trainSamples;
  allImages.insert(allImages.end(), job.valSamples.begin(), job.valSamples.end());
  std::vector<TextSample> allTexts = job.trainTexts;
  allTexts.insert(allTexts.end(), job.valTexts.begin(), job.valTexts.end());
  std::vector<int> labels;
  for (const auto& s : allImages) labels.push_back(s.label);
  for (const auto& s : allTexts) labels.push_back(s.label);
  const std::vector<int> foldOf = stratifiedFolds(labels, k, uint64_t(job.config.seed));
  if (auto s = writer.writeConfig(job, computeDeviceName(), configureThreads(job.config.threads)); !s) {
    summary.message = s.error().text();
    return summary;
  }

  QByteArray oof = texts ? "line,label,fold,predicted" : "path,label,fold,predicted";
  for (const auto& c : job.classes) oof += ",p_" + csvField(c).toUtf8();
  oof += '\n';
  nlohmann::json folds = nlohmann::json::array();
  std::vector<double> accuracies, losses;
  double bestAccuracy = -1.0;
  for (int fold = 0; fold < k; ++fold) {
    TrainingJob foldJob = job;
    foldJob.config.folds = k;
    foldJob.fold = fold + 1;
    foldJob.trainSamples.clear();
    foldJob.valSamples.clear();
    foldJob.trainTexts.clear();
    foldJob.valTexts.clear();
    for (size_t i = 0; i < allImages.size(); ++i)
      (foldOf[i] == fold ? foldJob.valSamples : foldJob.trainSamples).push_back(allImages[i]);
    for (size_t i = 0; i < allTexts.size(); ++i)
      (foldOf[i] == fold ? foldJob.valTexts : foldJob.trainTexts).push_back(allTexts[i]);
    const size_t trainCount = texts ? foldJob.trainTexts.size() : foldJob.trainSamples.size();
    const size_t valCount = texts ? foldJob.valTexts.size() : foldJob.valSamples.size();
    auto foldWriter = RunWriter::createFold(writer, QStringLiteral("fold-%1").arg(fold + 1));
    if (!foldWriter) {
      summary.message = foldWriter.error().text();
      return summary;
    }
    control.metrics.push(RunEvent{
        RunEventKind::Info, QStringLiteral("Cross-validation fold %1 of %2: %3 %5 to train on, %4 held out.")
                                .arg(fold + 1)
                                .arg(k)
                                .arg(trainCount)
                                .arg(valCount)
                                .arg(texts ? QStringLiteral("texts") : QStringLiteral("images"))});
    // A fold is a plain run of its own; only the images, the writer and the fold number differ.
    const RunSummary result = runTraining(foldJob, **foldWriter, control);
    if (result.outcome != RunOutcome::Finished) {
      summary.outcome = result.outcome;
      summary.message = QStringLiteral("Cross-validation fold %1: %2").arg(fold + 1).arg(result.message);
      return summary;
    }
    accuracies.push_back(result.bestValAccuracy);
    losses.push_back(result.bestValLoss);
    summary.foldValAccuracies.push_back(result.bestValAccuracy);
    folds.push_back({{"fold", fold + 1},
                     {"best_epoch", result.bestEpoch},
                     {"best_val_accuracy", result.bestValAccuracy},
                     {"best_val_loss", result.bestValLoss},
                     {"checkpoint", result.bestCheckpoint.toStdString()},
                     {texts ? "train_texts" : "train_images", trainCount},
                     {texts ? "val_texts" : "val_images", valCount}});
    if (result.bestValAccuracy > bestAccuracy) {
      bestAccuracy = result.bestValAccuracy;
      summary.bestCheckpoint = result.bestCheckpoint;
      summary.lastCheckpoint = result.lastCheckpoint;
      summary.bestEpoch = result.bestEpoch;
    }
    summary.epochsCompleted += result.epochsCompleted;

    auto probabilities = predictProbabilities(foldJob, result.bestCheckpoint);
    if (!probabilities) {
      summary.message = probabilities.error().text();
      return summary;
    }
    for (size_t i = 0; i < valCount; ++i) {
      const auto row = (*probabilities)[int64_t(i)];
      const bool known = !std::isnan(row[0].item<float>());
      const int predicted = known ? int(row.argmax().item<int64_t>()) : -1;
      const QString item = texts ? QString::number(foldJob.valTexts[i].line) : foldJob.valSamples[i].path;
      const int label = texts ? foldJob.valTexts[i].label : foldJob.valSamples[i].label;
      QByteArray line = csvField(item).toUtf8() + ',' + csvField(job.classes.value(label)).toUtf8() + ',' +
                        QByteArray::number(fold + 1) + ',' +
                        (predicted >= 0 ? csvField(job.classes.value(predicted)).toUtf8() : QByteArray());
      for (int64_t c = 0; c < row.size(0); ++c)
        line += ',' + (known ? QByteArray::number(row[c].item<double>(), 'g', 6) : QByteArray());
      oof += line + '\n';
    }
  }
  const nlohmann::json document{{"folds", folds},
                                {"k", k},
                                {"val_accuracy_mean", mean(accuracies)},
                                {"val_accuracy_std", standardDeviation(accuracies)},
                                {"val_loss_mean", mean(losses)},
                                {"val_loss_std", standardDeviation(losses)}};
  if (auto s = writeFile(writer.filePath(QStringLiteral("cross_validation.json")),
                         QByteArray::fromStdString(document.dump(2)) + '\n');
      !s) {
    summary.message = s.error().text();
    return summary;
  }
  if (auto s = writeFile(writer.filePath(QStringLiteral("oof.csv")), oof); !s) {
    summary.message = s.error().text();
    return summary;
  }
  summary.outcome = RunOutcome::Finished;
  summary.bestValAccuracy = mean(accuracies);
  summary.bestValLoss = mean(losses);
  summary.message = QStringLiteral(
                        "%1-fold cross-validation: validation accuracy %2% ± %3%, loss %4 ± %5 (mean ± "
                        "standard deviation over the folds). Out-of-fold predictions: oof.csv.")
                        .arg(k)
                        .arg(mean(accuracies) * 100.0, 0, 'f', 1)
                        .arg(standardDeviation(accuracies) * 100.0, 0, 'f', 1)
                        .arg(mean(losses), 0, 'f', 3)
                        .arg(standardDeviation(losses), 0, 'f', 3);
  return summary;
}

}  // namespace attune::detail
