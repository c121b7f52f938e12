#pragma once
// The Label tab: label the project's images (a grid of thumbnails and a large preview) or texts (one
// text at a time in a large reader, and a table for bulk work) by pointing or from the keyboard
// alone. Keys 1-9 then A-Z give the selected items the class of that button, 0 or Backspace takes
// their label away, Enter accepts the model's suggestion; the next item then becomes current.
// Filters show the unlabelled items, a class, a suggested class or unsure suggestions, and the
// order can put the items the model is least sure of first. Every action goes through the
// LabelStore: one undoable step, on the disk before it shows.

#include "core/common/Result.h"
#include "core/data/ImageFolderScanner.h"
#include "core/data/TextDataset.h"

#include <QHash>
#include <QWidget>

#include <memory>
#include <vector>

class QAbstractItemView;
class QComboBox;
class QLabel;
class QListView;
class QPushButton;
class QShortcut;
class QStackedWidget;
class QTableView;
class QToolButton;
class QHBoxLayout;

namespace attune::ui {

class LabelFilterModel;
class LabelItemsModel;
class LabelPreview;
class LabelStore;
class ThumbnailCache;

class LabelView : public QWidget {
  Q_OBJECT

 public:
  LabelView(LabelStore* store, ThumbnailCache* thumbnails, QWidget* parent = nullptr);

  // The items to label: every image the folder scan found (class folders and unlabelled), or every
  // text of the table as its columns give them (`table`: its path, for the journal's keys).
  void setImages(std::shared_ptr<const ImageFolder> scanned);
  void setTexts(std::shared_ptr<const TextDataset> raw, const QString& table);
  void clearItems();

  LabelItemsModel* model() const { return m_model; }
  LabelFilterModel* filterModel() const { return m_filter; }
  // The grid (images) or the table (texts) the items are picked in.
  QAbstractItemView* itemView() const;
  // The keys of the selected items, in the order shown.
  QStringList selectedKeys() const;
  // The key of the current item (empty: none).
  QString currentKey() const;

  // The selected items get class `className` (empty: no label) as one step; the next item becomes
  // current. False (and a message box) when it could not be saved.
  bool labelSelected(const QString& className);
  // Shows exactly these items (a data health finding's "Show me"), named `title` in the Show list.
  void showItems(const QStringList& keys, const QString& title);
  // The selected items get the model's suggestion (those without one are left as they are).
  bool acceptSuggestions();
  // The model's class probabilities for some items, by key (after a training run).
  void setSuggestions(const QStringList& classes, QHash<QString, std::vector<float>> probabilities);
  // Classes: what the Classes menu's dialogs do. Errors are shown and returned.
  Status addClass(const QString& name);
  Status renameClass(const QString& from, const QString& to);
  Status deleteClass(const QString& name);
  // The model in the loop: whether a trained model can be asked (and a run started), what the model
  // is doing ("Asking the model…"), and the count of items labelled since the last run began.
  void setModelState(bool canAsk, bool canRetrain, const QString& status = {});
  void startCountingForRun();
  int labelledSinceRun() const { return m_labelledSinceRun; }

 Q_SIGNALS:
  // "Ask the Model": the latest model's suggestions for the unlabelled items are wanted.
  void suggestionsRequested();
  // "Retrain Quickly" (Ctrl+T): a quick run (frozen backbone) on the labels as they are now.
  void quickRetrainRequested();

 public Q_SLOTS:
  // Follows the LabelStore (its labelsChanged).
  void labelsChanged(const QStringList& keys);

 private:
  void rebuildClassButtons();
  void rebuildShowCombo();
  void applyShow();
  void applyOrder();
  void showCurrent();
  void updateCount();
  void scheduleCount();
  bool labelKeys(const QStringList& keys, const QStringList& classNames, const QString& description);
  // After labelling: the item after the last labelled one, or the one that took its place.
  void moveOn(int proxyRow, const QString& lastKey);
  Status reportIfFailed(Status status, const QString& title);

  LabelStore* m_store;
  LabelItemsModel* m_model = nullptr;
  LabelFilterModel* m_filter = nullptr;
  QComboBox* m_showCombo = nullptr;
  QComboBox* m_orderCombo = nullptr;
  QLabel* m_countLabel = nullptr;
  QStackedWidget* m_itemStack = nullptr;
  QListView* m_grid = nullptr;
  QTableView* m_table = nullptr;
  LabelPreview* m_preview = nullptr;
  QHBoxLayout* m_classButtons = nullptr;
  QList<QPushButton*> m_buttons;
  QList<QShortcut*> m_classShortcuts;
  QPushButton* m_noLabelButton = nullptr;
  QPushButton* m_acceptButton = nullptr;
  QToolButton* m_classesButton = nullptr;
  QPushButton* m_askButton = nullptr;
  QPushButton* m_retrainButton = nullptr;
  QLabel* m_modelLabel = nullptr;
  int m_labelledSinceRun = 0;
  bool m_countScheduled = false;
  QLabel* m_emptyLabel = nullptr;
  QString m_itemsTitle;  // the Show list's entry for showItems (empty: none)
};

}  // namespace attune::ui
