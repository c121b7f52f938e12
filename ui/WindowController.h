#pragma once
// What every controller of the main window shares: the open project (ProjectDocument), the window
// as the parent of its dialogs, and two signals the window turns into its status bar and its
// enabled/disabled state. A controller holds one tab's (or one menu's) actions; MainWindow composes
// the controllers and wires them to the widgets.

#include <QObject>
#include <QString>

class QWidget;

namespace attune::ui {

class ProjectDocument;

class WindowController : public QObject {
  Q_OBJECT

 public:
  WindowController(ProjectDocument& document, QWidget* window);

 signals:
  // A line for the status bar; 0 ms: until the next one.
  void statusMessage(const QString& message, int timeout_ms);
  // The controller started or ended work that other actions must wait for (the window re-enables).
  void busyChanged();

 protected:
  static constexpr int kStatusMessage_ms = 4000;

  ProjectDocument& m_document;
  QWidget* m_window;  // the parent of message boxes and file dialogs
};

}  // namespace attune::ui
