#pragma once
// The file dialogs that tests must answer go through here (as MessageBoxHook does for message
// boxes): with a test handler installed, no dialog is shown and the handler's answer is returned.

#include <QString>
#include <QStringList>

#include <functional>

class QWidget;

namespace attune::ui {

class FileDialogHook {
 public:
  // Gets the dialog's caption; returns the chosen path, or empty for Cancel.
  using Handler = std::function<QString(const QString& caption)>;

  // QFileDialog::getExistingDirectory, or the test handler's answer.
  static QString existingDirectory(QWidget* parent, const QString& caption, const QString& startDirectory);
  // QFileDialog::getOpenFileName and getSaveFileName, or the test handler's answer.
  static QString openFileName(QWidget* parent, const QString& caption, const QString& startDirectory,
                              const QString& filter);
  // `selectedFilter`: in, the filter shown first; out, the one the user chose (unchanged in tests).
  static QString saveFileName(QWidget* parent, const QString& caption, const QString& startPath,
                              const QString& filter, QString* selectedFilter = nullptr);
  // QFileDialog::getOpenFileNames; a test handler answers several paths separated by newlines.
  static QStringList openFileNames(QWidget* parent, const QString& caption, const QString& startDirectory,
                                   const QString& filter);

  // For tests: answer every dialog with `handler`; an empty handler shows real dialogs again.
  static void setTestHandler(Handler handler);
};

}  // namespace attune::ui
