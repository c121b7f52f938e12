#include "app/cli/Cli.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <cstring>
#include <memory>

int main(int argc, char** argv) {
  // A PDF report needs Qt's fonts and painting, so `report` gets a QGuiApplication, on the offscreen
  // platform unless told otherwise: no display is needed on a server.
  const bool graphics = argc > 1 && std::strcmp(argv[1], "report") == 0;
  if (graphics && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  const std::unique_ptr<QCoreApplication> app = graphics ? std::make_unique<QGuiApplication>(argc, argv)
                                                         : std::make_unique<QCoreApplication>(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("attune-cli"));
  QCoreApplication::setOrganizationName(QStringLiteral("Attune"));
  return attune::cli::run(QCoreApplication::arguments());
}
