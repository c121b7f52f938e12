#include "ui/ConfusionMatrixModel.h"

#include <QColor>

#include <numeric>

namespace attune::ui {
namespace {

// White to a full colour by `share` (0..1).
QColor shade(const QColor& full, double share) {
  const double s = std::clamp(share, 0.0, 1.0);
  return QColor::fromRgbF(float(1.0 - s * (1.0 - full.redF())), float(1.0 - s * (1.0 - full.greenF())),
                          float(1.0 - s * (1.0 - full.blueF())));
}

const QColor kRight(0x2e, 0x9d, 0x4f);
const QColor kWrong(0x1f, 0x5f, 0xbf);

}  // namespace

ConfusionMatrixModel::ConfusionMatrixModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfusionMatrixModel::setMatrix(const QStringList& classes, std::vector<std::vector<int>> confusion) {
  beginResetModel();
  m_classes = classes;
  m_confusion = std::move(confusion);
  m_confusion.resize(size_t(classes.size()));
  for (auto& row : m_confusion) row.resize(size_t(classes.size()), 0);
  endResetModel();
}

void ConfusionMatrixModel::setNormalised(bool normalised) {
  if (normalised == m_normalised) return;
  m_normalised = normalised;
  if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int ConfusionMatrixModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_classes.size());
}

int ConfusionMatrixModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_classes.size());
}

double ConfusionMatrixModel::share(int row, int column) const {
  const auto& counts = m_confusion[size_t(row)];
  const int total = std::accumulate(counts.begin(), counts.end(), 0);
  return total > 0 ? double(counts[size_t(column)]) / total : 0.0;
}

QVariant ConfusionMatrixModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
  const int count = m_confusion[size_t(index.row())][size_t(index.column())];
  const double part = share(index.row(), index.column());
  switch (role) {
    case Qt::DisplayRole:
      return m_normalised ? QStringLiteral("%1 %").arg(part * 100.0, 0, 'f', 1) : QString::number(count);
    case CountRole:
      return count;
    case Qt::TextAlignmentRole:
      return QVariant(Qt::AlignCenter);
    case Qt::BackgroundRole:
      return shade(index.row() == index.column() ? kRight : kWrong, part);
    case Qt::ForegroundRole:
      return part > 0.55 ? QColor(Qt::white) : QColor(Qt::black);
    case Qt::ToolTipRole:
      return tr("%1 examples of %2 predicted as %3 (%4 % of %2). Click to see them.")
          .arg(count)
          .arg(m_classes[index.row()], m_classes[index.column()])
          .arg(part * 100.0, 0, 'f', 1);
    default:
      return {};
  }
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role == Qt::DisplayRole && section >= 0 && section < m_classes.size()) return m_classes[section];
  if (role == Qt::ToolTipRole)
    return orientation == Qt::Vertical ? tr("True class") : tr("Class the model predicted");
  return {};
}

}  // namespace attune::ui
