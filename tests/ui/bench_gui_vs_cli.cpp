// The window costs nothing (issue 22): the same project trained from the window (offscreen, Train
// clicked) and from `attune-cli train`, in turn, twice each; each run's speed is read from its own
// metrics.csv (the step rows' elapsed_ms after a warm-up), so both are measured by the engine the same
// way. Prints the CPU, images/s of each run, the medians and the ratio window/command line.
//
//   bench_gui_vs_cli DATA_FOLDER [ARCH] [INPUT_PX]      (default resnet18 at 96 px; batch 32, 1 epoch)
//
// DATA_FOLDER: one sub-folder per class, e.g. the Fashion-MNIST folder of
// tests/benchmarks/make_fashion_mnist_folders.py (BENCH_PER_CLASS=100: 1,000 images). Target: 0.97.

#include "core/project/ProjectFile.h"
#include "tests/support/CpuModel.h"
#include "ui/MainWindow.h"
#include "ui/MessageBoxHook.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

using namespace attune;

namespace {

constexpr int kWarmupSteps = 3;

// The newest run folder of the project (runs/<id>, ids sort by time).
QString newestRun(const QString& projectDir) {
  QStringList runs =
      QDir(projectDir + QStringLiteral("/runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
  return runs.isEmpty() ? QString() : projectDir + QStringLiteral("/runs/") + runs.last();
}

// Images per second of a run's training steps after the warm-up, from its metrics.csv.
std::optional<double> imagesPerSecond(const QString& runDir, int batch) {
  QFile csv(runDir + QStringLiteral("/metrics.csv"));
  if (!csv.open(QIODevice::ReadOnly)) return std::nullopt;
  std::vector<double> elapsed;
  for (const QByteArray& line : csv.readAll().split('\n')) {
    const QList<QByteArray> cells = line.split(',');
    if (cells.size() >= 10 && cells[0] == "step") elapsed.push_back(cells[9].toDouble());
  }
  // Full batches only: the epoch's last step may be short.
  if (int(elapsed.size()) < kWarmupSteps + 3) return std::nullopt;
  const int first = kWarmupSteps - 1, last = int(elapsed.size()) - 2;
  const double ms = elapsed[size_t(last)] - elapsed[size_t(first)];
  return ms > 0 ? std::optional<double>((last - first) * batch / (ms / 1000.0)) : std::nullopt;
}

std::optional<double> trainFromCommandLine(const QString& cli, const QString& project, int batch) {
  QProcess process;
  process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  process.start(cli, {QStringLiteral("train"), project});
  if (!process.waitForFinished(-1) || process.exitCode() != 0) {
    std::fprintf(stderr, "attune-cli train failed: %s\n", process.readAllStandardOutput().constData());
    return std::nullopt;
  }
  return imagesPerSecond(newestRun(QFileInfo(project).absolutePath()), batch);
}

std::optional<double> trainFromWindow(const QString& project, int batch) {
  ui::MainWindow window;
  if (!window.openProject(project)) return std::nullopt;
  window.show();
  auto* train = window.findChild<QPushButton*>(QStringLiteral("trainButton"));
  if (!train) return std::nullopt;
  QApplication::processEvents();
  train->click();
  // Waits in the event loop as the application does (processEvents in a loop would keep a core busy).
  const auto waitAWhile = [] {
    QEventLoop loop;
    QTimer::singleShot(50, &loop, &QEventLoop::quit);
    loop.exec();
  };
  QElapsedTimer started;
  started.start();
  while (!window.isTraining() && started.elapsed() < 10'000) waitAWhile();
  while (window.isTraining()) waitAWhile();
  waitAWhile();
  return imagesPerSecond(newestRun(QFileInfo(project).absolutePath()), batch);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "Use: bench_gui_vs_cli DATA_FOLDER [ARCH] [INPUT_PX]\n");
    return 2;
  }
  const QString data = QFileInfo(QString::fromLocal8Bit(argv[1])).absoluteFilePath();
  const QString arch = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("resnet18");
  const int inputSize = argc > 3 ? std::atoi(argv[3]) : 96;
  const QString cli = QCoreApplication::applicationDirPath() + QStringLiteral("/../../app/attune-cli");
  if (!QFileInfo(cli).isExecutable()) {
    std::fprintf(stderr, "No %s: build attune-cli first.\n", qPrintable(cli));
    return 2;
  }
  // Whatever the window would ask (a question after the run) is answered with its default.
  ui::MessageBoxHook::setTestHandler([](const ui::MessageRequest& request) { return request.defaultButton; });

  QTemporaryDir work;
  Project project;
  project.name = QStringLiteral("bench");
  project.task = TaskKind::ImageClassification;
  project.data.folder = data;
  project.data.valFraction = 0.1;
  project.config.architecture = arch;
  project.config.inputSize = inputSize;
  project.config.batchSize = 32;
  project.config.epochs = 1;
  project.config.weightsPath.clear();
  const QString path = work.filePath(QStringLiteral("bench.attune"));
  if (auto saved = ProjectFile::save(project, path); !saved) {
    std::fprintf(stderr, "%s\n", qPrintable(saved.error().text()));
    return 1;
  }
  std::printf("# CPU: %s, %d threads; %s at %d px, batch 32, one epoch of %s\n",
              qPrintable(attune::testing::cpuModel()), QThread::idealThreadCount(), qPrintable(arch),
              inputSize, qPrintable(data));
  std::vector<double> gui, cli_;
  for (int round = 0; round < 2; ++round) {
    const auto fromCli = trainFromCommandLine(cli, path, 32);
    const auto fromGui = trainFromWindow(path, 32);
    if (!fromCli || !fromGui) {
      std::fprintf(stderr, "A run did not finish with enough steps to measure.\n");
      return 1;
    }
    std::printf("round %d: attune-cli %.2f images/s, window %.2f images/s\n", round + 1, *fromCli, *fromGui);
    std::fflush(stdout);
    cli_.push_back(*fromCli);
    gui.push_back(*fromGui);
  }
  std::printf("median: attune-cli %.2f, window %.2f images/s; window/command line %.3f\n", median(cli_),
              median(gui), median(gui) / median(cli_));
  return 0;
}
