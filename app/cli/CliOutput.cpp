#include "app/cli/CliOutput.h"

#include <unistd.h>
#include <cstdio>

namespace attune::cli {

QString terminalSafe(const QString& text) {
  QString out;
  out.reserve(text.size());
  for (const QChar c : text) {
    const char16_t u = c.unicode();
    const bool control = (u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7f && u <= 0x9f);
    if (control)
      out += QStringLiteral("\\x%1").arg(unsigned(u), 2, 16, QLatin1Char('0'));
    else
      out += c;
  }
  return out;
}

void printLine(const QString& text) {
  std::fputs(terminalSafe(text).toUtf8().constData(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void printError(const QString& text) {
  std::fprintf(stderr, "attune-cli: %s\n", terminalSafe(text).toUtf8().constData());
  std::fflush(stderr);
}

void printJson(const nlohmann::json& event) {
  // Non-finite numbers have no JSON form; nlohmann writes them as null.
  const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int reportFailure(bool asJson, const QString& message) {
  if (asJson) printJson({{"event", "error"}, {"message", message.toStdString()}});
  printError(message);
  return kExitFailure;
}

void printNotes(bool asJson, const QStringList& notes) {
  for (const QString& note : notes) {
    if (asJson)
      printJson({{"event", "warning"}, {"message", note.toStdString()}});
    else
      printLine(note);
  }
}

bool stdoutIsTerminal() {
  return isatty(fileno(stdout)) != 0;
}

}  // namespace attune::cli
