#include "app/cli/Cli.h"
#include "core/common/AppFolders.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

int main(int argc, char** argv) {
  // A PDF report needs Qt's fonts and painting, so `report` gets a QGuiApplication, on the offscreen
  // platform unless told otherwise: no display is needed on a server.
  const bool graphics = argc > 1 && std::strcmp(argv[1], "report") == 0;
  if (graphics && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  // On a server without a login session Qt notes that it made its own runtime folder: not news to
  // the user of a command line.
  static const QtMessageHandler defaultHandler = qInstallMessageHandler(nullptr);
  qInstallMessageHandler([](QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (type == QtWarningMsg && message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR"))) return;
    defaultHandler(type, context, message);
  });
  const std::unique_ptr<QCoreApplication> app = graphics ? std::make_unique<QGuiApplication>(argc, argv)
                                                         : std::make_unique<QCoreApplication>(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("attune-cli"));
  // The window's organisation; attune-cli keeps no settings, and its caches are the window's
  // (core/common/AppFolders.h), whatever the application's name.
  QCoreApplication::setOrganizationName(QLatin1String(attune::kOrganisationName));
  // The last line of defence: an exception that escaped a command (a bug: core turns expected failures
  // into errors) ends the program with one plain line and exit status 1, not an abort.
  try {
    return attune::cli::run(QCoreApplication::arguments());
  } catch (const std::exception& e) {
    const QString what = QString::fromUtf8(e.what()).section(QLatin1Char('\n'), 0, 0).trimmed();
    std::fprintf(stderr,
                 "attune-cli: internal error: %s. Please report it with the command that caused it.\n",
                 qPrintable(what));
  } catch (...) {
    std::fprintf(stderr, "attune-cli: internal error. Please report it with the command that caused it.\n");
  }
  return 1;
}
