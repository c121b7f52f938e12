// attune-cli report: a run report for people who do not read plots, as one HTML page or a PDF: the
// data, the settings in plain words, the curves, the confusion matrix, the per-class table and
// plain-language findings.
#include "app/cli/CliOutput.h"
#include "app/cli/Commands.h"
#include "core/eval/RunReport.h"
#include "core/project/ProjectFile.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace attune::cli {

int commandReport(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("The .attune project."));
  addEvaluationOptions(parser);
  parser.addOption(
      {QStringLiteral("out"), QStringLiteral("The report file: .html or .pdf."), QStringLiteral("file")});
  const QString usage = QStringLiteral(
      "usage: attune-cli report PROJECT.attune --out REPORT.html|REPORT.pdf [--run RUN] [--data PATH] "
      "[--checkpoint best|last|EPOCH] [--json]");
  if (!parser.parse(QStringList{QStringLiteral("report")} + arguments) ||
      parser.positionalArguments().size() != 1 || !parser.isSet(QStringLiteral("out"))) {
    printError(parser.errorText().isEmpty() ? usage : parser.errorText());
    return kExitUsage;
  }
  const auto request = evaluationRequestOf(parser, usage);
  if (!request) return kExitUsage;
  const QString out = QFileInfo(parser.value(QStringLiteral("out"))).absoluteFilePath();
  const QString suffix = QFileInfo(out).suffix().toLower();
  if (suffix != QLatin1String("html") && suffix != QLatin1String("htm") && suffix != QLatin1String("pdf")) {
    printError(QStringLiteral("--out must end in .html or .pdf.\n") + usage);
    return kExitUsage;
  }
  const bool asJson = parser.isSet(QStringLiteral("json"));
  auto fail = [asJson](const QString& message) { return reportFailure(asJson, message); };
  auto evaluation = evaluateProjectRun(parser.positionalArguments().first(), *request, asJson);
  if (!evaluation) return kExitFailure;
  auto run = readSavedRun(evaluation->runDirectory);
  if (!run) return fail(run.error().text());
  if (auto written = writeRunReport(*run, *evaluation, out); !written) return fail(written.error().text());
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
