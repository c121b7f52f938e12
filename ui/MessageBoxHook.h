#pragma once
// Every message box of the GUI goes through here, so that tests can answer it without a blocking
// exec() (the KeePassXC habit): with a test handler installed, no box is shown and the handler's
// answer is returned instead.

#include <QMessageBox>
#include <QString>

#include <functional>

namespace attune::ui {

struct MessageRequest {
  QMessageBox::Icon icon = QMessageBox::Information;
  QString title;
  QString text;
  QMessageBox::StandardButtons buttons = QMessageBox::Ok;
  QMessageBox::StandardButton defaultButton = QMessageBox::NoButton;
};

class MessageBoxHook {
 public:
  using Handler = std::function<QMessageBox::StandardButton(const MessageRequest&)>;

  static QMessageBox::StandardButton ask(QWidget* parent, const MessageRequest& request);

  static void information(QWidget* parent, const QString& title, const QString& text);
  static void warning(QWidget* parent, const QString& title, const QString& text);
  static QMessageBox::StandardButton question(QWidget* parent, const QString& title, const QString& text,
                                              QMessageBox::StandardButtons buttons,
                                              QMessageBox::StandardButton defaultButton);

  // For tests: answer every box with `handler`; an empty handler shows real boxes again.
  static void setTestHandler(Handler handler);
};

}  // namespace attune::ui
