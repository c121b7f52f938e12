#include "ui/LabelClassesMenu.h"

#include "ui/InputDialogHook.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelView.h"

#include <QMenu>

namespace attune::ui {
namespace {

void addClass(LabelView* view) {
  const auto name =
      InputDialogHook::text(view, LabelView::tr("Add Class"), LabelView::tr("Name of the new class:"));
  if (name && !name->trimmed().isEmpty()) (void)view->addClass(*name);  // a failure is shown by addClass
}

void renameClass(LabelView* view) {
  const auto from = InputDialogHook::item(view, LabelView::tr("Rename Class"), LabelView::tr("Class:"),
                                          view->model()->classes());
  if (!from) return;
  const auto to = InputDialogHook::text(view, LabelView::tr("Rename Class"),
                                        LabelView::tr("New name for '%1':").arg(*from), *from);
  if (to) (void)view->renameClass(*from, *to);
}

void mergeClasses(LabelView* view) {
  const QStringList classes = view->model()->classes();
  const auto from = InputDialogHook::item(view, LabelView::tr("Merge Classes"),
                                          LabelView::tr("Merge this class:"), classes);
  if (!from) return;
  QStringList others = classes;
  others.removeAll(*from);
  if (others.isEmpty()) return;
  const auto into =
      InputDialogHook::item(view, LabelView::tr("Merge Classes"), LabelView::tr("…into this class:"), others);
  if (into) (void)view->renameClass(*from, *into);
}

void deleteClass(LabelView* view) {
  const auto name = InputDialogHook::item(
      view, LabelView::tr("Delete Class"),
      LabelView::tr("Class to delete (its items lose their label; Undo brings it back):"),
      view->model()->classes());
  if (name) (void)view->deleteClass(*name);
}

}  // namespace

QMenu* makeClassesMenu(LabelView* view, QWidget* parent) {
  auto* menu = new QMenu(parent);
  menu->setObjectName(QStringLiteral("classesMenu"));
  menu->addAction(LabelView::tr("Add Class…"), view, [view] { addClass(view); });
  menu->addAction(LabelView::tr("Rename Class…"), view, [view] { renameClass(view); });
  menu->addAction(LabelView::tr("Merge Classes…"), view, [view] { mergeClasses(view); });
  menu->addAction(LabelView::tr("Delete Class…"), view, [view] { deleteClass(view); });
  return menu;
}

}  // namespace attune::ui
