#pragma once
// The Label tab's and the Labels menu's actions: labelling items (one undoable step each), importing
// and exporting labels, class folders, the model's suggestions for the unlabelled items (on a
// worker), and the status bar's sign that every label is on the disk.

#include "core/common/Result.h"
#include "ui/BackgroundJob.h"
#include "ui/WindowController.h"

#include <QStringList>

class QLabel;
class QMenu;

namespace attune::ui {

class EvaluationView;
class LabelStore;
class LabelView;

class LabelController : public WindowController {
  Q_OBJECT

 public:
  // After a run, the model is asked about at most this many unlabelled items without the user asking.
  static constexpr int kSuggestAfterRunItems = 5000;

  LabelController(ProjectDocument& document, LabelStore* labels, LabelView* labelView,
                  EvaluationView* evaluationView, QLabel* labelsSavedLabel, QWidget* window);

  // Fills the Labels menu (its dialogs ask for files, its errors show in message boxes).
  void fillMenu(QMenu* menu);

  // Gives each item (a label journal key, ProjectData.h) its class, as one step that Edit > Undo
  // takes back. On an error no label is made, and the error says why.
  Status labelItems(const QStringList& keys, const QStringList& classNames);
  // A CSV (file or text, label) or a Label Studio JSON export into the project's labels, one step.
  Status importLabels(const QString& path);
  // Every item and its label as CSV, or (.json) as Label Studio tasks with the model's suggestions.
  Status exportLabels(const QString& path);
  // The labelled images copied into one folder per class.
  Status exportClassFolders(const QString& directory);

  // The latest model's suggestions for the unlabelled items, on a worker.
  void requestSuggestions();
  // After a finished run: suggestions when the pool is small enough to answer in moments.
  void suggestAfterRun();
  bool isSuggesting() const { return m_suggestions.isRunning(); }
  // The Label tab's model buttons follow training and the suggestion worker; `status` says what is
  // going on.
  void updateModelState(const QString& status = {});
  // The status bar's sign that every label is on the disk (or that the last one could not be saved).
  void showLabelsSaved(bool saved, const QString& problem = {});

 private:
  LabelStore* m_labels;
  LabelView* m_labelView;
  EvaluationView* m_evaluationView;
  QLabel* m_labelsSavedLabel;
  BackgroundJob m_suggestions;
  QString m_suggestionsRunId;  // the run whose suggestions the Label tab shows
};

}  // namespace attune::ui
