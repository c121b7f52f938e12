#pragma once
// The GUI's small input dialogs (a name to type, an item to pick) go through here, as file dialogs
// go through FileDialogHook and message boxes through MessageBoxHook: with a test handler
// installed, no dialog is shown and the handler's answer is returned.

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QWidget;

namespace attune::ui {

struct InputRequest {
  QString title;
  QString label;
  QStringList items;  // getItem's choices; empty for a text
  QString text;       // getText's starting text
};

class InputDialogHook {
 public:
  // The answer, or nullopt for Cancel.
  using Handler = std::function<std::optional<QString>(const InputRequest&)>;

  // QInputDialog::getText: a line of text, nullopt when cancelled.
  static std::optional<QString> text(QWidget* parent, const QString& title, const QString& label,
                                     const QString& startText = {});
  // QInputDialog::getItem (not editable): one of `items`, nullopt when cancelled.
  static std::optional<QString> item(QWidget* parent, const QString& title, const QString& label,
                                     const QStringList& items);

  // For tests: answer every dialog with `handler`; an empty handler shows real dialogs again.
  static void setTestHandler(Handler handler);
};

}  // namespace attune::ui
