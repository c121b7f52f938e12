// attune-cli suggest: a run's suggestions for the project's unlabelled items (images without a class,
// texts without a label), the least sure first by default: which items to label next, and what the
// model would call them. CSV (item,key,suggested,probability,uncertainty) or JSON lines.
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/data/TextTable.h"
#include "core/eval/Suggestions.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace attune::cli {
namespace {

std::optional<Uncertainty> measureOf(const QString& order) {
  if (order == QLatin1String("least_confident")) return Uncertainty::LeastConfident;
  if (order == QLatin1String("margin")) return Uncertainty::Margin;
  if (order == QLatin1String("entropy")) return Uncertainty::Entropy;
  return std::nullopt;
}

}  // namespace

int commandSuggest(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("suggest"),
      .usage = QStringLiteral("usage: attune-cli suggest PROJECT.attune [--run RUN] [--order "
                              "least_confident|margin|entropy|file] "
                              "[--limit N] [--json]"),
      .description = QStringLiteral(
          "Which of the project's unlabelled items to label next, the least sure first, and what the model "
          "would call them: CSV (item,key,suggested,probability,uncertainty) or JSON lines."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options =
          {
              {QStringLiteral("run"),
               QStringLiteral("Which run's model (default: the latest with a saved model)."),
               QStringLiteral("run")},
              {QStringLiteral("order"),
               QStringLiteral("least_confident (default), margin, entropy, or file (the data's order)."),
               QStringLiteral("order")},
              {QStringLiteral("limit"), QStringLiteral("At most this many items (default: all)."),
               QStringLiteral("n")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const QString order = command.value(QStringLiteral("order")).isEmpty()
                            ? QStringLiteral("least_confident")
                            : command.value(QStringLiteral("order"));
  const auto measure = measureOf(order);
  if (!measure && order != QLatin1String("file"))
    return command.usageError(QStringLiteral("--order takes least_confident, margin, entropy or file."));
  bool limited = false;
  const int limit = command.value(QStringLiteral("limit")).toInt(&limited);
  if (command.isSet(QStringLiteral("limit")) && (!limited || limit < 1))
    return command.usageError(QStringLiteral("--limit takes a number of 1 or more."));
  const bool asJson = command.asJson();
  auto project = command.loadProject();
  if (!project) return kExitFailure;
  auto suggestions = suggestLabels(*project, command.value(QStringLiteral("run")));
  if (!suggestions) return command.fail(suggestions.error().text());

  const auto& s = *suggestions;
  std::vector<int> rows(size_t(s.keys.size()));
  std::iota(rows.begin(), rows.end(), 0);
  const Uncertainty scored = measure.value_or(Uncertainty::LeastConfident);
  if (measure) rows = mostUncertainFirst(s.probabilities, *measure);
  if (command.isSet(QStringLiteral("limit")) && size_t(limit) < rows.size()) rows.resize(size_t(limit));
  if (!asJson) printLine(QStringLiteral("item,key,suggested,probability,uncertainty"));
  for (int row : rows) {
    const std::vector<float>& p = s.probabilities[size_t(row)];
    const auto top = p.empty() ? p.end() : std::max_element(p.begin(), p.end());
    const QString suggested = top == p.end() ? QString() : s.classes.value(qsizetype(top - p.begin()));
    const double probability = top == p.end() ? -1.0 : double(*top);
    const double uncertainty = uncertaintyOf(p, scored);
    if (asJson)
      printJson({{"event", "suggestion"},
                 {"item", s.items[row].toStdString()},
                 {"key", s.keys[row].toStdString()},
                 {"suggested", suggested.toStdString()},
                 {"probability", probability},
                 {"uncertainty", uncertainty}});
    else
      printLine(QStringLiteral("%1,%2,%3,%4,%5")
                    .arg(csvField(s.items[row]), csvField(s.keys[row]), csvField(suggested))
                    .arg(probability, 0, 'f', 4)
                    .arg(uncertainty, 0, 'f', 4));
  }
  if (asJson)
    printJson({{"event", "done"},
               {"run", s.runId.toStdString()},
               {"unlabelled", s.keys.size()},
               {"listed", rows.size()},
               {"order", order.toStdString()}});
  return kExitSuccess;
}

}  // namespace attune::cli
