#include "ui/InputDialogHook.h"

#include <QInputDialog>

namespace attune::ui {
namespace {

InputDialogHook::Handler& testHandler() {
  static InputDialogHook::Handler handler;
  return handler;
}

}  // namespace

std::optional<QString> InputDialogHook::text(QWidget* parent, const QString& title, const QString& label,
                                             const QString& startText) {
  if (testHandler()) return testHandler()({title, label, {}, startText});
  bool ok = false;
  const QString answer = QInputDialog::getText(parent, title, label, QLineEdit::Normal, startText, &ok);
  if (!ok) return std::nullopt;
  return answer;
}

std::optional<QString> InputDialogHook::item(QWidget* parent, const QString& title, const QString& label,
                                             const QStringList& items) {
  if (testHandler()) return testHandler()({title, label, items, {}});
  bool ok = false;
  const QString answer = QInputDialog::getItem(parent, title, label, items, 0, false, &ok);
  if (!ok) return std::nullopt;
  return answer;
}

void InputDialogHook::setTestHandler(Handler handler) {
  testHandler() = std::move(handler);
}

}  // namespace attune::ui
