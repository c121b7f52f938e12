#pragma once
// The Label tab's Classes menu: add, rename, merge and delete a class, each asked in a small dialog
// (InputDialogHook) and done by the LabelView, which shows a failure.

class QMenu;
class QWidget;

namespace attune::ui {

class LabelView;

// A menu owned by `parent` whose actions work on `view`'s classes.
QMenu* makeClassesMenu(LabelView* view, QWidget* parent);

}  // namespace attune::ui
