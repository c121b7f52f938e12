#include "core/export/ExportCheck.h"

#include "core/eval/Evaluation.h"
#include "core/eval/OnnxRuntimeRunner.h"
#include "core/eval/Predictor.h"

#include <QDir>

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

size_t bestOf(const std::vector<double>& row) {
  return size_t(std::max_element(row.begin(), row.end()) - row.begin());
}

}  // namespace

QString ExportCheck::summary() const {
  QString text = QStringLiteral(
                     "The exported model gives the same class on %1 of %2 examples; largest probability "
                     "difference %3 (run in %4).")
                     .arg(sameClass)
                     .arg(examples)
                     .arg(largestDifference, 0, 'g', 2)
                     .arg(runtime);
  if (!note.isEmpty()) text += QLatin1Char(' ') + note;
  return text;
}

Result<ExportCheck> checkExport(const Project& project, const ModelExport& exported, int maxExamples) {
  // The run's own model, from the checkpoint that was exported.
  PredictorOptions options;
  options.checkpoint = exported.checkpoint;
  auto own = Predictor::openRun(exported.runDirectory, options);
  if (!own) return own.error();
  // A k-fold run's folds cannot be re-split alone: the project's labelled examples serve instead (the
  // check compares two models' answers; it does not score them).
  const bool fold = !crossValidationRunOf(exported.runDirectory).isEmpty();
  const QString data =
      project.task == TaskKind::TextClassification ? project.data.table : project.data.folder;
  auto examples = fold ? examplesFrom(project, data, (*own)->classes())
                       : validationExamplesOf(project, exported.runDirectory, (*own)->classes());
  if (!examples) return examples.error();
  if (examples->items.size() > maxExamples) examples->items = examples->items.mid(0, maxExamples);
  if (examples->items.isEmpty())
    return Error(ErrorCode::NotEnoughData,
                 QStringLiteral("The run has no validation examples to check the export on."),
                 QStringLiteral("Train with a validation split."));

  auto reference = Predictor::openExport(exported.directory);  // the folder as other computers get it
  if (!reference) return reference.error();
  const bool texts = (*reference)->task() == TaskKind::TextClassification;
  auto inputs =
      texts ? (*reference)->textInputs(examples->items) : (*reference)->imageInputs(examples->items);
  if (!inputs) return inputs.error();

  auto expected = (*own)->predictInputs(*inputs);
  if (!expected) return expected.error();

  ExportCheck check;
  Result<std::vector<std::vector<double>>> answers = std::vector<std::vector<double>>{};
  if (exported.format == ModelExportFormat::Onnx) {
    QString whyNot;
    if (const auto runtime = findOnnxRuntime(&whyNot)) {
      answers = onnxRuntimeProbabilities(
          *runtime, QDir(exported.directory).filePath(QStringLiteral("model.onnx")), *inputs);
      check.ranExportedFile = true;
      check.runtime = QStringLiteral("ONNX Runtime %1").arg(QLatin1String(kOnnxRuntimeNodeVersion));
    } else {
      check.note = whyNot + QStringLiteral(
                                " So model.onnx was only checked by ONNX's checker, and the folder's own "
                                "model was run instead.");
    }
  }
  if (!check.ranExportedFile) {
    answers = (*reference)->predictInputs(*inputs);
    check.ranExportedFile = exported.format != ModelExportFormat::Onnx;
    check.runtime = QStringLiteral("Attune");
  }
  if (!answers) return answers.error();
  if (answers->size() != expected->size())
    return Error(ErrorCode::Internal, QStringLiteral("The exported model answered %1 examples of %2.")
                                          .arg(answers->size())
                                          .arg(expected->size()));
  for (size_t i = 0; i < expected->size(); ++i) {
    const auto& a = (*answers)[i];
    const auto& e = (*expected)[i];
    if (a.size() != e.size())
      return Error(
          ErrorCode::Internal,
          QStringLiteral("The exported model gives %1 classes, not %2.").arg(a.size()).arg(e.size()));
    ++check.examples;
    if (bestOf(a) == bestOf(e)) ++check.sameClass;
    for (size_t c = 0; c < a.size(); ++c)
      check.largestDifference = std::max(check.largestDifference, std::abs(a[c] - e[c]));
  }
  return check;
}

}  // namespace attune
