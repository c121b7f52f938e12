#pragma once
// The layer groups of the chosen model as a table: each group's learning rate and the epoch from
// which it trains. Rows come from a LayerGroupPlan; the rate cell is editable and reports the edit
// (rateEdited) instead of changing the plan, because the panel owns the config the plan is made from.

#include "core/training/LayerGroupPlan.h"

#include <QAbstractTableModel>

#include <vector>

namespace attune::ui {

class LayerGroupTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { NameColumn, RateColumn, TrainsFromColumn, ColumnCount };

  explicit LayerGroupTableModel(QObject* parent = nullptr);

  // Replaces the rows (a reset when the group names change, a data change otherwise, so an open
  // editor or the selection survives a rate update).
  void setPlan(std::vector<LayerGroupPlan> plan);
  const std::vector<LayerGroupPlan>& plan() const { return m_plan; }

  // "start", "epoch 3", "stays frozen".
  static QString trainsFromText(int trainsFromEpoch);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  // Accepts a rate of 0 or more in the rate column and emits rateEdited; the row shows the new rate
  // once the panel sets the recomputed plan.
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

 signals:
  void rateEdited(const QString& group, double lr);

 private:
  std::vector<LayerGroupPlan> m_plan;
};

}  // namespace attune::ui
