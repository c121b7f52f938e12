#include "ui/FileDialogHook.h"

#include <QFileDialog>

namespace attune::ui {
namespace {

FileDialogHook::Handler& testHandler() {
  static FileDialogHook::Handler handler;
  return handler;
}

}  // namespace

QString FileDialogHook::existingDirectory(QWidget* parent, const QString& caption,
                                          const QString& startDirectory) {
  if (testHandler()) return testHandler()(caption);
  return QFileDialog::getExistingDirectory(parent, caption, startDirectory);
}

QString FileDialogHook::openFileName(QWidget* parent, const QString& caption, const QString& startDirectory,
                                     const QString& filter) {
  if (testHandler()) return testHandler()(caption);
  return QFileDialog::getOpenFileName(parent, caption, startDirectory, filter);
}

QString FileDialogHook::saveFileName(QWidget* parent, const QString& caption, const QString& startPath,
                                     const QString& filter, QString* selectedFilter) {
  if (testHandler()) return testHandler()(caption);
  return QFileDialog::getSaveFileName(parent, caption, startPath, filter, selectedFilter);
}

QStringList FileDialogHook::openFileNames(QWidget* parent, const QString& caption,
                                          const QString& startDirectory, const QString& filter) {
  if (testHandler()) return testHandler()(caption).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  return QFileDialog::getOpenFileNames(parent, caption, startDirectory, filter);
}

void FileDialogHook::setTestHandler(Handler handler) {
  testHandler() = std::move(handler);
}

}  // namespace attune::ui
