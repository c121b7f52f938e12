// attune [PROJECT.attune]: the GUI. Composition only; everything else lives in attune_ui.

#include "core/common/AppFolders.h"
#include "ui/MainWindow.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QScreen>
#include <QTabWidget>
#include <QTimer>

namespace {

// Hidden options for documentation screenshots: start a run, grab the window after a delay, quit.
struct ScreenshotRequest {
  QString file;
  int after_ms = 0;
  bool startTraining = false;
  bool wholeScreen = false;  // the screen as a person sees it (where the window is, what is cut off)
};

void scheduleScreenshot(attune::ui::MainWindow& window, const ScreenshotRequest& request) {
  if (request.startTraining) QTimer::singleShot(0, &window, [&window] { window.startTraining(); });
  QTimer::singleShot(request.after_ms, &window, [&window, request] {
    const QPixmap picture =
        request.wholeScreen && window.screen() ? window.screen()->grabWindow(0) : window.grab();
    const bool saved = picture.save(request.file);
    window.close();
    QCoreApplication::exit(saved ? 0 : 1);
  });
}

// Presses the named buttons (or triggers the named menu commands) one after another, each as soon as
// it is visible and enabled (an evaluation, for example, enables the buttons that show its results).
void pressInTurn(attune::ui::MainWindow& window, QStringList names) {
  auto* timer = new QTimer(&window);
  timer->setInterval(200);
  QObject::connect(timer, &QTimer::timeout, &window, [&window, timer, names]() mutable {
    if (names.isEmpty()) {
      timer->stop();
      return;
    }
    auto* button = window.findChild<QAbstractButton*>(names.first());
    auto* action = window.findChild<QAction*>(names.first());
    // Pressed once this slot has returned: a press that opens a modal dialog runs its own event loop,
    // and this timer only fires again (to press the dialog's buttons) after its slot has returned.
    if (button && button->isVisible() && button->isEnabled()) {
      names.removeFirst();
      QTimer::singleShot(0, button, &QAbstractButton::click);
    } else if (action && action->isEnabled()) {  // a menu command ("actionExportModel")
      names.removeFirst();
      QTimer::singleShot(0, action, &QAction::trigger);
    }
  });
  timer->start();
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  // One organisation/application pair for every file Attune keeps (core/common/AppFolders.h).
  QApplication::setApplicationName(QLatin1String(attune::kApplicationName));
  QApplication::setOrganizationName(QLatin1String(attune::kOrganisationName));
  QApplication::setApplicationVersion(QStringLiteral(ATTUNE_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Fine-tune image and text classifiers on your own data."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("The .attune project to open."),
                               QStringLiteral("[PROJECT.attune]"));
  QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Save a picture of the window."),
                                QStringLiteral("FILE"));
  QCommandLineOption screenshotAfter(QStringLiteral("screenshot-after-ms"),
                                     QStringLiteral("Delay before the picture."), QStringLiteral("MS"),
                                     QStringLiteral("3000"));
  QCommandLineOption train(QStringLiteral("train"), QStringLiteral("Start training at once."));
  QCommandLineOption tryText(QStringLiteral("try"),
                             QStringLiteral("Classify a text, or comma-separated image files, in Try it."),
                             QStringLiteral("TEXT"));
  QCommandLineOption tab(QStringLiteral("tab"), QStringLiteral("Show this tab (its title) at start."),
                         QStringLiteral("TITLE"));
  QCommandLineOption click(QStringLiteral("click"),
                           QStringLiteral("Press these buttons (object names, comma-separated) in turn, each "
                                          "as soon as it can be pressed."),
                           QStringLiteral("NAMES"));
  QCommandLineOption wholeScreen(QStringLiteral("screenshot-screen"),
                                 QStringLiteral("The picture shows the whole screen, not only the window."));
  for (QCommandLineOption* option :
       {&screenshot, &screenshotAfter, &train, &tryText, &tab, &click, &wholeScreen}) {
    option->setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(*option);
  }
  parser.process(app);

  attune::ui::MainWindow window;
  const QStringList arguments = parser.positionalArguments();
  if (!arguments.isEmpty())
    window.openProject(arguments.first());
  else
    window.showWelcome();
  window.show();
  if (parser.isSet(tryText)) {
    // A text, or image files separated by commas for an image project.
    if (window.project().task == attune::TaskKind::ImageClassification)
      window.tryImages(parser.value(tryText).split(QLatin1Char(',')));
    else
      window.tryText(parser.value(tryText));
  }
  if (auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs")); tabs && parser.isSet(tab))
    for (int i = 0; i < tabs->count(); ++i)
      if (tabs->tabText(i).remove(QLatin1Char('&')) == parser.value(tab)) tabs->setCurrentIndex(i);
  if (parser.isSet(click)) pressInTurn(window, parser.value(click).split(QLatin1Char(',')));
  if (parser.isSet(screenshot))
    scheduleScreenshot(window, {parser.value(screenshot), parser.value(screenshotAfter).toInt(),
                                parser.isSet(train), parser.isSet(wholeScreen)});
  else if (parser.isSet(train))
    QTimer::singleShot(0, &window, [&window] { window.startTraining(); });
  return QApplication::exec();
}
