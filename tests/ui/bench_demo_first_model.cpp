// How long a new user waits for a first model (issue 21): the demo project opened in the window
// (offscreen), Train clicked, and the time until the first validation accuracy is drawn on the chart.
// Prints the CPU, the seconds and that accuracy. The target: within 30 s on a 2-core machine.
//
//   bench_demo_first_model [PROJECT.attune]     (default: demo/fashion/fashion.attune of the source tree)
//

// The run is recorded in the project like any other.

#include "tests/support/CpuModel.h"
#include "ui/MainWindow.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QPushButton>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const QString project = argc > 1 ? QString::fromLocal8Bit(argv[1])
                                   : QCoreApplication::applicationDirPath() +
                                         QStringLiteral("/../../../demo/fashion/fashion.attune");
  if (!QFileInfo(project).isFile()) {
    std::fprintf(stderr, "No project %s: make the demo with installer/setup.sh --demo, or name one.\n",
                 qPrintable(project));
    return 2;
  }
  attune::ui::MainWindow window;
  if (!window.openProject(project)) return 1;
  window.show();
  auto* train = window.findChild<QPushButton*>(QStringLiteral("trainButton"));
  auto* chart = window.findChild<QCustomPlot*>(QStringLiteral("validationPlot"));
  if (!train || !chart) return 1;
  QElapsedTimer clock;
  int status = 1;
  auto* poll = new QTimer(&window);
  poll->setInterval(20);
  QObject::connect(poll, &QTimer::timeout, &window, [&] {
    for (int i = 0; i < chart->graphCount(); ++i) {
      QCPGraph* graph = chart->graph(i);
      if (graph->valueAxis() != chart->yAxis2 || graph->dataCount() == 0) continue;
      std::printf("# CPU: %s, %d threads\n", qPrintable(attune::testing::cpuModel()),
                  QThread::idealThreadCount());
      std::printf("# project: %s\n", qPrintable(QFileInfo(project).absoluteFilePath()));
      std::printf("click to first validation accuracy: %.1f s (accuracy %.1f%%)\n", clock.elapsed() / 1000.0,
                  graph->data()->at(0)->value);
      status = 0;
      poll->stop();
      window.stopTraining();
      QTimer::singleShot(0, &app, [] { QCoreApplication::quit(); });
      return;
    }
    if (!window.isTraining() && clock.elapsed() > 5000) {
      std::fprintf(stderr, "The run ended without a validation accuracy.\n");
      poll->stop();
      QCoreApplication::quit();
    }
  });
  QTimer::singleShot(500, &window, [&] {
    clock.start();
    train->click();
    poll->start();
  });
  QApplication::exec();
  while (window.isTraining()) QApplication::processEvents(QEventLoop::AllEvents, 50);
  return status;
}
