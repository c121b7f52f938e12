#include "ui/LayerGroupTableModel.h"

#include <QColor>
#include <QPalette>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace attune::ui {

LayerGroupTableModel::LayerGroupTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerGroupTableModel::setPlan(std::vector<LayerGroupPlan> plan) {
  const bool sameRows =
      plan.size() == m_plan.size() &&
      std::equal(plan.begin(), plan.end(), m_plan.begin(),
                 [](const LayerGroupPlan& a, const LayerGroupPlan& b) { return a.name == b.name; });
  if (!sameRows) {
    beginResetModel();
    m_plan = std::move(plan);
    endResetModel();
    return;
  }
  m_plan = std::move(plan);
  if (!m_plan.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QString LayerGroupTableModel::trainsFromText(int trainsFromEpoch) {
  if (trainsFromEpoch == 1) return tr("start");
  if (trainsFromEpoch <= 0) return tr("stays frozen");
  return tr("epoch %1").arg(trainsFromEpoch);
}

int LayerGroupTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_plan.size());
}

int LayerGroupTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerGroupTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() ||
      !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const LayerGroupPlan& group = m_plan[size_t(index.row())];
  const bool frozenAtStart = group.trainsFromEpoch != 1;
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case NameColumn:
          return group.isHead ? tr("%1 (new layer)").arg(group.name) : group.name;
        case RateColumn:
          // Plain decimals, like the rate spin boxes: "1e-04" is easily misread.
          return QString::number(group.baseLr, 'f', 8).remove(QRegularExpression(QStringLiteral("\\.?0+$")));
        case TrainsFromColumn:
          return trainsFromText(group.trainsFromEpoch);
      }
      return {};
    case Qt::EditRole:
      switch (index.column()) {
        case NameColumn:
          return group.name;
        case RateColumn:
          return group.baseLr;
        case TrainsFromColumn:
          return group.trainsFromEpoch;
      }
      return {};
    case Qt::ForegroundRole:
      if (frozenAtStart) return QPalette().color(QPalette::Disabled, QPalette::Text);
      return {};
    case Qt::ToolTipRole:
      if (index.column() == RateColumn)
        return tr("How big a step the layers of \"%1\" take when they learn. Double-click to set it by "
                  "hand; \"Reset rates\" goes back to the rates worked out from the two rates and the "
                  "layer decay.")
            .arg(group.name);
      if (index.column() == TrainsFromColumn)
        return frozenAtStart ? tr("These layers start frozen: they keep their pre-trained values until "
                                  "the epoch shown.")
                             : tr("These layers learn from the first epoch.");
      return {};
    case Qt::TextAlignmentRole:
      if (index.column() == RateColumn) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
      return {};
  }
  return {};
}

QVariant LayerGroupTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case NameColumn:
      return tr("Group");
    case RateColumn:
      return tr("Learning rate");
    case TrainsFromColumn:
      return tr("Trains from");
  }
  return {};
}

Qt::ItemFlags LayerGroupTableModel::flags(const QModelIndex& index) const {
  if (!index.isValid() ||
      !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == RateColumn) f |= Qt::ItemIsEditable;
  return f;
}

bool LayerGroupTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || index.column() != RateColumn ||
      !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return false;
  bool ok = false;
  const double lr = value.toDouble(&ok);
  if (!ok || !(lr >= 0.0) || !std::isfinite(lr)) return false;
  LayerGroupPlan& group = m_plan[size_t(index.row())];
  group.baseLr = lr;
  Q_EMIT dataChanged(index, index);
  Q_EMIT rateEdited(group.name, lr);
  return true;
}

}  // namespace attune::ui
