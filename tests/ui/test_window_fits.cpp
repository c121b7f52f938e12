// The main window on small and large screens (issue 21): it opens inside the screen's available area
// on a 1,366 x 768 laptop screen and on a 1,920 x 1,080 one, restores its last size and position only
// as far as they fit, and every tab can be used at 1,366 x 768 (the window's minimum fits, and the
// buttons of the tab shown lie inside the window). The screens are the offscreen platform's, described
// in a configuration file, so the test sees them as a person's desktop would be measured.

#include "ui/MainWindow.h"

#include <QAbstractButton>
#include <QAbstractScrollArea>
#include <QApplication>
#include <QFile>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace attune::ui;

namespace {

QScreen* screenNamed(const QString& name) {
  for (QScreen* screen : QGuiApplication::screens())
    if (screen->name() == name) return screen;
  return nullptr;
}

// A window as it opens on `screen` (its top-left corner there before it is shown).
std::unique_ptr<MainWindow> openOn(QScreen* screen) {
  auto window = std::make_unique<MainWindow>();
  window->setScreen(screen);
  window->move(screen->geometry().topLeft());
  window->show();
  QTest::qWait(50);
  return window;
}

QString describe(const QRect& r) {
  return QStringLiteral("%1x%2 at %3,%4").arg(r.width()).arg(r.height()).arg(r.x()).arg(r.y());
}

}  // namespace

class TestWindowFits : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() { QSettings().clear(); }

  void opensInsideTheScreen_data() {
    QTest::addColumn<QString>("screenName");
    QTest::newRow("1366 x 768 laptop") << "laptop";
    QTest::newRow("1920 x 1080 desktop") << "desktop";
  }
  void opensInsideTheScreen() {
    QFETCH(QString, screenName);
    QScreen* screen = screenNamed(screenName);
    QVERIFY(screen);
    auto window = openOn(screen);
    const QRect available = screen->availableGeometry();
    QVERIFY2(available.contains(window->frameGeometry()),
             qPrintable(describe(window->frameGeometry()) + QStringLiteral(" on ") + describe(available)));
    // As large as the default (1,400 x 900) where the screen allows it.
    const QMargins frame = window->windowHandle()->frameMargins();
    QCOMPARE(window->width(), std::min(1400, available.width() - frame.left() - frame.right()));
    QCOMPARE(window->height(), std::min(900, available.height() - frame.top() - frame.bottom()));
  }

  void everyTabFitsTheSmallScreen() {
    QScreen* screen = screenNamed(QStringLiteral("laptop"));
    QVERIFY(screen);
    auto window = openOn(screen);
    const QSize available = screen->availableGeometry().size();
    auto* tabs = window->findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    QVERIFY(tabs);
    for (int i = 0; i < tabs->count(); ++i) {
      tabs->setCurrentIndex(i);
      QTest::qWait(20);
      const QString tab = tabs->tabText(i).remove(QLatin1Char('&'));
      const QSize minimum = window->minimumSizeHint();
      QVERIFY2(minimum.width() <= available.width() && minimum.height() <= available.height(),
               qPrintable(
                   QStringLiteral("%1 tab needs %2x%3").arg(tab).arg(minimum.width()).arg(minimum.height())));
      QVERIFY(window->frameGeometry().width() <= available.width());
      // Every button shown on the tab (outside lists that scroll) lies inside the window.
      for (QAbstractButton* button : tabs->currentWidget()->findChildren<QAbstractButton*>()) {
        if (!button->isVisible()) continue;
        bool scrolls = false;
        for (QWidget* up = button->parentWidget(); up && up != window.get(); up = up->parentWidget())
          if (qobject_cast<QAbstractScrollArea*>(up)) scrolls = true;
        if (scrolls) continue;
        const QRect where(button->mapTo(window.get(), QPoint()), button->size());
        QVERIFY2(window->rect().contains(where),
                 qPrintable(QStringLiteral("%1 tab: '%2' (%3) at %4 outside %5")
                                .arg(tab, button->text(), button->objectName(), describe(where),
                                     describe(window->rect()))));
      }
    }
  }

  void restoresItsLastPlaceWhenItFits() {
    QScreen* screen = screenNamed(QStringLiteral("desktop"));
    QVERIFY(screen);
    const QRect available = screen->availableGeometry();
    const QRect last(available.topLeft() + QPoint(100, 60), QSize(1300, 700));
    {
      auto window = openOn(screen);
      window->setGeometry(last);
      QTest::qWait(20);
      QVERIFY(window->close());
    }
    auto window = openOn(screen);
    QCOMPARE(window->geometry(), last);
  }

  void aPlaceSavedOnALargerScreenIsClamped() {
    // Saved on a 4K monitor that is no longer attached: larger than the laptop, and far to its right.
    QSettings().setValue(QStringLiteral("window/geometry"), QRect(3000, 200, 2400, 1500));
    QScreen* screen = screenNamed(QStringLiteral("laptop"));
    auto window = openOn(screen);
    QVERIFY2(screen->availableGeometry().contains(window->frameGeometry()),
             qPrintable(describe(window->frameGeometry())));
    QCOMPARE(window->frameGeometry().size(), screen->availableGeometry().size());
  }
};

int main(int argc, char** argv) {
  // Two screens side by side: a common laptop's and a common desktop monitor's.
  QTemporaryDir folder;
  const QString config = folder.filePath(QStringLiteral("screens.json"));
  QFile file(config);
  if (!file.open(QIODevice::WriteOnly) || file.write(R"({"screens": [
        {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1},
        {"name": "desktop", "x": 1366, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
      ]})") < 0)
    return 2;
  file.close();
  qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + QFile::encodeName(config));
  QStandardPaths::setTestModeEnabled(true);  // settings of its own, not the user's
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("AttuneTest"));
  QApplication::setApplicationName(QStringLiteral("test_window_fits"));
  TestWindowFits test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_window_fits.moc"
