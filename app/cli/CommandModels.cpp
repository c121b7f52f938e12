#include "app/cli/CliOutput.h"
#include "app/cli/Commands.h"
#include "core/models/Architecture.h"

namespace attune::cli {

int commandModels(const QStringList& arguments) {
  const bool asJson = arguments.contains(QStringLiteral("--json"));
  for (const auto& a : arguments) {
    if (a != QLatin1String("--json")) {
      printError(QStringLiteral("usage: attune-cli models [--json]"));
      return kExitUsage;
    }
  }
  for (const auto& architecture : architectures()) {
    if (asJson) {
      printJson({{"id", architecture.id.toStdString()},
                 {"name", architecture.displayName.toStdString()},
                 {"task", "image"},
                 {"input_size", architecture.inputSize},
                 {"description", architecture.description.toStdString()}});
    } else {
      printLine(QStringLiteral("%1  %2  (%3 px)  %4")
                    .arg(architecture.id, -14)
                    .arg(architecture.displayName, -16)
                    .arg(architecture.inputSize)
                    .arg(architecture.description));
    }
  }
  return kExitSuccess;
}

}  // namespace attune::cli
