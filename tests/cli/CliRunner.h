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

// The test's environment with `name` set to `value` (the fault-injection variables, for one run).
inline QProcessEnvironment environmentWith(const char* name, const QString& value) {
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert(QString::fromLatin1(name), value);
  return environment;
}

// A 32 px ResNet-18 image project of the images in `images`, made and trained for one epoch through
// attune-cli, as the fault tests start. Empty when it worked, else what attune-cli said.
inline QByteArray makeTrainedImageProject(const QString& images, const QString& project) {
  const auto created =
      runCli({QStringLiteral("new"), project, QStringLiteral("--task"), QStringLiteral("image"),
              QStringLiteral("--data"), images, QStringLiteral("--model"), QStringLiteral("resnet18"),
              QStringLiteral("--set"), QStringLiteral("model.input_size=32")});
  if (created.exitCode != 0) return "new: " + created.err;
  const auto trained =
      runCli({QStringLiteral("train"), project, QStringLiteral("--set"), QStringLiteral("epochs=1"),
              QStringLiteral("--set"), QStringLiteral("batch_size=4")});
  if (trained.exitCode != 0) return "train: " + trained.err;
  return {};
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
