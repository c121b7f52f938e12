#pragma once
// The texts of a text project as a table (line in the file, label, text), with a search box and a
// class filter: what the data looks like after the column mapping.

#include "core/data/TextDataset.h"

#include <QAbstractTableModel>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace attune::ui {

// Every text of a dataset, labelled and unlabelled, in file order.
class TextTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { LineColumn, LabelColumn, TextColumn, ColumnCount };
  // The class name of a row under this role (empty for unlabelled texts), for filtering.
  static constexpr int ClassRole = Qt::UserRole + 1;

  explicit TextTableModel(QObject* parent = nullptr);
  void setDataset(std::shared_ptr<const TextDataset> dataset);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const TextDataset> m_dataset;
  std::vector<const TextSample*> m_rows;  // into m_dataset, by line
};

class TextsView : public QWidget {
  Q_OBJECT

 public:
  explicit TextsView(QWidget* parent = nullptr);
  void setDataset(std::shared_ptr<const TextDataset> dataset);
  TextTableModel* model() const { return m_model; }
  QSortFilterProxyModel* filteredModel() const;

 private:
  void applyFilter();

  TextTableModel* m_model = nullptr;
  class TextFilter* m_filter = nullptr;
  QLineEdit* m_searchEdit = nullptr;
  QComboBox* m_classCombo = nullptr;
  QLabel* m_countLabel = nullptr;
  QTableView* m_table = nullptr;
};

}  // namespace attune::ui
