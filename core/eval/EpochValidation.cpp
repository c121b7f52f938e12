#include "core/eval/EpochValidation.h"

#include "core/training/RunWriter.h"

#include <QDir>
#include <QFile>

#include <map>

namespace attune {

Result<std::vector<EpochValidation>> validationByEpoch(const QString& runDirectory,
                                                       const QStringList& classes) {
  QFile file(QDir(runDirectory).filePath(QString::fromLatin1(kValidationAnswersFile)));
  if (!file.exists()) return std::vector<EpochValidation>{};
  if (!file.open(QIODevice::ReadOnly))
    return Error(ErrorCode::FileUnreadable, QStringLiteral("Cannot read %1.").arg(file.fileName()),
                 QStringLiteral("Check the file's permissions."));
  const QList<QByteArray> header = file.readLine().trimmed().split(',');
  const qsizetype classCount = classes.size();
  if (header.size() != 3 + classCount || header.value(0) != "epoch")
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("%1 does not match the run's %2 classes.").arg(file.fileName()).arg(classCount),
        QStringLiteral("The per-epoch matrices of this run cannot be shown."));
  std::map<int, ClassificationMetrics> byEpoch;
  int current = 0;
  std::vector<int> labels;
  std::vector<std::vector<double>> probabilities;
  auto close = [&] {
    if (current > 0 && !labels.empty()) byEpoch[current] = computeMetrics(classes, labels, probabilities);
    labels.clear();
    probabilities.clear();
  };
  while (!file.atEnd()) {
    const QList<QByteArray> cells = file.readLine().trimmed().split(',');
    if (cells.size() != header.size()) continue;
    bool ok = true;
    const int epoch = cells[0].toInt(&ok);
    if (!ok || epoch < 1) continue;
    const int label = cells[2].toInt(&ok);
    if (!ok) continue;
    std::vector<double> row(static_cast<size_t>(classCount));
    for (qsizetype c = 0; c < classCount && ok; ++c) row[size_t(c)] = cells[3 + c].toDouble(&ok);
    if (!ok) continue;
    if (epoch != current || cells[1] == "0") {
      close();
      current = epoch;
    }
    labels.push_back(label);
    probabilities.push_back(std::move(row));
  }
  close();
  std::vector<EpochValidation> epochs;
  for (auto& [epoch, metrics] : byEpoch) epochs.push_back({epoch, std::move(metrics)});
  return epochs;
}

}  // namespace attune
