// For test_label_view: labels the images of the project PROJECT in a LabelView from the keyboard, until
// it is killed: a seeded random run of class keys (1-3: the project has two classes, so 3 only moves
// the grid's keyboard search), Down, Backspace, Ctrl+Z and Ctrl+Shift+Z. After every step the window has
// shown (the store's labelsChanged), it prints each changed item and its label in the journal now: the class,
// "" (taken away) or "-" (none made: the data's own), as "<item>\t<label>".
#include "core/project/ProjectFile.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QRandomGenerator>
#include <QTest>
#include <QUndoStack>

#include <cstdio>

using namespace attune;

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  if (argc != 3) return 2;
  const QString path = QString::fromLocal8Bit(argv[1]);
  auto project = ProjectFile::load(path);
  if (!project) return 1;
  ui::LabelStore store;
  if (!store.setProjectPath(path)) return 1;
  auto images = scanImagePool(project->data.folder);
  if (!images) return 1;
  ui::LabelView view(&store, nullptr);
  QObject::connect(&store, &ui::LabelStore::labelsChanged, &view, &ui::LabelView::labelsChanged);
  QObject::connect(&store, &ui::LabelStore::labelsChanged, [&store](const QStringList& keys) {
    for (const QString& key : keys) {
      const auto& labels = store.state().itemLabels;
      const auto it = labels.find(key);
      const QString label = it == labels.end() ? QStringLiteral("-") : it->second;
      std::printf("%s\t%s\n", qPrintable(key), qPrintable(label));
    }
    std::fflush(stdout);
  });
  view.setImages(std::make_shared<const ImageFolder>(std::move(*images)));
  QAction* undo = store.undoStack()->createUndoAction(&view);
  undo->setShortcut(QKeySequence::Undo);
  undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  view.addAction(undo);
  QAction* redo = store.undoStack()->createRedoAction(&view);
  redo->setShortcut(QKeySequence::Redo);
  redo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  view.addAction(redo);
  view.show();
  view.activateWindow();
  if (!QTest::qWaitForWindowActive(&view)) return 1;
  QAbstractItemView* items = view.itemView();
  items->setFocus();
  QRandomGenerator random(quint32(std::atoi(argv[2])));
  for (;;) {
    const quint32 choice = random.bounded(10u);
    if (choice < 5)
      QTest::keyClick(items, Qt::Key(Qt::Key_1 + int(choice % 3)));
    else if (choice == 5)
      QTest::keyClick(items, Qt::Key_Down);
    else if (choice == 6)
      QTest::keyClick(items, Qt::Key_Backspace);
    else if (choice < 9)
      QTest::keySequence(items, QKeySequence(QKeySequence::Undo));
    else
      QTest::keySequence(items, QKeySequence(QKeySequence::Redo));
    // Past the last item there is nothing to move to: start at the top again.
    if (items->currentIndex().row() >= items->model()->rowCount() - 1)
      items->setCurrentIndex(items->model()->index(0, 0));
    QCoreApplication::processEvents();
  }
}
