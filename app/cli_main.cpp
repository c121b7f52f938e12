#include "app/cli/Cli.h"

#include <QCoreApplication>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("attune-cli"));
  QCoreApplication::setOrganizationName(QStringLiteral("Attune"));
  return attune::cli::run(QCoreApplication::arguments());
}
