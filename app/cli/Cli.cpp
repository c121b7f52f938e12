#include "app/cli/Cli.h"

#include "app/cli/CliOutput.h"
#include "app/cli/CommandSettings.h"
#include "app/cli/Commands.h"
#include "core/common/Version.h"
#include "core/training/Runtime.h"

namespace attune::cli {
namespace {

const char kUsage[] =
    "Usage:\n"
    "  attune-cli --version\n"
    "  attune-cli new PROJECT.attune --task image|text --data FOLDER|TABLE [--model ID] [--weights "
    "FILE|catalog:ID]\n"
    "                                [--text-column C --label-column C] [--table-format csv|tsv|jsonl|json]\n"
    "                                [--val-fraction F] [--seed N] [--set key=value]... [--force]\n"
    "  attune-cli train PROJECT.attune [--set key=value]... [--json] [--resume RUN | --from RUN[:EPOCH]]\n"
    "  attune-cli eval PROJECT.attune [--run RUN] [--data PATH] [--checkpoint best|last|EPOCH] [--mistakes]\n"
    "                                 [--json]\n"
    "  attune-cli predict PROJECT.attune|EXPORT_DIR INPUT... [--run RUN] [--text] [--out FILE.csv] [--json]\n"
    "  attune-cli export PROJECT.attune --out DIR [--run RUN] [--checkpoint best|last|EPOCH] [--format "
    "safetensors]\n"
    "                                   [--json]\n"
    "  attune-cli report PROJECT.attune --out REPORT.html|REPORT.pdf [--run RUN] [--data PATH]\n"
    "                                   [--checkpoint best|last|EPOCH] [--json]\n"
    "  attune-cli suggest PROJECT.attune [--run RUN] [--order least_confident|margin|entropy|file] [--limit "
    "N]\n"
    "                                    [--json]\n"
    "  attune-cli labels PROJECT.attune (--import FILE | --export FILE [--predictions] | --export-folders "
    "DIR)\n"
    "                                   [--format csv|label-studio] [--json]\n"
    "  attune-cli labels PROJECT.attune (--add-class NAME | --rename-class OLD=NEW | --delete-class NAME)\n"
    "                                   [--json]    (renaming onto an existing class merges the two)\n"
    "  attune-cli health PROJECT.attune [--fix ID|all] [--json]\n"
    "  attune-cli runs PROJECT.attune [--compare RUN_A RUN_B] [--json]\n"
    "  attune-cli lr-find PROJECT.attune [--set key=value]... [--steps N] [--apply] [--json]\n"
    "  attune-cli inspect FILE.safetensors|FILE.pth|TFJS_FOLDER [--json]\n"
    "  attune-cli import-weights FILE.pth|FILE.safetensors|TFJS_FOLDER --out FILE.safetensors [--json]\n"
    "  attune-cli models [--json] [--download ID] [--offline]\n"
    "  attune-cli settings [KEY]... [--json]    the settings --set takes: range, default, what each does\n"
    "  attune-cli COMMAND --help    what a command does and all its options\n"
    "\n"
    "Exit status: 0 success, 1 failure (reason on stderr), 2 bad usage.";

}  // namespace

bool isCheckpointChoice(const QString& value) {
  bool isNumber = false;
  const int epoch = value.toInt(&isNumber);
  return value == QLatin1String("best") || value == QLatin1String("last") || (isNumber && epoch >= 1);
}

Status applySetting(TrainingConfig& config, const QString& assignment) {
  const int equals = assignment.indexOf(QLatin1Char('='));
  if (equals <= 0)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("--set takes key=value, for example --set optim.lr_head=1e-3 (got '%1').")
                     .arg(assignment));
  return config.set(assignment.left(equals).trimmed(), assignment.mid(equals + 1).trimmed());
}

Status applySettings(TrainingConfig& config, const QStringList& assignments) {
  for (const QString& assignment : assignments)
    if (auto s = applySetting(config, assignment); !s) return s;
  return {};
}

int run(const QStringList& arguments) {
  if (arguments.size() < 2) {
    printError(QStringLiteral("no command given.\n") + QString::fromUtf8(kUsage));
    return kExitUsage;
  }
  const QString command = arguments.at(1);
  const QStringList rest = arguments.mid(2);
  if (command == QLatin1String("--version") || command == QLatin1String("version")) {
    printLine(QStringLiteral("attune-cli %1 (LibTorch %2, %3)")
                  .arg(attuneVersion(), torchVersion(), computeDeviceName()));
    return kExitSuccess;
  }
  if (command == QLatin1String("--help") || command == QLatin1String("-h") ||
      command == QLatin1String("help")) {
    printLine(QString::fromUtf8(kUsage));
    return kExitSuccess;
  }
  if (command == QLatin1String("new")) return commandNew(rest);
  if (command == QLatin1String("train")) return commandTrain(rest);
  if (command == QLatin1String("lr-find")) return commandLrFind(rest);
  if (command == QLatin1String("eval")) return commandEval(rest);
  if (command == QLatin1String("predict")) return commandPredict(rest);
  if (command == QLatin1String("report")) return commandReport(rest);
  if (command == QLatin1String("suggest")) return commandSuggest(rest);
  if (command == QLatin1String("labels")) return commandLabels(rest);
  if (command == QLatin1String("health")) return commandHealth(rest);
  if (command == QLatin1String("runs")) return commandRuns(rest);
  if (command == QLatin1String("export")) return commandExport(rest);
  if (command == QLatin1String("inspect")) return commandInspect(rest);
  if (command == QLatin1String("models")) return commandModels(rest);
  if (command == QLatin1String("settings")) return commandSettings(rest);
  if (command == QLatin1String("import-weights")) return commandImportWeights(rest);
  printError(QStringLiteral("unknown command '%1'.\n").arg(command) + QString::fromUtf8(kUsage));
  return kExitUsage;
}

}  // namespace attune::cli
