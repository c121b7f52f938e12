#pragma once
// Writing to the console: one-line errors on stderr, JSON event lines or human text on stdout.

#include <nlohmann/json.hpp>

#include <QString>

namespace attune::cli {

enum ExitStatus { kExitSuccess = 0, kExitFailure = 1, kExitUsage = 2 };

void printLine(const QString& text);          // stdout
void printError(const QString& text);         // stderr, "attune-cli: <text>"
void printJson(const nlohmann::json& event);  // one compact JSON object per line on stdout
bool stdoutIsTerminal();
// A command's failure: an "error" event first when the output is JSON, the reason on stderr;
// returns kExitFailure.
int reportFailure(bool asJson, const QString& message);

}  // namespace attune::cli
