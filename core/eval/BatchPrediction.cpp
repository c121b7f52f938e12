#include "core/eval/BatchPrediction.h"

#include "core/common/AtomicFile.h"
#include "core/data/ImageFolderScanner.h"
#include "core/data/TextColumnGuess.h"
#include "core/data/TextTable.h"
#include "core/eval/Predictor.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <algorithm>

namespace attune {

Result<PredictionInputs> imagePredictionInputs(const QStringList& paths) {
  PredictionInputs inputs;
  for (const QString& path : paths) {
    const QFileInfo info(path);
    if (info.isDir()) {
      QStringList found;
      QDirIterator it(info.absoluteFilePath(), QDir::Files, QDirIterator::Subdirectories);
      while (it.hasNext()) {
        const QString file = it.next();
        if (hasImageExtension(QFileInfo(file))) found << file;
      }
      found.sort();
      inputs.items << found;
    } else if (info.isFile()) {
      inputs.items << info.absoluteFilePath();
    } else {
      return Error(ErrorCode::FileNotFound, QStringLiteral("%1 does not exist.").arg(path),
                   QStringLiteral("Give image files or folders."));
    }
  }
  inputs.names = inputs.items;
  return inputs;
}

Result<PredictionInputs> textPredictionInputs(const QStringList& tables, const QString& textColumn) {
  PredictionInputs inputs;
  for (const QString& path : tables) {
    auto table = TextTable::read(path);
    if (!table) return table.error();
    int column = table->columnIndex(textColumn);
    if (column < 0) column = guessTextColumns(*table).textColumn;
    if (column < 0)
      return Error(ErrorCode::BadFormat, QStringLiteral("%1 has no column of texts.").arg(path),
                   QStringLiteral("Name it '%1' as in the project.").arg(textColumn));
    for (const TextTableRow& row : table->rows) {
      if (row.cells[column].trimmed().isEmpty()) continue;
      inputs.items << row.cells[column];
      inputs.names << QStringLiteral("%1:%2").arg(QFileInfo(path).fileName()).arg(row.line);
    }
  }
  return inputs;
}

QByteArray predictionsCsv(const QStringList& names, const QStringList& classes,
                          const std::vector<std::vector<double>>& rows) {
  QByteArray csv = "item,predicted,probability";
  for (const QString& name : classes) csv += ',' + csvField(name).toUtf8();
  csv += '\n';
  for (qsizetype i = 0; i < names.size() && size_t(i) < rows.size(); ++i) {
    const std::vector<double>& row = rows[size_t(i)];
    csv += csvField(names[i]).toUtf8() + ',';
    if (row.empty()) {
      csv += ",\n";
      continue;
    }
    const auto best = size_t(std::max_element(row.begin(), row.end()) - row.begin());
    csv += csvField(classes.value(qsizetype(best))).toUtf8() + ',' + QByteArray::number(row[best], 'g', 6);
    for (double p : row) csv += ',' + QByteArray::number(p, 'g', 6);
    csv += '\n';
  }
  return csv;
}

Result<BatchPrediction> predictIntoCsv(Predictor& predictor, const QStringList& inputs,
                                       const QString& textColumn, const QString& csvPath) {
  const bool texts = predictor.task() == TaskKind::TextClassification;
  auto gathered = texts ? textPredictionInputs(inputs, textColumn) : imagePredictionInputs(inputs);
  if (!gathered) return gathered.error();
  if (gathered->items.isEmpty())
    return Error(
        ErrorCode::NotEnoughData,
        texts ? QStringLiteral("There are no texts to classify in %1.").arg(inputs.join(QStringLiteral(", ")))
              : QStringLiteral("There are no images (jpg, png, bmp, webp) in %1.")
                    .arg(inputs.join(QStringLiteral(", "))),
        texts ? QStringLiteral("Choose a table with a column of texts.")
              : QStringLiteral("Choose a folder that holds images."));
  auto rows = texts ? predictor.predictTexts(gathered->items) : predictor.predictImages(gathered->items);
  if (!rows) return rows.error();
  BatchPrediction done;
  for (const auto& row : *rows) ++(row.empty() ? done.unreadable : done.predicted);
  const QByteArray csv = predictionsCsv(gathered->names, predictor.classes(), *rows);
  if (auto written = AtomicFile::writeFile(csvPath, csv); !written) return written.error();
  return done;
}

}  // namespace attune
