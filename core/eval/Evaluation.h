#pragma once
// Evaluating a trained run: which run (the latest with a saved model, or one the user names), which
// examples (the run's validation split, or another image folder / table of texts with the same
// classes), and the metrics of the run's model on them with every example's probabilities, so
// that the GUI can show the examples behind any cell of the confusion matrix.

#include "core/common/Result.h"
#include "core/eval/Metrics.h"
#include "core/eval/Predictor.h"
#include "core/project/Project.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attune {

// The folder of run `run` of the project: an id from its runs folder, a folder path, or empty for
// the most recent run that saved a model. Errors say which runs exist.
Result<QString> runDirectoryOf(const Project& project, const QString& run);

struct LabelledExamples {
  TaskKind task = TaskKind::ImageClassification;
  QString source;           // what they are, for messages: "the validation split of run X", a path
  QStringList items;        // image paths, or the texts
  std::vector<int> lines;   // texts: where each is in its file (empty for images)
  std::vector<int> labels;  // indices into the run's classes
  // The label journal's key of each example (ProjectData.h) when they are the project's own data,
  // so that a label can be changed from the evaluation; empty for other data.
  QStringList keys;
  QStringList notes;  // what was left out and why (unknown classes, unreadable rows)
};

// The validation examples the run was scored on: the project's data split with the run's own
// settings (as when it trained). The project's data must still be where it was.
Result<LabelledExamples> validationExamplesOf(const Project& project, const QString& runDirectory,
                                              const QStringList& classes);

// Every labelled example of `path` (an image folder with one sub-folder per class, or a table of
// texts read with the project's column mapping), labelled by class name in `classes`; examples of
// other classes are left out with a note.
Result<LabelledExamples> examplesFrom(const Project& project, const QString& path,
                                      const QStringList& classes);

struct RunEvaluation {
  QString runId;
  QString runDirectory;  // absolute
  QString checkpoint;
  int epoch = 0;
  // A k-fold run's out-of-fold answers (oof.csv): the number of folds whose best models answered
  // (each example by the one that did not train on it); 0 for one model's answers (`checkpoint`).
  int folds = 0;
  QStringList classes;
  LabelledExamples examples;
  std::vector<std::vector<double>> probabilities;  // per example; empty when it could not be read
  QStringList failures;                            // per example: why it could not be read, or empty
  ClassificationMetrics metrics;
};

// The predictor's answers on the examples and their metrics.
Result<RunEvaluation> evaluate(Predictor& predictor, LabelledExamples examples);

struct EvaluationRequest {
  QString run;       // as runDirectoryOf: empty for the latest run with a saved model
  QString dataPath;  // empty: the run's validation split; else as examplesFrom
  QString checkpoint = QStringLiteral("best");  // or "last"
};

// Whose answers were scored, in words: "the model of epoch 3", or for out-of-fold answers "the best
// models of its 5 folds (out-of-fold)".
QString answeredBy(const RunEvaluation& evaluation);

// The k-fold cross-validation run that `runDirectory` is or belongs to (its folder, absolute): the
// run itself, or the run whose fold it is; empty for a plain run.
QString crossValidationRunOf(const QString& runDirectory);

// The folder of the model that answers for run folder `runDirectory`: itself, or for a k-fold run's
// own folder (which keeps no model) its best fold's, as the project's run list names it.
QString modelDirectoryOf(const Project& project, const QString& runDirectory);

// A k-fold run's evaluation by its out-of-fold answers (oof.csv): every labelled example of the
// project once, answered by the fold's model that did not train on it; examples of the project's own
// data keep their journal keys. Errors: the run did not finish (no oof.csv), or oof.csv is damaged.
Result<RunEvaluation> evaluateOutOfFold(const Project& project, const QString& crossValidationDirectory);

// The whole evaluation of a project's run: its model, its examples (notes on what was left out are in
// `examples.notes` of the result), the predictions and the metrics. A k-fold run without `dataPath`
// is evaluated by its out-of-fold answers (evaluateOutOfFold).
Result<RunEvaluation> evaluateRun(const Project& project, const EvaluationRequest& request);

}  // namespace attune
