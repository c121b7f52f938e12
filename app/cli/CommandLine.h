#pragma once
// The front every attune-cli command shares: its options and positional arguments, parsing with the
// same usage errors (exit status 2, one reason on stderr), --help (the usage line, the command's
// description and its options on stdout, exit status 0), and loading the project the command works
// on with the same one-line failure. A command states what it accepts in a CommandSpec and reads the
// parsed values from its CommandLine.

#include "app/cli/CliOutput.h"
#include "core/project/Project.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace attune::cli {

// One positional argument, as --help lists it.
struct PositionalArgument {
  QString name;
  QString description;
};

// What a command accepts, written with designated initializers; the members a command leaves out keep
// these defaults (the `{}` on each keeps GCC from warning about the ones left out).
struct CommandSpec {
  static constexpr int kNoLimit = -1;

  QString name{};         // as typed after attune-cli: "train", "lr-find"
  QString usage{};        // printed on a usage error: "usage: attune-cli train PROJECT.attune ..."
  QString description{};  // a sentence or two for --help
  QList<PositionalArgument> positionals{};
  int minPositionals = 1;
  int maxPositionals = 1;  // or kNoLimit
  QList<QCommandLineOption> options{};
  QStringList requiredOptions{};  // leaving one out is a usage error
};

class CommandLine {
 public:
  explicit CommandLine(CommandSpec spec);

  // Parses the arguments after the command name. False when the command ends here with exitStatus(),
  // its message already printed: kExitSuccess after --help, kExitUsage after a usage error (the
  // parser's reason, such as an unknown option, else the usage line).
  bool parse(const QStringList& arguments);
  int exitStatus() const { return m_exitStatus; }

  const QCommandLineParser& parser() const { return m_parser; }
  bool isSet(const QString& option) const { return m_parser.isSet(option); }
  QString value(const QString& option) const { return m_parser.value(option); }
  QStringList values(const QString& option) const { return m_parser.values(option); }
  QStringList positionals() const { return m_parser.positionalArguments(); }
  // --json was given: failures are also reported as an "error" event on stdout.
  bool asJson() const;

  // A usage error found after parsing: `reason` (when given) and the usage line on stderr. Returns
  // kExitUsage.
  int usageError(const QString& reason = {}) const;
  // A failure of the command itself (reportFailure, honouring --json). Returns kExitFailure.
  int fail(const QString& message) const;
  // The project named by the first positional argument; nothing after fail() said why it cannot be
  // loaded.
  std::optional<Project> loadProject() const;

  // What --help prints.
  QString helpText() const;

 private:
  CommandSpec m_spec;
  QCommandLineParser m_parser;
  int m_exitStatus = kExitSuccess;
};

// ProjectFile::load, with its error reported as one line on stderr (and an "error" event with
// --json); nothing on failure.
std::optional<Project> loadProject(const QString& path, bool asJson);

}  // namespace attune::cli
