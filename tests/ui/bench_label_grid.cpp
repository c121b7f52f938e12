// Benchmark (prints figures; not a test): the Label tab at many images (default 100,000), offscreen.
// Times: writing the images (once; kept for the next run with --dir), the folder scan, building the
// items, a filter change, painting the grid at positions across the whole list (the frame time: what
// "smooth" means), waiting for the visible thumbnails (decoded on workers the first time, read from
// the disk cache the second), and labelling by key (journal sync included), in the Label tab alone
// and in the whole window (whose data panel recounts the classes); and the memory in use.
//
//   bench_label_grid [--images N] [--dir DIR] [--positions K]

#include "core/data/ImageFolderScanner.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "ui/DataPanel.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/MainWindow.h"
#include "ui/ThumbnailCache.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QScrollBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace attune;

namespace {

double rssMiB() {
  QFile status(QStringLiteral("/proc/self/status"));
  if (!status.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : status.readAll().split('\n'))
    if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
  return -1;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

// Scrolls the grid to `positions` places from top to bottom; at each, the time of one full repaint,
// and of waiting until every visible thumbnail is there (at most 5 s).
void scrollThrough(QAbstractItemView* grid, ui::ThumbnailCache& cache, int positions, const char* pass) {
  std::vector<double> frames;
  std::vector<double> waits;
  QScrollBar* bar = grid->verticalScrollBar();
  for (int i = 0; i < positions; ++i) {
    bar->setValue(int(double(bar->maximum()) * i / std::max(1, positions - 1)));
    QElapsedTimer frame;
    frame.start();
    grid->viewport()->repaint();
    frames.push_back(double(frame.nsecsElapsed()) / 1e6);
    QElapsedTimer wait;
    wait.start();
    // Visible thumbnails are requested by that paint; they arrive as the workers finish.
    while (wait.elapsed() < 5000) {
      QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
      bool all = true;
      for (int y = 0; y < grid->viewport()->height() && all; y += 40)
        for (int x = 0; x < grid->viewport()->width() && all; x += 40) {
          const QModelIndex index = grid->indexAt({x, y});
          if (index.isValid() && index.data(Qt::DecorationRole).isNull()) all = false;
        }
      if (all) break;
    }
    waits.push_back(double(wait.elapsed()));
  }
  std::printf(
      "%s: paint per frame median %.1f ms, 95th percentile %.1f ms, max %.1f ms; visible thumbnails "
      "ready after median %.0f ms, max %.0f ms (%d positions)\n",
      pass, percentile(frames, 0.5), percentile(frames, 0.95), percentile(frames, 1.0),
      percentile(waits, 0.5), percentile(waits, 1.0), positions);
  cache.waitForDone();
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QCommandLineParser parser;
  parser.addHelpOption();
  parser.addOptions(
      {{QStringLiteral("images"), QStringLiteral("How many images (default 100000)."), QStringLiteral("n")},
       {QStringLiteral("dir"), QStringLiteral("Where the images are made and kept."), QStringLiteral("dir")},
       {QStringLiteral("positions"), QStringLiteral("Scroll positions (default 30)."), QStringLiteral("k")}});
  parser.process(app);
  const int count = parser.value(QStringLiteral("images")).isEmpty()
                        ? 100000
                        : parser.value(QStringLiteral("images")).toInt();
  const int positions = parser.value(QStringLiteral("positions")).isEmpty()
                            ? 30
                            : parser.value(QStringLiteral("positions")).toInt();
  QTemporaryDir temporary;
  const QString dir =
      parser.value(QStringLiteral("dir")).isEmpty() ? temporary.path() : parser.value(QStringLiteral("dir"));
  const QString root = QDir(dir).filePath(QStringLiteral("images-%1").arg(count));

  QElapsedTimer timer;
  timer.start();
  int written = 0;
  for (int i = 0; i < count; ++i) {
    // 100 sub-folders' worth of names in one pool folder; a few classes labelled by folder.
    const QString path =
        i < count / 10
            ? QStringLiteral("%1/class_%2/%3.png").arg(root).arg(i % 5).arg(i, 6, 10, QLatin1Char('0'))
            : QStringLiteral("%1/unsorted/%2.png").arg(root).arg(i, 6, 10, QLatin1Char('0'));
    if (QFileInfo::exists(path)) continue;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(QColor(i % 256, (i / 256) % 256, (i * 7) % 256));
    image.save(path, "PNG");
    ++written;
  }
  std::printf("%d images (%d written now) in %.1f s\n", count, written, double(timer.elapsed()) / 1000);

  timer.restart();
  auto scanned = scanImagePool(root);
  if (!scanned) {
    std::printf("scan failed: %s\n", qPrintable(scanned.error().text()));
    return 1;
  }
  std::printf("folder scan (header checks, %d threads): %.1f s\n", QThread::idealThreadCount(),
              double(timer.elapsed()) / 1000);
  const double before = rssMiB();

  ui::LabelStore store;
  const QString project = QDir(dir).filePath(QStringLiteral("bench.attune"));
  QFile::remove(LabelJournal::pathFor(project));
  if (auto opened = store.setProjectPath(project); !opened) qFatal("%s", qPrintable(opened.error().text()));
  ui::ThumbnailCache cache(QDir(dir).filePath(QStringLiteral("thumbnails")), 112);
  ui::LabelView view(&store, &cache);
  QObject::connect(&store, &ui::LabelStore::labelsChanged, &view, &ui::LabelView::labelsChanged);
  view.resize(1400, 900);
  view.show();
  timer.restart();
  view.setImages(std::make_shared<const ImageFolder>(std::move(*scanned)));
  QCoreApplication::processEvents();
  std::printf("items built and first shown: %.0f ms; memory %.0f MiB (%.0f MiB before the view)\n",
              double(timer.elapsed()), rssMiB(), before);

  timer.restart();
  view.filterModel()->setShow(ui::LabelFilterModel::Show::Unlabelled);
  const int unlabelled = view.filterModel()->rowCount();
  view.filterModel()->setShow(ui::LabelFilterModel::Show::All);
  std::printf("filter to unlabelled (%d) and back: %.0f ms\n", unlabelled, double(timer.elapsed()));

  // The disk cache of an earlier run of the benchmark would make the first pass a second one.
  QDir(QDir(dir).filePath(QStringLiteral("thumbnails"))).removeRecursively();
  scrollThrough(view.itemView(), cache, positions, "first pass (decoding)");
  ui::ThumbnailCache fresh(QDir(dir).filePath(QStringLiteral("thumbnails")), 112);
  ui::LabelView again(&store, &fresh);
  again.resize(1400, 900);
  again.show();
  again.setImages(std::make_shared<const ImageFolder>(*scanImagePool(root)));
  scrollThrough(again.itemView(), fresh, positions, "second view (disk cache)");

  view.activateWindow();
  if (!QTest::qWaitForWindowActive(&view)) qWarning("The Label tab's window did not become active.");
  view.itemView()->setFocus();
  view.itemView()->setCurrentIndex(view.filterModel()->index(0, 0));
  timer.restart();
  const int keys = 100;
  for (int i = 0; i < keys; ++i) QTest::keyClick(view.itemView(), Qt::Key_1);
  std::printf("labelling by key: %.1f ms per key (%d keys, each synced to the disk)\n",
              double(timer.elapsed()) / keys, keys);

  // The whole window on the same folder: its data panel follows the labels too.
  Project windowProject;
  windowProject.name = QStringLiteral("bench");
  windowProject.data.folder = root;
  const QString windowPath = QDir(dir).filePath(QStringLiteral("bench-window.attune"));
  QFile::remove(LabelJournal::pathFor(windowPath));
  if (auto saved = ProjectFile::save(windowProject, windowPath); !saved) {
    std::printf("cannot save the project: %s\n", qPrintable(saved.error().text()));
    return 1;
  }
  ui::MainWindow window;
  timer.restart();
  if (!window.openProject(windowPath)) return 1;
  window.show();
  std::printf("the whole window opened on the folder: %.1f s\n", double(timer.elapsed()) / 1000);
  auto* windowLabels = window.findChild<ui::LabelView*>();
  window.findChild<QTabWidget*>(QStringLiteral("mainTabs"))->setCurrentWidget(windowLabels);
  window.activateWindow();
  if (!QTest::qWaitForWindowActive(&window)) qWarning("The main window did not become active.");
  windowLabels->itemView()->setFocus();
  windowLabels->itemView()->setCurrentIndex(windowLabels->filterModel()->index(0, 0));
  // A person labelling fast: a key every 200 ms. What they wait for is each key's own handling (the
  // label synced and shown); the data panel recounts in the pauses.
  std::vector<double> keyTimes;
  QElapsedTimer keyTimer;
  for (int i = 0; i < 30; ++i) {
    keyTimer.start();
    QTest::keyClick(windowLabels->itemView(), i % 2 ? Qt::Key_1 : Qt::Key_2);
    keyTimes.push_back(double(keyTimer.nsecsElapsed()) / 1e6);
    QTest::qWait(200);
  }
  std::sort(keyTimes.begin(), keyTimes.end());
  std::printf(
      "labelling by key in the whole window, a key every 200 ms: median %.1f ms, max %.1f ms per key\n",
      keyTimes[keyTimes.size() / 2], keyTimes.back());
  auto* dataPanel = window.findChild<ui::DataPanel*>();
  timer.restart();
  for (int i = 0; i < 5; ++i) dataPanel->setLabelState(window.labelStore()->state());
  std::printf("... the data panel's recount after labels (done in the pauses): %.1f ms\n",
              double(timer.elapsed()) / 5);
  std::printf("memory at the end: %.0f MiB\n", rssMiB());
  return 0;
}
