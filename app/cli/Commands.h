#pragma once
// One function per attune-cli command. `arguments` are those after the command name.

#include "core/eval/Evaluation.h"
#include "core/project/TrainingConfig.h"

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

#include <optional>

namespace attune::cli {

int commandNew(const QStringList& arguments);
int commandTrain(const QStringList& arguments);
int commandLrFind(const QStringList& arguments);
int commandInspect(const QStringList& arguments);
int commandModels(const QStringList& arguments);
int commandImportWeights(const QStringList& arguments);
int commandEval(const QStringList& arguments);
int commandPredict(const QStringList& arguments);
int commandReport(const QStringList& arguments);
int commandSuggest(const QStringList& arguments);
int commandLabels(const QStringList& arguments);
int commandHealth(const QStringList& arguments);
int commandRuns(const QStringList& arguments);
int commandExport(const QStringList& arguments);

class CommandLine;

// eval and report: --run, --data, --checkpoint and --json.
QList<QCommandLineOption> evaluationOptions();
// What those options ask to evaluate; nothing (after a usage error) when --checkpoint is not best,
// last or an epoch number.
std::optional<EvaluationRequest> evaluationRequestOf(const CommandLine& command);

// Loads the command's project and evaluates what `request` names, printing the notes on left-out
// examples; nothing (after reporting why) on failure.
std::optional<RunEvaluation> evaluateProjectRun(const CommandLine& command, const EvaluationRequest& request);

// A value of --checkpoint: best, last, or an epoch number (1 or more).
bool isCheckpointChoice(const QString& value);

// One `--set key=value` applied to a config.
Status applySetting(TrainingConfig& config, const QString& assignment);
// Every `--set` in order; the first bad one is the error.
Status applySettings(TrainingConfig& config, const QStringList& assignments);

}  // namespace attune::cli
