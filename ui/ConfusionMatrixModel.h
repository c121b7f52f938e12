#pragma once
// The confusion matrix of an evaluation as a table: rows are the true classes, columns the
// predicted ones; each cell shows its count or its share of the row (row-normalised), shaded from
// white to blue by that share, with the diagonal in green.

#include "core/eval/Metrics.h"

#include <QAbstractTableModel>

namespace attune::ui {

class ConfusionMatrixModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  // The count of a cell under this role, whatever is displayed.
  static constexpr int CountRole = Qt::UserRole + 1;

  explicit ConfusionMatrixModel(QObject* parent = nullptr);
  void setMatrix(const QStringList& classes, std::vector<std::vector<int>> confusion);
  // Row-normalised: each cell shows its share of the true class's examples.
  void setNormalised(bool normalised);
  bool isNormalised() const { return m_normalised; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  double share(int row, int column) const;

  QStringList m_classes;
  std::vector<std::vector<int>> m_confusion;
  bool m_normalised = false;
};

}  // namespace attune::ui
