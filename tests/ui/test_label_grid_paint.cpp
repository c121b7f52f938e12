// The Label tab's grid as a person sees it the first time a folder is opened (issue 21): with an
// empty thumbnail cache, every visible item is painted as a whole thumbnail with its class as a
// caption under it, both before and after the thumbnails arrive. The grid is rendered to an image and
// each visible item's painted square and caption are measured there (the items are solid colours).

#include "core/data/ImageFolderScanner.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/ThumbnailCache.h"

#include <QElapsedTimer>
#include <QImage>
#include <QListView>
#include <QTemporaryDir>
#include <QtTest>

using namespace attune;
using namespace attune::ui;

namespace {

constexpr int kThumbnail_px = 112;
constexpr int kImagesPerClass = 12;

struct ClassColour {
  const char* name;
  QColor colour;
};
const ClassColour kClasses[] = {
    {"red", QColor(220, 30, 30)}, {"green", QColor(30, 180, 40)}, {"blue", QColor(30, 60, 220)}};

bool near(const QColor& a, const QColor& b) {
  return std::abs(a.red() - b.red()) < 40 && std::abs(a.green() - b.green()) < 40 &&
         std::abs(a.blue() - b.blue()) < 40;
}

}  // namespace

class TestLabelGridPaint : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  // Checks every item the grid shows in full: a painted square of its colour of about the thumbnail's
  // size, and a caption of dark pixels about as wide as its class name under it.
  void checkVisibleItems(QListView* grid, const QString& when) {
    const QImage picture = grid->viewport()->grab().toImage();
    const QRect shown = grid->viewport()->rect();
    int checked = 0;
    for (int row = 0; row < grid->model()->rowCount(); ++row) {
      const QModelIndex index = grid->model()->index(row, LabelItemsModel::ItemColumn);
      const QRect item = grid->visualRect(index);
      // The selected item is drawn in the highlight's colours: the others are measured.
      if (!shown.contains(item) || grid->selectionModel()->isSelected(index)) continue;
      const QString name = index.data(Qt::DisplayRole).toString();
      QColor colour;
      for (const ClassColour& c : kClasses)
        if (name == QLatin1String(c.name)) colour = c.colour;
      QVERIFY2(colour.isValid(), qPrintable(when + QStringLiteral(": caption '%1'").arg(name)));
      QRect painted;
      for (int y = item.top(); y <= item.bottom(); ++y)
        for (int x = item.left(); x <= item.right(); ++x)
          if (near(picture.pixelColor(x, y), colour)) painted |= QRect(x, y, 1, 1);
      const QString where = QStringLiteral("%1: item %2 (%3) at %4,%5 painted %6x%7")
                                .arg(when)
                                .arg(row)
                                .arg(name)
                                .arg(item.x())
                                .arg(item.y())
                                .arg(painted.width())
                                .arg(painted.height());
      QVERIFY2(
          std::abs(painted.width() - kThumbnail_px) <= 4 && std::abs(painted.height() - kThumbnail_px) <= 4,
          qPrintable(where));
      // The caption: dark text in the band under the thumbnail, about as wide as the class name.
      int left = item.right(), right = item.left(), dark = 0;
      for (int y = painted.bottom() + 1; y <= item.bottom(); ++y)
        for (int x = item.left(); x <= item.right(); ++x)
          if (qGray(picture.pixel(x, y)) < 110) {
            ++dark;
            left = std::min(left, x);
            right = std::max(right, x);
          }
      const int textWidth = grid->fontMetrics().horizontalAdvance(name);
      QVERIFY2(
          dark > 10 && right - left + 1 >= textWidth / 2 && right - left + 1 <= textWidth + 6,
          qPrintable(
              where +
              QStringLiteral(", caption %1 px wide for %2 px of text").arg(right - left + 1).arg(textWidth)));
      ++checked;
    }
    QVERIFY2(checked >= 6, qPrintable(when + QStringLiteral(": only %1 items in view").arg(checked)));
  }

  // Items scrolled into view ask for their thumbnails only when painted: waits until every item in
  // view has its decoded thumbnail, then for the repaint that shows them (a loaded machine may need
  // several rounds; the deadline is generous, the check that follows is exact).
  static void waitForVisibleThumbnails(QListView* grid, ThumbnailCache& thumbnails) {
    QElapsedTimer clock;
    clock.start();
    for (;;) {
      QTest::qWait(50);
      thumbnails.waitForDone();
      QTest::qWait(50);  // the decoded thumbnails' signals reach the grid
      bool all = true;
      const QRect shown = grid->viewport()->rect();
      for (int row = 0; row < grid->model()->rowCount() && all; ++row) {
        const QModelIndex index = grid->model()->index(row, LabelItemsModel::ItemColumn);
        if (shown.contains(grid->visualRect(index)))
          all = !thumbnails.thumbnail(index.data(LabelItemsModel::SourceRole).toString()).isNull();
      }
      if (all || clock.elapsed() > 20000) break;
    }
    QTest::qWait(50);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    for (const ClassColour& c : kClasses) {
      QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("images/%1").arg(QLatin1String(c.name))));
      for (int i = 0; i < kImagesPerClass; ++i) {
        QImage image(64, 64, QImage::Format_RGB32);
        image.fill(c.colour);
        QVERIFY(
            image.save(m_dir.filePath(QStringLiteral("images/%1/%2.png").arg(QLatin1String(c.name)).arg(i))));
      }
    }
  }

  void aFreshFolderIsPaintedWhole() {
    auto folder = scanImageFolder(m_dir.filePath(QStringLiteral("images")));
    QVERIFY(folder.ok());
    // An empty cache folder: nothing decoded yet, as on a new user's first open.
    const QString cache = m_dir.filePath(QStringLiteral("thumbnails"));
    QVERIFY(!QDir(cache).exists());
    LabelStore store;
    ThumbnailCache thumbnails(cache, kThumbnail_px);
    LabelView view(&store, &thumbnails);
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setImages(std::make_shared<const ImageFolder>(std::move(*folder)));
    auto* grid = qobject_cast<QListView*>(view.itemView());
    QVERIFY(grid);
    QTest::qWait(50);
    // While the thumbnails are decoded: the items already have their size and caption.
    for (int row = 0; row < grid->model()->rowCount(); ++row) {
      const QRect item = grid->visualRect(grid->model()->index(row, LabelItemsModel::ItemColumn));
      QVERIFY2(item.height() >= kThumbnail_px + grid->fontMetrics().height(),
               qPrintable(QStringLiteral("item %1 is %2 px high").arg(row).arg(item.height())));
    }
    waitForVisibleThumbnails(grid, thumbnails);
    checkVisibleItems(grid, QStringLiteral("first open"));
    // Scrolled to the end and back: the same.
    grid->scrollToBottom();
    waitForVisibleThumbnails(grid, thumbnails);
    checkVisibleItems(grid, QStringLiteral("scrolled to the end"));
  }
};

QTEST_MAIN(TestLabelGridPaint)
#include "test_label_grid_paint.moc"
