#include "core/training/detail/Checkpointer.h"

#include "core/common/AtomicFile.h"
#include "core/common/FileRead.h"
#include "core/models/detail/StateDict.h"
#include "core/training/detail/OptimizerState.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <unistd.h>

#include <map>
#include <string>

namespace attune::detail {
namespace {

const QString kStateJson = QStringLiteral("state.json");
// Runs before the resume set was named by step: one state.safetensors, and last.safetensors's weights.
const QString kLegacyStateTensors = QStringLiteral("state.safetensors");

// The resume set of optimiser step `step`: its weights (a hard link to that step's last.safetensors,
// so no extra space) and its optimiser and random-generator state. state.json, written last, names
// the step; the sets of other steps are removed only after it is on the disk, so a process killed at
// any moment of a save leaves a complete set for the state.json that is on the disk.
QString resumeWeightsName(int64_t step) {
  return QStringLiteral("resume-%1.weights.safetensors").arg(step);
}
QString resumeStateName(int64_t step) {
  return QStringLiteral("resume-%1.state.safetensors").arg(step);
}

// `from` under the name `to` in the same folder: a hard link made under a temporary name and renamed
// over `to` (atomic), or a durable copy where the file system has no hard links (FAT, exFAT).
Status linkOrCopy(const QString& from, const QString& to) {
  const QString temporary = to + QStringLiteral(".linking");
  QFile::remove(temporary);
  if (::link(QFile::encodeName(from).constData(), QFile::encodeName(temporary).constData()) == 0) {
    if (::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(to).constData()) == 0) return {};
    QFile::remove(temporary);
  }
  return AtomicFile::copyFile(from, to);
}

std::string stepOf(const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find("attune.step");
  return it == metadata.end() ? std::string() : it->second;
}

Error differentMoments() {
  return Error(ErrorCode::BadFormat, QStringLiteral("The run's saved files are from different moments."),
               QStringLiteral("Start a new run; the run's checkpoints can still be evaluated."));
}

}  // namespace

Checkpointer::Checkpointer(const TrainingJob& job, const TrainingConfig& config, RunWriter& writer,
                           int inputSize)
    : m_job(job), m_config(config), m_writer(writer), m_inputSize(inputSize) {}

Status Checkpointer::saveWeights(const QString& name, const ImageClassifierImpl& model, int epoch,
                                 int64_t step, double valAccuracy) const {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : m_job.classes) classes.push_back(c.toStdString());
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"attune.architecture", m_config.architecture.toStdString()},
      {"attune.classes", classes.dump()},
      {"attune.input_size", std::to_string(m_inputSize)},
      {"attune.task", m_job.task == TaskKind::TextClassification ? "text" : "image"},
      {"attune.max_tokens", std::to_string(m_config.maxTokens)},
      {"attune.epoch", std::to_string(epoch)},
      {"attune.step", std::to_string(step)},
      {"attune.val_accuracy", std::to_string(valAccuracy)},
      {"attune.run_id", m_writer.runId().toStdString()},
  };
  return SafetensorsWriter::writeSources(m_writer.filePath(name), stateDictSources(model), metadata);
}

Status Checkpointer::saveResumeState(torch::optim::Optimizer& optimizer, const LearningRateSchedule& schedule,
                                     const TrainerProgress& progress) const {
  const QString weights = resumeWeightsName(progress.step), state = resumeStateName(progress.step);
  if (auto s = linkOrCopy(m_writer.filePath(kLastWeights), m_writer.filePath(weights)); !s) return s;
  TensorSources tensors;
  saveOptimizerState(optimizer, tensors);
  tensors["rng.cpu"] = sourceOf(cpuGeneratorState());
  if (auto s = SafetensorsWriter::writeSources(m_writer.filePath(state), tensors,
                                               {{"attune.step", std::to_string(progress.step)}});
      !s)
    return s;
  TrainerProgress saved = progress;
  saved.schedule = schedule.state();
  if (auto s = AtomicFile::writeFile(m_writer.filePath(kStateJson),
                                     QByteArray::fromStdString(saved.toJson().dump(2)) + '\n');
      !s)
    return s;
  // The state.json on the disk names this set now: the others are no longer needed.
  QDir folder(m_writer.directory());
  for (const QString& name : folder.entryList(
           {QStringLiteral("resume-*.safetensors"), QStringLiteral("resume-*.linking"), kLegacyStateTensors},
           QDir::Files))
    if (name != weights && name != state) folder.remove(name);
  return {};
}

Result<TrainerProgress> Checkpointer::resume(ImageClassifierImpl& model, torch::optim::Optimizer& optimizer,
                                             LearningRateSchedule& schedule,
                                             const QString& dataFingerprint) const {
  const QString progressPath = m_writer.filePath(kStateJson);
  if (!QFileInfo::exists(progressPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("Run %1 has no saved state to resume from.").arg(m_writer.runId()),
                 QStringLiteral("Only runs that completed an epoch or were stopped can be resumed."));
  auto stateBytes =
      readRegularFile(progressPath, kMaxSmallJsonBytes, QStringLiteral("the run's saved state"));
  if (!stateBytes) return stateBytes.error();
  const auto json = nlohmann::json::parse(stateBytes->constData(),
                                          stateBytes->constData() + stateBytes->size(), nullptr, false);
  auto progress = TrainerProgress::fromJson(json);
  if (!progress) return progress.error();
  if (progress->dataFingerprint != dataFingerprint)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The project's images or labels changed since run %1 stopped, so it cannot "
                                "continue the same training.")
                     .arg(m_writer.runId()),
                 QStringLiteral("Start a new run (it can start from this run's weights)."));
  // The set state.json names; a run saved before sets were named by step has one set.
  QString statePath = m_writer.filePath(resumeStateName(progress->step));
  QString weightsPath = m_writer.filePath(resumeWeightsName(progress->step));
  if (!QFileInfo::exists(statePath) && QFileInfo::exists(m_writer.filePath(kLegacyStateTensors))) {
    statePath = m_writer.filePath(kLegacyStateTensors);
    weightsPath = m_writer.filePath(kLastWeights);
  }
  auto tensors = SafetensorsReader::readFile(statePath);
  if (!tensors) return tensors.error();
  if (stepOf(tensors->metadata) != std::to_string(progress->step)) return differentMoments();
  auto weights = SafetensorsReader::readFile(weightsPath);
  if (!weights) return weights.error();
  if (stepOf(weights->metadata) != std::to_string(progress->step)) return differentMoments();
  {
    torch::NoGradGuard noGrad;
    auto loaded = loadStateDict(model, weights->tensors, model.headPrefix(), HeadPolicy::LoadAll);
    if (!loaded) return loaded.error();
  }
  if (auto s = restoreOptimizerState(optimizer, tensors->tensors); !s) return s.error();
  auto rng = tensors->tensors.find("rng.cpu");
  if (rng == tensors->tensors.end())
    return Error(ErrorCode::BadFormat, QStringLiteral("The run's saved random-number state is missing."),
                 QStringLiteral("Start a new run instead of resuming this one."));
  if (auto s = restoreCpuGeneratorState(rng->second); !s) return s.error();
  if (auto s = schedule.restore(progress->schedule); !s) return s.error();
  if (auto s = m_writer.dropRowsAfter(progress->step, progress->epochsCompleted); !s) return s.error();
  return progress;
}

}  // namespace attune::detail
