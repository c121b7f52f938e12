// attune-cli eval: how good a run's model is, on the run's validation split or on other labelled
// data: accuracy, balanced accuracy, per-class precision/recall/F1/support, macro and weighted
// averages, log-loss, calibration (ECE and the reliability bins) and the confusion matrix.
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/eval/Evaluation.h"
#include "core/eval/LabelMistakes.h"
#include "core/project/LabelJournal.h"

namespace attune::cli {
namespace {

nlohmann::json averagesJson(double precision, double recall, double f1) {
  return {{"precision", precision}, {"recall", recall}, {"f1", f1}};
}

nlohmann::json evaluationJson(const RunEvaluation& e) {
  const ClassificationMetrics& m = e.metrics;
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassMetrics& c : m.classes)
    classes.push_back({{"name", c.name.toStdString()},
                       {"precision", c.precision},
                       {"recall", c.recall},
                       {"f1", c.f1},
                       {"support", c.support},
                       {"predicted", c.predicted}});
  nlohmann::json bins = nlohmann::json::array();
  for (const CalibrationBin& b : m.calibration)
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"count", b.count},
                    {"mean_confidence", b.meanConfidence},
                    {"accuracy", b.accuracy}});
  nlohmann::json absent = nlohmann::json::array();
  for (const QString& name : m.absentClasses) absent.push_back(name.toStdString());
  return {{"event", "done"},
          {"run", e.runId.toStdString()},
          {"checkpoint", e.checkpoint.toStdString()},
          {"epoch", e.epoch},
          {"out_of_fold_folds", e.folds},
          {"data", e.examples.source.toStdString()},
          {"count", m.count},
          {"skipped", m.skipped},
          {"accuracy", m.accuracy},
          {"balanced_accuracy", m.balancedAccuracy},
          {"log_loss", m.logLoss},
          {"expected_calibration_error", m.expectedCalibrationError},
          {"macro", averagesJson(m.macroPrecision, m.macroRecall, m.macroF1)},
          {"weighted", averagesJson(m.weightedPrecision, m.weightedRecall, m.weightedF1)},
          {"classes", classes},
          {"absent_classes", absent},
          {"confusion", m.confusion},
          {"calibration", bins}};
}

QString cell(const QString& text, int width) {
  return text.leftJustified(width, QLatin1Char(' '), true);
}

QString number(double value) {
  return QString::number(value, 'f', 3);
}

void printEvaluation(const RunEvaluation& e) {
  const ClassificationMetrics& m = e.metrics;
  printLine(QStringLiteral("Run %1, %2, on %3: %4 examples%5.")
                .arg(e.runId, answeredBy(e))
                .arg(e.examples.source)
                .arg(m.count)
                .arg(m.skipped > 0 ? QStringLiteral(" (%1 could not be read)").arg(m.skipped) : QString()));
  printLine(QStringLiteral("Accuracy %1   balanced accuracy %2   log-loss %3   calibration error (ECE) %4")
                .arg(number(m.accuracy), number(m.balancedAccuracy), number(m.logLoss),
                     number(m.expectedCalibrationError)));
  int width = 12;
  for (const QString& name : e.classes) width = std::max(width, int(name.size()) + 2);
  printLine(cell(QStringLiteral("class"), width) + QStringLiteral("precision  recall  F1     support"));
  for (const ClassMetrics& c : m.classes)
    printLine(cell(c.name, width) + cell(number(c.precision), 11) + cell(number(c.recall), 8) +
              cell(number(c.f1), 7) + QString::number(c.support));
  printLine(cell(QStringLiteral("macro"), width) + cell(number(m.macroPrecision), 11) +
            cell(number(m.macroRecall), 8) + number(m.macroF1));
  printLine(cell(QStringLiteral("weighted"), width) + cell(number(m.weightedPrecision), 11) +
            cell(number(m.weightedRecall), 8) + number(m.weightedF1));
  if (!m.absentClasses.isEmpty())
    printLine(QStringLiteral("Not in this data (left out of the macro averages): %1")
                  .arg(m.absentClasses.join(QStringLiteral(", "))));
  printLine(QStringLiteral("Confusion matrix (rows: true class, columns: predicted class):"));
  QString header = cell(QString(), width);
  for (const QString& name : e.classes) header += cell(name, std::max(8, int(name.size()) + 2));
  printLine(header);
  for (qsizetype t = 0; t < e.classes.size(); ++t) {
    QString line = cell(e.classes[t], width);
    for (qsizetype p = 0; p < e.classes.size(); ++p)
      line +=
          cell(QString::number(m.confusion[size_t(t)][size_t(p)]), std::max(8, int(e.classes[p].size()) + 2));
    printLine(line);
  }
}

// The examples whose given label the model strongly doubts, most doubted first: "mistake" events, or
// a table.
void printMistakes(const RunEvaluation& e, bool asJson) {
  const auto suspects = likelyLabelMistakes(e.examples.labels, e.probabilities);
  const bool texts = e.examples.task == TaskKind::TextClassification;
  auto itemOf = [&](int example) {
    return texts && size_t(example) < e.examples.lines.size()
               ? QStringLiteral("line %1").arg(e.examples.lines[size_t(example)])
               : e.examples.items.value(example);
  };
  if (!asJson)
    printLine(suspects.empty()
                  ? QStringLiteral("No likely label mistakes: the model does not strongly doubt any label.")
                  : QStringLiteral("Likely label mistakes (%1), most doubted first: the example, its label, "
                                   "the model's answer, and their probabilities.")
                        .arg(suspects.size()));
  for (const SuspectedLabel& s : suspects) {
    if (asJson)
      printJson({{"event", "mistake"},
                 {"item", itemOf(s.example).toStdString()},
                 {"label", e.classes.value(s.given).toStdString()},
                 {"suggested", e.classes.value(s.suggested).toStdString()},
                 {"label_probability", s.givenProbability},
                 {"suggested_probability", s.suggestedProbability}});
    else
      printLine(QStringLiteral("  %1: labelled %2 (%3), the model says %4 (%5)")
                    .arg(itemOf(s.example), e.classes.value(s.given), number(s.givenProbability),
                         e.classes.value(s.suggested), number(s.suggestedProbability)));
  }
}

// Relabel (the Evaluation tab's button on the likely mistakes): the `count` most doubted examples (all
// when negative) get the model's class, through the project's label journal. Errors: the examples are
// not the project's own (--data), or the journal cannot be written.
Result<int> relabelMistakes(const Project& project, const RunEvaluation& e, int count) {
  const auto suspects = likelyLabelMistakes(e.examples.labels, e.probabilities);
  if (e.examples.keys.isEmpty())
    return Error(ErrorCode::BadValue, QStringLiteral("Only the project's own examples can be relabelled."),
                 QStringLiteral("Leave out --data."));
  std::vector<LabelChange> changes;
  for (const SuspectedLabel& s : suspects) {
    if (count >= 0 && int(changes.size()) >= count) break;
    const QString key = e.examples.keys.value(s.example);
    if (key.isEmpty()) continue;
    changes.push_back({LabelChange::SetLabel, key, e.classes.value(s.suggested), {}});
  }
  if (changes.empty()) return 0;
  auto journal = LabelJournal::open(LabelJournal::pathFor(project.filePath));
  if (!journal) return journal.error();
  if (auto written = (*journal)->append(changes); !written) return written.error();
  return int(changes.size());
}

}  // namespace

QList<QCommandLineOption> evaluationOptions() {
  return {
      {QStringLiteral("run"), QStringLiteral("Which run (default: the latest with a saved model)."),
       QStringLiteral("run")},
      {QStringLiteral("data"),
       QStringLiteral("Evaluate on this image folder or table instead of the run's validation split."),
       QStringLiteral("path")},
      {QStringLiteral("checkpoint"), QStringLiteral("best (default), last, or an epoch number."),
       QStringLiteral("which")},
      {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
  };
}

std::optional<EvaluationRequest> evaluationRequestOf(const CommandLine& command) {
  EvaluationRequest request;
  request.run = command.value(QStringLiteral("run"));
  request.dataPath = command.value(QStringLiteral("data"));
  if (command.isSet(QStringLiteral("checkpoint")))
    request.checkpoint = command.value(QStringLiteral("checkpoint"));
  if (!isCheckpointChoice(request.checkpoint)) {
    command.usageError(QStringLiteral("--checkpoint takes best, last or an epoch number."));
    return std::nullopt;
  }
  return request;
}

std::optional<RunEvaluation> evaluateProjectRun(const CommandLine& command,
                                                const EvaluationRequest& request) {
  auto project = command.loadProject();
  if (!project) return std::nullopt;
  auto evaluation = evaluateRun(*project, request);
  if (!evaluation) {
    command.fail(evaluation.error().text());
    return std::nullopt;
  }
  printNotes(command.asJson(), evaluation->examples.notes);
  return std::move(*evaluation);
}

int commandEval(const QStringList& arguments) {
  QList<QCommandLineOption> options = evaluationOptions();
  options.append({QStringLiteral("mistakes"),
                  QStringLiteral("Also list the examples whose label the model strongly doubts.")});
  options.append(
      {QStringLiteral("relabel"),
       QStringLiteral("With --mistakes: give the N most doubted examples (or all) the model's class, "
                      "as the Evaluation tab's Relabel does."),
       QStringLiteral("N|all")});
  CommandLine command({
      .name = QStringLiteral("eval"),
      .usage = QStringLiteral(
          "usage: attune-cli eval PROJECT.attune [--run RUN] [--data PATH] [--checkpoint best|last|EPOCH] "
          "[--mistakes [--relabel N|all]] [--json]"),
      .description = QStringLiteral(
          "How good a run's model is, on the run's validation split or on other labelled data: accuracy, "
          "per-class precision, recall and F1, log-loss, calibration and the confusion matrix."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options = options,
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const auto request = evaluationRequestOf(command);
  if (!request) return kExitUsage;
  int relabelCount = 0;
  if (command.isSet(QStringLiteral("relabel"))) {
    const QString value = command.value(QStringLiteral("relabel"));
    bool isNumber = false;
    relabelCount = value == QLatin1String("all") ? -1 : value.toInt(&isNumber);
    if (!command.isSet(QStringLiteral("mistakes")) ||
        (value != QLatin1String("all") && (!isNumber || relabelCount < 1)))
      return command.usageError(
          QStringLiteral("--relabel takes a number of examples or all, with --mistakes."));
  }
  const bool asJson = command.asJson();
  auto evaluation = evaluateProjectRun(command, *request);
  if (!evaluation) return kExitFailure;
  if (command.isSet(QStringLiteral("mistakes"))) printMistakes(*evaluation, asJson);
  if (relabelCount != 0) {
    auto project = command.loadProject();
    if (!project) return kExitFailure;
    auto relabelled = relabelMistakes(*project, *evaluation, relabelCount);
    if (!relabelled) return command.fail(relabelled.error().text());
    if (asJson)
      printJson({{"event", "relabelled"}, {"count", *relabelled}});
    else
      printLine(QStringLiteral("Relabelled %1 examples with the model's class.").arg(*relabelled));
  }
  if (asJson)
    printJson(evaluationJson(*evaluation));
  else
    printEvaluation(*evaluation);
  return kExitSuccess;
}

}  // namespace attune::cli
