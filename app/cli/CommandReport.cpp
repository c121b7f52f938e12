// attune-cli report: a run report for people who do not read plots, as one HTML page or a PDF: the
// data, the settings in plain words, the curves, the confusion matrix, the per-class table and
// plain-language findings.
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/eval/RunReport.h"

#include <QFileInfo>

namespace attune::cli {

int commandReport(const QStringList& arguments) {
  QList<QCommandLineOption> options = evaluationOptions();
  options.append(
      {QStringLiteral("out"), QStringLiteral("The report file: .html or .pdf."), QStringLiteral("file")});
  CommandLine command({
      .name = QStringLiteral("report"),
      .usage = QStringLiteral(
          "usage: attune-cli report PROJECT.attune --out REPORT.html|REPORT.pdf [--run RUN] [--data PATH] "
          "[--checkpoint best|last|EPOCH] [--json]"),
      .description = QStringLiteral(
          "A run report for people who do not read plots, as one HTML page or a PDF: the data, the settings "
          "in plain words, the curves, the confusion matrix, the per-class table and the findings."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options = options,
      .requiredOptions = {QStringLiteral("out")},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const auto request = evaluationRequestOf(command);
  if (!request) return kExitUsage;
  const QString out = QFileInfo(command.value(QStringLiteral("out"))).absoluteFilePath();
  const QString suffix = QFileInfo(out).suffix().toLower();
  if (suffix != QLatin1String("html") && suffix != QLatin1String("htm") && suffix != QLatin1String("pdf"))
    return command.usageError(QStringLiteral("--out must end in .html or .pdf."));
  const bool asJson = command.asJson();
  auto evaluation = evaluateProjectRun(command, *request);
  if (!evaluation) return kExitFailure;
  auto run = readSavedRun(evaluation->runDirectory);
  if (!run) return command.fail(run.error().text());
  if (auto written = writeRunReport(*run, *evaluation, out); !written)
    return command.fail(written.error().text());
  if (asJson)
    printJson({{"event", "done"},
               {"run", evaluation->runId.toStdString()},
               {"report", out.toStdString()},
               {"accuracy", evaluation->metrics.accuracy}});
  else
    printLine(QStringLiteral("Wrote the report of run %1 to %2.").arg(evaluation->runId, out));
  return kExitSuccess;
}

}  // namespace attune::cli
