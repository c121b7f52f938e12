#pragma once
// The data panels' list of classes with their counts (images or texts), as tall as its rows up to a
// limit so that the settings below stay in view, and their list of findings (warnings, left-out files
// or rows).

#include <QListWidget>
#include <QTreeWidget>

#include <vector>

namespace attune::ui {

class ClassCountTree : public QTreeWidget {
  Q_OBJECT

 public:
  // `countHeader`: "Images" or "Texts".
  ClassCountTree(const QString& countHeader, QWidget* parent = nullptr);
  // One row per class with its count (counts shorter than classes count 0).
  void setCounts(const QStringList& classes, const std::vector<int>& counts);
};

class FindingsList : public QListWidget {
  Q_OBJECT

 public:
  explicit FindingsList(QWidget* parent = nullptr);
  void addWarning(const QString& text);
  void addNote(const QString& text, const QString& toolTip = {});
  // Shown only when it holds something.
  void updateVisibility() { setVisible(count() > 0); }
};

}  // namespace attune::ui
