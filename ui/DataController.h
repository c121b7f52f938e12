#pragma once
// The project's data as the window shows it: the image or text data panel, the Texts tab and the
// items of the Label tab follow the project's folder or table and its labels. Labelling fast
// (a key per item) recounts the panels at most every kLabelRefresh_ms.

#include "ui/WindowController.h"

#include <QStringList>

class QStackedWidget;
class QTimer;

namespace attune::ui {

class DataPanel;
class EvaluationView;
class LabelStore;
class LabelView;
class TextDataPanel;
class TextsView;
class TrainingSettingsPanel;
class TryPanel;

class DataController : public WindowController {
  Q_OBJECT

 public:
  static constexpr int kLabelRefresh_ms = 150;

  struct Views {
    QStackedWidget* dataStack = nullptr;  // holds the two data panels
    DataPanel* images = nullptr;
    TextDataPanel* texts = nullptr;
    TextsView* textsView = nullptr;
    LabelView* labelView = nullptr;
    EvaluationView* evaluationView = nullptr;
    TrainingSettingsPanel* settings = nullptr;
    TryPanel* tryPanel = nullptr;
  };

  DataController(ProjectDocument& document, LabelStore* labels, const Views& views, QWidget* window);

  // Another project was opened: every data view shows its data and labels.
  void showProject();
  void setEditable(bool editable);
  // A refresh after labels still pending is done now (before saving or training).
  void flushLabelRefresh();

 private:
  void onFolderChosen(const QString& folder);
  void onTextDataChosen();
  // `keys` are the items whose label changed (empty: the classes changed).
  void onLabelsChanged(const QStringList& keys);
  void refreshAfterLabels();
  // The Label tab follows the project's data (a new folder or table, another project).
  void updateLabelView();
  // The settings' rate preview counts the training items.
  void updateTrainingItemCount();
  void showDecidedItems();

  LabelStore* m_labels;
  Views m_views;
  QTimer* m_labelRefreshTimer;  // a refresh after labels, pending while labelling fast
};

}  // namespace attune::ui
