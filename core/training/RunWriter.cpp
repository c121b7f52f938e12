#include "core/training/RunWriter.h"

#include "core/common/AtomicFile.h"
#include "core/common/Version.h"
#include "core/training/Runtime.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>

#include <unistd.h>

#include <cerrno>
#include <cmath>

namespace attune {
namespace {

// metrics.csv holds finite numbers only: a value that is not finite is written empty.
QString number(double value) {
  return std::isfinite(value) ? QString::number(value, 'g', 9) : QString();
}

// Examples per class of one split, in class order.
template <typename Sample>
std::vector<int> classCounts(const std::vector<Sample>& samples, qsizetype classCount) {
  std::vector<int> counts(size_t(classCount), 0);
  for (const Sample& s : samples)
    if (s.label >= 0 && s.label < classCount) ++counts[size_t(s.label)];
  return counts;
}

template <typename Sample>
void addSplit(QCryptographicHash& hash, const char* split, const std::vector<Sample>& samples,
              const QStringList& classes) {
  for (const Sample& s : samples) {
    hash.addData(QByteArray(split));
    if constexpr (std::is_same_v<Sample, TextSample>)
      hash.addData(s.text.toUtf8());
    else
      hash.addData(s.path.toUtf8());
    hash.addData(QByteArrayView("\t", 1));
    hash.addData(classes.value(s.label).toUtf8());
    hash.addData(QByteArrayView("\n", 1));
  }
}

}  // namespace

QString dataVersion(const TrainingJob& job) {
  QCryptographicHash hash(QCryptographicHash::Sha256);
  addSplit(hash, "train\t", job.trainSamples, job.classes);
  addSplit(hash, "val\t", job.valSamples, job.classes);
  addSplit(hash, "train\t", job.trainTexts, job.classes);
  addSplit(hash, "val\t", job.valTexts, job.classes);
  return QString::fromLatin1(hash.result().toHex());
}

RunWriter::RunWriter(QString runId, QString directory)
    : m_runId(std::move(runId)), m_directory(std::move(directory)) {}

Result<std::unique_ptr<RunWriter>> RunWriter::create(const QString& runsDir) {
  if (!QDir().mkpath(runsDir))
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot create the runs folder %1.").arg(runsDir),
                 QStringLiteral("Save the project in a folder you may write to."));
  const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  QString id = stamp;
  QDir runs(runsDir);
  for (int n = 2; !runs.mkdir(id); ++n) {
    if (n > 1000)
      return Error(ErrorCode::FileUnwritable,
                   QStringLiteral("Cannot create a run folder in %1.").arg(runsDir),
                   QStringLiteral("Check that the folder is writable and the disk is not full."));
    id = stamp + QStringLiteral("-%1").arg(n);
  }
  return startIn(id, runs.filePath(id));
}

Result<std::unique_ptr<RunWriter>> RunWriter::createFold(const RunWriter& parent, const QString& name) {
  QDir dir(parent.directory());
  if (!dir.mkpath(name))
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot create %1.").arg(dir.filePath(name)),
                 QStringLiteral("Check that the disk is not full."));
  return startIn(parent.runId() + QLatin1Char('/') + name, dir.filePath(name));
}

Result<std::unique_ptr<RunWriter>> RunWriter::startIn(QString runId, QString directory) {
  std::unique_ptr<RunWriter> writer(new RunWriter(std::move(runId), std::move(directory)));
  writer->m_metrics.setFileName(writer->filePath(QStringLiteral("metrics.csv")));
  if (!writer->m_metrics.open(QIODevice::WriteOnly | QIODevice::Text))
    return Error(ErrorCode::FileUnwritable,
                 QStringLiteral("Cannot write %1.").arg(writer->m_metrics.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  if (auto s = writer->writeRow(QStringLiteral(
          "kind,epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,lr_head,lr_backbone,elapsed_ms"));
      !s)
    return s.error();
  if (auto s = writer->openEvents(); !s) return s.error();
  return writer;
}

Status RunWriter::openEvents() {
  auto events = TensorBoardWriter::create(m_directory);
  if (!events) return events.error();
  m_events = std::move(*events);
  return {};
}

Result<std::unique_ptr<RunWriter>> RunWriter::reopen(const QString& runDir) {
  QDir dir(runDir);
  if (!dir.exists())
    return Error(ErrorCode::FileNotFound, QStringLiteral("The run folder %1 does not exist.").arg(runDir));
  std::unique_ptr<RunWriter> writer(new RunWriter(dir.dirName(), dir.absolutePath()));
  writer->m_metrics.setFileName(writer->filePath(QStringLiteral("metrics.csv")));
  if (!writer->m_metrics.open(QIODevice::Append | QIODevice::Text))
    return Error(ErrorCode::FileUnwritable,
                 QStringLiteral("Cannot write %1.").arg(writer->m_metrics.fileName()),
                 QStringLiteral("Check that the disk is not full and the folder is writable."));
  // A resumed run adds a new event file; TensorBoard reads them all.
  if (auto s = writer->openEvents(); !s) return s.error();
  return writer;
}

Status RunWriter::dropRowsAfter(int64_t step, int completedEpochs) {
  m_metrics.close();
  QFile in(m_metrics.fileName());
  QByteArray kept;
  if (in.open(QIODevice::ReadOnly | QIODevice::Text)) {
    bool header = true;
    while (!in.atEnd()) {
      const QByteArray line = in.readLine();
      if (!line.endsWith('\n')) break;  // a row cut short by a crash
      const QList<QByteArray> cells = line.split(',');
      bool keep = header;
      if (!header && cells.size() >= 3) {
        if (cells[0] == "step") keep = cells[2].toLongLong() <= step;
        if (cells[0] == "epoch") keep = cells[1].toInt() <= completedEpochs;
      }
      header = false;
      if (keep) kept += line;
    }
    in.close();
  }
  if (auto written = AtomicFile::writeFile(m_metrics.fileName(), kept); !written) return written;
  if (!m_metrics.open(QIODevice::Append | QIODevice::Text))
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(m_metrics.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  return {};
}

QString RunWriter::filePath(const QString& name) const {
  return QDir(m_directory).filePath(name);
}

Status RunWriter::writeConfig(const TrainingJob& job, const QString& device, int threads) {
  nlohmann::json document;
  document["run_id"] = m_runId.toStdString();
  document["project"] = job.projectName.toStdString();
  document["attune_version"] = attuneVersion().toStdString();
  document["torch_version"] = torchVersion().toStdString();
  document["device"] = device.toStdString();
  document["threads"] = threads;
  document["seed"] = job.config.seed;
  document["config"] = job.config.toJson();
  document["classes"] = nlohmann::json::array();
  for (const auto& c : job.classes) document["classes"].push_back(c.toStdString());
  if (job.task == TaskKind::TextClassification) {
    document["task"] = "text";
    document["train_texts"] = job.trainTexts.size();
    document["val_texts"] = job.valTexts.size();
  } else {
    document["task"] = "image";
    document["train_images"] = job.trainSamples.size();
    document["val_images"] = job.valSamples.size();
  }
  const bool texts = job.task == TaskKind::TextClassification;
  document["train_class_counts"] = texts ? classCounts(job.trainTexts, job.classes.size())
                                         : classCounts(job.trainSamples, job.classes.size());
  document["val_class_counts"] =
      texts ? classCounts(job.valTexts, job.classes.size()) : classCounts(job.valSamples, job.classes.size());
  document["data_version"] = dataVersion(job).toStdString();
  if (job.startFrom)
    document["started_from"] = {{"run", job.startFrom->runId.toStdString()},
                                {"epoch", job.startFrom->epoch},
                                {"checkpoint", job.startFrom->checkpoint.toStdString()}};
  document["started_at"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();

  return AtomicFile::writeFile(filePath(QStringLiteral("config.json")),
                               QByteArray::fromStdString(document.dump(2)) + '\n');
}

QString epochCheckpointName(int epoch) {
  return QStringLiteral("epoch-%1.safetensors").arg(epoch);
}

Status RunWriter::appendValidationAnswers(int epoch, const std::vector<int>& labels,
                                          const std::vector<float>& probabilities, int classCount) {
  const int64_t numbers = int64_t(labels.size()) * classCount;
  if (classCount < 1 || numbers > kMaxValidationAnswers || probabilities.size() != size_t(numbers)) return {};
  QFile file(filePath(QString::fromLatin1(kValidationAnswersFile)));
  const bool fresh = !file.exists();
  if (!file.open(QIODevice::WriteOnly | QIODevice::Append))
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(file.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  QByteArray bytes;
  if (fresh) {
    bytes += "epoch,example,label";
    for (int c = 0; c < classCount; ++c) bytes += ",p" + QByteArray::number(c);
    bytes += '\n';
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    bytes += QByteArray::number(epoch) + ',' + QByteArray::number(qulonglong(i)) + ',' +
             QByteArray::number(labels[i]);
    for (int c = 0; c < classCount; ++c)
      bytes += ',' + QByteArray::number(double(probabilities[i * size_t(classCount) + size_t(c)]), 'g', 7);
    bytes += '\n';
  }
  if (file.write(bytes) != bytes.size() || !file.flush())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(file.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  return {};
}

Status RunWriter::writeRow(const QString& row) {
  const QByteArray bytes = row.toUtf8() + '\n';
  if (m_metrics.write(bytes) != bytes.size() || !m_metrics.flush())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(m_metrics.fileName()),
                 QStringLiteral("Check that the disk is not full."));
  return {};
}

Status RunWriter::append(const StepMetrics& s) {
  m_lastStep = s.step;
  if (m_events) {
    for (const auto& [tag, value] : {std::pair{"train/loss", s.trainLoss}, std::pair{"lr/head", s.lrHead},
                                     std::pair{"lr/backbone", s.lrBackbone}})
      if (auto written = m_events->addScalar(QString::fromLatin1(tag), value, s.step); !written)
        return written;
  }
  return writeRow(QStringLiteral("step,%1,%2,%3,,,,%4,%5,%6")
                      .arg(s.epoch)
                      .arg(s.step)
                      .arg(number(s.trainLoss), number(s.lrHead), number(s.lrBackbone), number(s.elapsedMs)));
}

Status RunWriter::append(const EpochMetrics& e) {
  if (m_events) {
    for (const auto& [tag, value] :
         {std::pair{"epoch/train_loss", e.trainLoss}, std::pair{"epoch/train_accuracy", e.trainAccuracy},
          std::pair{"val/loss", e.valLoss}, std::pair{"val/accuracy", e.valAccuracy}})
      if (auto written = m_events->addScalar(QString::fromLatin1(tag), value, m_lastStep); !written)
        return written;
    if (auto flushed = m_events->flush(); !flushed) return flushed;
  }
  if (auto written = writeRow(QStringLiteral("epoch,%1,,%2,%3,%4,%5,,,%6")
                                  .arg(e.epoch)
                                  .arg(number(e.trainLoss), number(e.trainAccuracy), number(e.valLoss),
                                       number(e.valAccuracy), number(e.elapsedMs)));
      !written)
    return written;
  // An epoch's rows reach the disk with its checkpoint (step rows in between may be lost in a crash).
  if (m_metrics.handle() >= 0 && ::fsync(m_metrics.handle()) != 0)
    return saveError(m_metrics.fileName(), errno);
  return {};
}

}  // namespace attune
