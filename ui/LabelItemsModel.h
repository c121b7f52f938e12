#pragma once
// The items a user labels in the Label tab: every image of the project's folder (class folders and
// the unlabelled pool) or every text of its table, with the class each has now (the data's label
// with the labels made in Attune on top, read live from the LabelStore) and, after a training run,
// the model's suggestion. LabelFilterModel filters them (unlabelled, a class, a suggested class,
// unsure suggestions) and orders them (file order, or the most useful to label first).

#include "core/data/ImageFolderScanner.h"
#include "core/data/TextDataset.h"
#include "core/dataset/Uncertainty.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <memory>
#include <vector>

namespace attune::ui {

class LabelStore;
class ThumbnailCache;

struct LabelItem {
  QString key;        // the label journal's key (ProjectData.h)
  QString source;     // the image's path, or the text
  QString dataLabel;  // the class the data gives it (class folder, label column); empty: none
  int line = 0;       // texts: where it is in the table
};

class LabelItemsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { ItemColumn, ClassColumn, SuggestionColumn, ColumnCount };
  enum Role {
    KeyRole = Qt::UserRole + 1,
    ClassRole,           // the class now (empty: unlabelled)
    DataClassRole,       // the class the data gives
    SuggestedClassRole,  // the model's top class (empty: no suggestion)
    ConfidenceRole,      // its probability (double; -1: none)
    LeastConfidentRole,  // uncertaintyOf, by measure (double; -1: none)
    MarginRole,
    EntropyRole,
    SourceRole,  // the image path or the text
  };

  LabelItemsModel(const LabelStore* store, ThumbnailCache* thumbnails, QObject* parent = nullptr);

  void setImages(const ImageFolder& scanned);
  void setTexts(const TextDataset& raw, const QString& table);
  void clear();
  bool isText() const { return m_texts; }
  const std::vector<LabelItem>& items() const { return m_items; }
  int rowOf(const QString& key) const { return m_rows.value(key, -1); }

  // The classes to label with, in button order: the data's classes as named now, the classes added
  // in Attune, then any other class a label uses.
  QStringList classes() const { return m_classes; }
  // The class of row `row` now (empty: none).
  QString classOf(int row) const;

  // The model's class probabilities for some items (by key) over `classes`; replaces earlier ones.
  void setSuggestions(QStringList classes, QHash<QString, std::vector<float>> probabilities);
  bool hasSuggestions() const { return !m_suggestions.isEmpty(); }
  QStringList suggestionClasses() const { return m_suggestionClasses; }
  // Row `row`'s suggested class and its probability (empty and -1: none).
  QString suggestionOf(int row, double* confidence = nullptr) const;

  // Follows the LabelStore: `keys` changed (empty: the classes changed, every row may have).
  void labelsChanged(const QStringList& keys);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 Q_SIGNALS:
  // The class list changed (a class added, renamed, merged or deleted).
  void classesChanged();

 private:
  void setItems(std::vector<LabelItem> items, QStringList dataClasses, bool texts);
  void updateClasses();
  void thumbnailReady(const QString& path);

  const LabelStore* m_store;
  ThumbnailCache* m_thumbnails;
  bool m_texts = false;
  std::vector<LabelItem> m_items;
  QHash<QString, int> m_rows;   // by key
  QHash<QString, int> m_paths;  // images: by path (thumbnails arrive by path)
  QStringList m_dataClasses;
  QStringList m_classes;
  QStringList m_suggestionClasses;
  QHash<QString, std::vector<float>> m_suggestions;
};

// The Label tab's filter and order.
class LabelFilterModel : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  enum class Show { All, Unlabelled, Labelled, Class, Suggested, Unsure, Items };
  enum class Order { File, LeastConfident, Margin, Entropy };
  // A suggestion below this probability is unsure (Show::Unsure).
  static constexpr double kUnsureBelow = 0.6;

  explicit LabelFilterModel(QObject* parent = nullptr);
  // `className`: for Show::Class and Show::Suggested.
  void setShow(Show show, const QString& className = {});
  // Show::Items: exactly these items (by key), what "Show me" of a data health finding shows.
  void setItems(QSet<QString> keys);
  void setOrder(Order order);
  Show show() const { return m_show; }
  Order order() const { return m_order; }

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  Show m_show = Show::All;
  QString m_className;
  QSet<QString> m_items;
  Order m_order = Order::File;
};

}  // namespace attune::ui
