#pragma once
// Predicting many examples into a table: the inputs gathered from what the user points at (image
// files and folders, searched recursively; tables of texts), and the answers as CSV
// (item,predicted,probability,<one column per class>). What attune-cli predict and the Try it tab's
// "Predict ... into a CSV" share.

#include "core/common/Result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

class Predictor;

struct PredictionInputs {
  QStringList items;  // image paths or texts
  QStringList names;  // how each is named in the output: the path, or "file:line" for a table row
};

// Image files, and the image files under folders (recursively, sorted). Errors: a path that does not
// exist.
Result<PredictionInputs> imagePredictionInputs(const QStringList& paths);

// The non-empty cells of each table's `textColumn` (else the column guessed to hold texts). Errors: an
// unreadable table, or one without a column of texts.
Result<PredictionInputs> textPredictionInputs(const QStringList& tables, const QString& textColumn);

// The CSV of `rows` (class probabilities in `classes` order per input; an empty row: the input could
// not be read, and its cells stay empty).
QByteArray predictionsCsv(const QStringList& names, const QStringList& classes,
                          const std::vector<std::vector<double>>& rows);

struct BatchPrediction {
  int predicted = 0;   // rows with an answer
  int unreadable = 0;  // images that could not be read (their rows are empty)
};

// Gathers `inputs` for the predictor's task (tables by `textColumn` for a text model), predicts them
// and writes the CSV to `csvPath` atomically. Errors: nothing to classify, bad inputs, a write that
// fails.
Result<BatchPrediction> predictIntoCsv(Predictor& predictor, const QStringList& inputs,
                                       const QString& textColumn, const QString& csvPath);

}  // namespace attune
