// How the time of each parser grows with its input: every parser of parser_growth_inputs.cpp on inputs
// of 1x, 10x and 100x a normal size, with the growth factor per 10x (about 10: linear; about 100:
// quadratic). Prints the CPU model first. --check reads small inputs only and verifies that each
// parse read every item generated (no timing): the ctest test_parser_growth_check.

#include "parser_growth_inputs.h"
#include "tests/support/CpuModel.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace attune;
using namespace attune::bench;

namespace {

// The fastest of as many parses as fit in about `budget_s` (at least one): the least disturbed by
// other work on the machine.
Result<double> timeParse(const Parse& parse, qint64 expected, double budget_s) {
  double best = 1e300;
  double total = 0.0;
  for (int run = 0; run < 20 && (run < 3 || total < budget_s); ++run) {
    QElapsedTimer timer;
    timer.start();
    auto count = parse();
    const double seconds = double(timer.nsecsElapsed()) * 1e-9;
    if (!count) return count.error();
    if (*count != expected)
      return Error(ErrorCode::BadValue, QStringLiteral("read %1 items of %2").arg(*count).arg(expected));
    best = std::min(best, seconds);
    total += seconds;
  }
  return best;
}

int check(const std::vector<ParserCase>& cases) {
  int failures = 0;
  for (const ParserCase& c : cases) {
    for (int n : {7, 23, std::max(30, c.normal / 10)}) {
      QTemporaryDir folder;
      auto parse = c.prepare(n, folder.path());
      Result<qint64> count = parse ? (*parse)() : Result<qint64>(parse.error());
      const bool ok = count && *count == n;
      std::printf(
          "%-4s %-34s n=%-6d %s\n", ok ? "ok" : "FAIL", qPrintable(c.parser), n,
          count ? qPrintable(QStringLiteral("read %1").arg(*count)) : qPrintable(count.error().text()));
      failures += ok ? 0 : 1;
    }
  }
  std::printf("%s\n", failures ? "FAILED" : "all parsers read every generated item");
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser options;
  options.setApplicationDescription(
      QStringLiteral("Times every parser on inputs of 1x, 10x and 100x a normal size."));
  options.addHelpOption();
  options.addOption(
      {QStringLiteral("check"),
       QStringLiteral("Small inputs only: check that each parser reads every item (no timing).")});
  options.addOption({QStringLiteral("only"), QStringLiteral("Only parsers whose name contains <text>."),
                     QStringLiteral("text")});
  options.addOption({QStringLiteral("max-scale"), QStringLiteral("Largest size, times normal (default 100)."),
                     QStringLiteral("factor"), QStringLiteral("100")});
  options.addOption(
      {QStringLiteral("max-seconds"),
       QStringLiteral("Skip a size expected to take longer, from the growth so far (default 30)."),
       QStringLiteral("seconds"), QStringLiteral("30")});
  options.addOption({QStringLiteral("normal"), QStringLiteral("The 1x size instead of each parser's own."),
                     QStringLiteral("n")});
  options.process(app);

  std::vector<ParserCase> cases = parserCases();
  if (options.isSet(QStringLiteral("only"))) {
    const QString only = options.value(QStringLiteral("only"));
    std::erase_if(cases,
                  [&only](const ParserCase& c) { return !c.parser.contains(only, Qt::CaseInsensitive); });
  }
  if (options.isSet(QStringLiteral("check"))) return check(cases);

  const int maxScale = options.value(QStringLiteral("max-scale")).toInt();
  if (options.isSet(QStringLiteral("normal")))
    for (ParserCase& c : cases) c.normal = options.value(QStringLiteral("normal")).toInt();
  const double maxSeconds = options.value(QStringLiteral("max-seconds")).toDouble();
  std::printf("# CPU: %s\n", qPrintable(attune::testing::cpuModel()));
  std::printf("%-34s %-8s %9s %11s %11s\n", "parser", "unit", "size", "seconds", "growth/10x");
  int failures = 0;
  for (const ParserCase& c : cases) {
    double previous = 0.0;
    double growth = 10.0;  // until measured, the next size is expected to take ten times longer
    for (int scale = 1; scale <= maxScale; scale *= 10) {
      const int n = c.normal * scale;
      if (previous * growth > maxSeconds) {
        std::printf("%-34s %-8s %9d %11s  (would take about %.0f s)\n", qPrintable(c.parser),
                    qPrintable(c.unit), n, "not run", previous * growth);
        continue;
      }
      QTemporaryDir folder;
      auto parse = c.prepare(n, folder.path());
      Result<double> seconds = parse ? timeParse(*parse, n, 0.3) : Result<double>(parse.error());
      if (!seconds) {
        std::printf("%-34s %-8s %9d  error: %s\n", qPrintable(c.parser), qPrintable(c.unit), n,
                    qPrintable(seconds.error().text()));
        ++failures;
        break;
      }
      if (previous > 0.0) growth = std::max(10.0, *seconds / previous);
      const QString factor =
          previous > 0.0 ? QString::number(*seconds / previous, 'f', 1) : QStringLiteral("-");
      std::printf("%-34s %-8s %9d %11.5f %11s\n", qPrintable(c.parser), qPrintable(c.unit), n, *seconds,
                  qPrintable(factor));
      std::fflush(stdout);
      previous = *seconds;
    }
  }
  return failures ? 1 : 0;
}
