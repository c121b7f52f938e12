#pragma once
// Writing to the console: one-line errors on stderr, JSON event lines or human text on stdout.

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

namespace attune::cli {

enum ExitStatus { kExitSuccess = 0, kExitFailure = 1, kExitUsage = 2 };

// `text` with every control character but newline and tab written as an escape (\x1b): names read
// from files (tensor names, classes, metadata) cannot move the cursor, recolour or clear the terminal.
QString terminalSafe(const QString& text);

// Human text goes through terminalSafe.
void printLine(const QString& text);          // stdout
void printError(const QString& text);         // stderr, "attune-cli: <text>"
void printJson(const nlohmann::json& event);  // one compact JSON object per line on stdout
bool stdoutIsTerminal();
// A command's failure: an "error" event first when the output is JSON, the reason on stderr;
// returns kExitFailure.
int reportFailure(bool asJson, const QString& message);
// Things worth knowing that did not stop the command: "warning" events, or plain lines.
void printNotes(bool asJson, const QStringList& notes);

}  // namespace attune::cli
