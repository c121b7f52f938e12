#pragma once
// The Data Health tab: what in the project's data would mislead or weaken a model (copies with two
// labels, copies across training and validation, small or unbalanced classes, unreadable files, tiny
// images, short texts), each finding in plain words with three one-click actions: its fix, "Show Me"
// (the items in the Label tab) and "Ignore" (remembered for the project).

#include "core/dataset/DatasetHealth.h"

#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace attune::ui {

class DataHealthView : public QWidget {
  Q_OBJECT

 public:
  explicit DataHealthView(QWidget* parent = nullptr);

  // The findings of a check of the project at `projectPath`; those the user ignored before are not
  // shown.
  void setFindings(std::vector<HealthFinding> findings, const QString& projectPath);
  // Forgets the findings (another project, or the data changed).
  void clear(const QString& message = {});
  void setChecking(bool checking);
  bool hasChecked() const { return m_checked; }
  // The findings shown, in the list's order.
  const std::vector<HealthFinding>& findings() const { return m_findings; }
  QTreeWidget* list() const { return m_list; }

  // What the buttons do to the selected finding.
  void fixSelected();
  void showSelected();
  void ignoreSelected();

 Q_SIGNALS:
  void checkRequested();
  void fixRequested(const HealthFinding& finding);
  void showRequested(const QStringList& keys, const QString& title);

 private:
  void updateButtons();
  const HealthFinding* selected() const;
  QStringList ignoredIds() const;

  QString m_projectPath;
  std::vector<HealthFinding> m_findings;
  bool m_checked = false;
  QPushButton* m_checkButton = nullptr;
  QLabel* m_summary = nullptr;
  QTreeWidget* m_list = nullptr;
  QLabel* m_advice = nullptr;
  QPushButton* m_fixButton = nullptr;
  QPushButton* m_showButton = nullptr;
  QPushButton* m_ignoreButton = nullptr;
};

}  // namespace attune::ui
