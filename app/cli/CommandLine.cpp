#include "app/cli/CommandLine.h"

#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"

#include <QFileInfo>

#include <algorithm>
#include <utility>

namespace attune::cli {
namespace {

const QString kHelp = QStringLiteral("help");
const QString kJson = QStringLiteral("json");

// Wider option names than this get their description after two spaces instead of in the column.
constexpr qsizetype kHelpColumnLimit = 30;

QString optionSyntax(const QCommandLineOption& option) {
  QStringList names;
  for (const QString& name : option.names())
    names << (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
  QString syntax = names.join(QStringLiteral(", "));
  if (!option.valueName().isEmpty()) syntax += QStringLiteral(" <%1>").arg(option.valueName());
  return syntax;
}

// "  left   description" lines with the descriptions in one column.
QString helpTable(const QList<std::pair<QString, QString>>& rows) {
  qsizetype width = 0;
  for (const auto& [left, description] : rows)
    if (left.size() <= kHelpColumnLimit) width = std::max(width, left.size());
  QStringList lines;
  for (const auto& [left, description] : rows)
    lines << QStringLiteral("  ") + left.leftJustified(width) + QStringLiteral("  ") + description;
  return lines.join(QLatin1Char('\n'));
}

}  // namespace

CommandLine::CommandLine(CommandSpec spec) : m_spec(std::move(spec)) {
  for (const PositionalArgument& argument : m_spec.positionals)
    m_parser.addPositionalArgument(argument.name, argument.description);
  m_parser.addOptions(m_spec.options);
  // Every command answers --help; parse() (not process()) keeps the output and exit status ours.
  m_parser.addOption({{QStringLiteral("h"), kHelp}, QStringLiteral("Show this help.")});
}

bool CommandLine::parse(const QStringList& arguments) {
  // QCommandLineParser takes the program name first; the command's name stands in for it.
  if (!m_parser.parse(QStringList{m_spec.name} + arguments)) {
    printError(m_parser.errorText());
    m_exitStatus = kExitUsage;
    return false;
  }
  if (m_parser.isSet(kHelp)) {
    printLine(helpText());
    m_exitStatus = kExitSuccess;
    return false;
  }
  const qsizetype count = m_parser.positionalArguments().size();
  const bool countFits = count >= m_spec.minPositionals &&
                         (m_spec.maxPositionals == CommandSpec::kNoLimit || count <= m_spec.maxPositionals);
  const bool requiredSet = std::all_of(m_spec.requiredOptions.begin(), m_spec.requiredOptions.end(),
                                       [this](const QString& option) { return m_parser.isSet(option); });
  if (!countFits || !requiredSet) {
    printError(m_spec.usage);
    m_exitStatus = kExitUsage;
    return false;
  }
  m_exitStatus = kExitSuccess;
  return true;
}

bool CommandLine::asJson() const {
  // QCommandLineParser warns on a name it does not know: ask only commands that have --json.
  const bool hasJson =
      std::any_of(m_spec.options.begin(), m_spec.options.end(),
                  [](const QCommandLineOption& option) { return option.names().contains(kJson); });
  return hasJson && m_parser.isSet(kJson);
}

int CommandLine::usageError(const QString& reason) const {
  printError(reason.isEmpty() ? m_spec.usage : reason + QLatin1Char('\n') + m_spec.usage);
  return kExitUsage;
}

int CommandLine::fail(const QString& message) const {
  return reportFailure(asJson(), message);
}

std::optional<Project> CommandLine::loadProject() const {
  return cli::loadProject(positionals().value(0), asJson());
}

QString CommandLine::helpText() const {
  QString text = m_spec.usage;
  if (!m_spec.description.isEmpty()) text += QStringLiteral("\n\n") + m_spec.description;
  if (!m_spec.positionals.isEmpty()) {
    QList<std::pair<QString, QString>> rows;
    for (const PositionalArgument& argument : m_spec.positionals)
      rows.append({argument.name, argument.description});
    text += QStringLiteral("\n\nArguments:\n") + helpTable(rows);
  }
  QList<std::pair<QString, QString>> rows;
  for (const QCommandLineOption& option : m_spec.options)
    rows.append({optionSyntax(option), option.description()});
  rows.append({QStringLiteral("-h, --help"), QStringLiteral("Show this help.")});
  return text + QStringLiteral("\n\nOptions:\n") + helpTable(rows);
}

std::optional<Project> loadProject(const QString& path, bool asJson) {
  auto project = ProjectFile::load(path);
  if (!project) {
    reportFailure(asJson, project.error().text());
    return std::nullopt;
  }
  // Lines of the label journal that cannot be read are said once, for every command (on stderr, so
  // that a CSV on stdout stays clean); the command goes on without them.
  const QString journalPath = LabelJournal::pathFor(project->filePath);
  if (QFileInfo::exists(journalPath)) {
    if (auto journal = LabelJournal::open(journalPath); journal && !(*journal)->notes().isEmpty()) {
      const QString summary = (*journal)->skippedLinesSummary();
      if (asJson)
        printJson({{"event", "warning"}, {"message", summary.toStdString()}});
      else
        printError(QStringLiteral("warning: ") + summary);
    }
  }
  return std::move(*project);
}

}  // namespace attune::cli
