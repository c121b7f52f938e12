#include "ui/MessageBoxHook.h"

namespace attune::ui {
namespace {

MessageBoxHook::Handler& testHandler() {
  static MessageBoxHook::Handler handler;
  return handler;
}

}  // namespace

QMessageBox::StandardButton MessageBoxHook::ask(QWidget* parent, const MessageRequest& request) {
  if (testHandler()) return testHandler()(request);
  QMessageBox box(request.icon, request.title, request.text, request.buttons, parent);
  if (request.defaultButton != QMessageBox::NoButton) box.setDefaultButton(request.defaultButton);
  return static_cast<QMessageBox::StandardButton>(box.exec());
}

void MessageBoxHook::information(QWidget* parent, const QString& title, const QString& text) {
  ask(parent, {QMessageBox::Information, title, text, QMessageBox::Ok, QMessageBox::Ok});
}

void MessageBoxHook::warning(QWidget* parent, const QString& title, const QString& text) {
  ask(parent, {QMessageBox::Warning, title, text, QMessageBox::Ok, QMessageBox::Ok});
}

QMessageBox::StandardButton MessageBoxHook::question(QWidget* parent, const QString& title,
                                                     const QString& text,
                                                     QMessageBox::StandardButtons buttons,
                                                     QMessageBox::StandardButton defaultButton) {
  return ask(parent, {QMessageBox::Question, title, text, buttons, defaultButton});
}

void MessageBoxHook::setTestHandler(Handler handler) {
  testHandler() = std::move(handler);
}

}  // namespace attune::ui
