#pragma once
// Runs attune-cli as a user would: a real process, its exit status, stdout and stderr.

#include "tests/support/TestEnvironment.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

#include <vector>

namespace attune::testing {

struct CliResult {
  int exitCode = -1;
  QByteArray out;
  QByteArray err;
};

inline CliResult runCli(const QStringList& arguments,
                        const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment(),
                        int timeout_ms = 600000) {
  QProcess process;
  process.setProcessEnvironment(environment);
  process.start(testPath("ATTUNE_CLI_PATH"), arguments);
  if (!process.waitForFinished(timeout_ms)) process.kill();
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          process.readAllStandardOutput(), process.readAllStandardError()};
}

// Every non-empty line of `out` as JSON; throws (failing the test) on a line that is not JSON.
inline std::vector<nlohmann::json> jsonLines(const QByteArray& out) {
  std::vector<nlohmann::json> lines;
  for (const QByteArray& line : out.split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    lines.push_back(nlohmann::json::parse(line.toStdString()));
  }
  return lines;
}

}  // namespace attune::testing
