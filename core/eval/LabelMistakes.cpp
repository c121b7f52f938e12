#include "core/eval/LabelMistakes.h"

#include "core/data/TextTable.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace attune {

std::vector<SuspectedLabel> likelyLabelMistakes(const std::vector<int>& labels,
                                                const std::vector<std::vector<double>>& probabilities,
                                                double maxGiven, double minSuggested) {
  std::vector<SuspectedLabel> suspects;
  for (size_t i = 0; i < labels.size() && i < probabilities.size(); ++i) {
    const std::vector<double>& p = probabilities[i];
    const int given = labels[i];
    if (p.empty() || given < 0 || size_t(given) >= p.size() || p[size_t(given)] > maxGiven) continue;
    int suggested = given == 0 ? 1 : 0;
    for (size_t c = 0; c < p.size(); ++c)
      if (int(c) != given && p[c] > p[size_t(suggested)]) suggested = int(c);
    if (size_t(suggested) >= p.size() || p[size_t(suggested)] < minSuggested) continue;
    suspects.push_back({int(i), given, suggested, p[size_t(given)], p[size_t(suggested)]});
  }
  std::stable_sort(suspects.begin(), suspects.end(), [](const SuspectedLabel& a, const SuspectedLabel& b) {
    return a.givenProbability != b.givenProbability ? a.givenProbability < b.givenProbability
                                                    : a.suggestedProbability > b.suggestedProbability;
  });
  return suspects;
}

Result<OutOfFoldPredictions> readOutOfFold(const QString& runDirectory, const QStringList& classes) {
  const QString path = QDir(runDirectory).filePath(QStringLiteral("oof.csv"));
  if (!QFileInfo::exists(path))
    return Error(
        ErrorCode::FileNotFound, QStringLiteral("This run has no out-of-fold predictions (oof.csv)."),
        QStringLiteral("Run k-fold cross-validation (kfold.folds of 2 or more) to have every example "
                       "answered by a model that did not train on it."));
  TextTableReadOptions options;
  options.format = TextTableFormat::Csv;
  auto table = TextTable::read(path, options);
  if (!table) return table.error();
  const qsizetype item = table->columns.indexOf(QStringLiteral("path")) >= 0
                             ? table->columns.indexOf(QStringLiteral("path"))
                             : table->columns.indexOf(QStringLiteral("line"));
  const qsizetype label = table->columns.indexOf(QStringLiteral("label"));
  std::vector<qsizetype> probability;
  for (const QString& name : classes)
    probability.push_back(table->columns.indexOf(QStringLiteral("p_") + name));
  if (item < 0 || label < 0 || std::count(probability.begin(), probability.end(), -1) > 0)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("%1 does not hold out-of-fold predictions for the classes %2.")
                     .arg(path, classes.join(QStringLiteral(", "))),
                 QStringLiteral("Run the cross-validation again."));
  OutOfFoldPredictions predictions;
  for (const TextTableRow& row : table->rows) {
    const int given = int(classes.indexOf(row.cells[label]));
    if (given < 0) continue;
    std::vector<double> p;
    bool complete = true;
    for (qsizetype column : probability) {
      bool ok = false;
      p.push_back(row.cells[column].toDouble(&ok));
      complete = complete && ok;
    }
    predictions.items << row.cells[item];
    predictions.labels.push_back(given);
    predictions.probabilities.push_back(complete ? std::move(p) : std::vector<double>{});
  }
  return predictions;
}

}  // namespace attune
