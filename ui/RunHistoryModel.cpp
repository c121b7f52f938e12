#include "ui/RunHistoryModel.h"

#include "core/models/Architecture.h"

#include <QDateTime>

namespace attune::ui {
namespace {

// How many of the newest runs start out on the chart.
constexpr int kShownAtFirst = 3;

QString rate(double value) {
  return QString::number(value, 'g', 3);
}

}  // namespace

RunHistoryModel::RunHistoryModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunHistoryModel::setRuns(std::vector<SavedRun> runs) {
  beginResetModel();
  m_runs = std::move(runs);
  m_shown.assign(m_runs.size(), false);
  for (size_t i = 0; i < m_runs.size() && i < size_t(kShownAtFirst); ++i) m_shown[i] = true;
  endResetModel();
  emit shownChanged();
}

void RunHistoryModel::setShown(int row, bool shown) {
  if (row < 0 || row >= rowCount() || m_shown[size_t(row)] == shown) return;
  m_shown[size_t(row)] = shown;
  const QModelIndex cell = index(row, RunColumn);
  emit dataChanged(cell, cell, {Qt::CheckStateRole});
  emit shownChanged();
}

int RunHistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_runs.size());
}

int RunHistoryModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QString RunHistoryModel::keySettings(const SavedRun& run) {
  const TrainingConfig& c = run.config;
  QStringList parts;
  parts << tr("rates %1 / %2").arg(rate(c.lrHead), rate(c.lrBackbone));
  if (c.freeze == FreezeMode::Backbone)
    parts << (c.unfreezeEvery > 0 || !c.unfreezeAt.empty() ? tr("gradual unfreezing") : tr("frozen"));
  else if (c.freezeGroups > 0)
    parts << (c.freezeGroups == 1 ? tr("1 group frozen") : tr("%1 groups frozen").arg(c.freezeGroups));
  parts << toString(c.schedule);
  if (c.folds > 1) parts << tr("%1-fold").arg(c.folds);
  if (c.preset != Preset::Custom) parts.prepend(toString(c.preset));
  return parts.join(QStringLiteral(", "));
}

QVariant RunHistoryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const SavedRun& r = m_runs[size_t(index.row())];
  if (role == Qt::CheckStateRole && index.column() == RunColumn)
    return m_shown[size_t(index.row())] ? Qt::Checked : Qt::Unchecked;
  if (role == Qt::TextAlignmentRole && (index.column() == EpochsColumn || index.column() == BestColumn))
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole && index.column() == DataColumn)
    return r.dataVersion.isEmpty()
               ? tr("This run was made before Attune recorded data versions.")
               : tr("Data version %1: runs with the same version trained and validated on "
                    "the same examples with the same labels.")
                     .arg(r.dataVersion);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case RunColumn:
      return r.id;
    case StartedColumn: {
      const QDateTime started = QDateTime::fromString(r.startedAt, Qt::ISODate);
      return started.isValid() ? QLocale().toString(started.toLocalTime(), QLocale::ShortFormat)
                               : r.startedAt;
    }
    case ModelColumn: {
      const ArchitectureInfo* info = findArchitecture(r.config.architecture);
      return info ? info->displayName : r.config.architecture;
    }
    case SettingsColumn:
      return keySettings(r);
    case EpochsColumn:
      return r.folds.isEmpty()
                 ? tr("%1 of %2").arg(r.epochs.empty() ? 0 : r.epochs.back().epoch).arg(r.config.epochs)
                 : tr("%1 folds").arg(r.folds.size());
    case BestColumn: {
      const EpochRecord* best = r.epoch(r.bestEpoch());
      return best ? tr("%1 % (epoch %2)")
                        .arg(QString::number(100.0 * best->valAccuracy, 'f', 1))
                        .arg(best->epoch)
                  : QStringLiteral("–");
    }
    case DataColumn:
      return r.dataVersion.isEmpty() ? QStringLiteral("–") : r.dataVersion.left(8);
    default:
      return {};
  }
}

bool RunHistoryModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || index.column() != RunColumn || role != Qt::CheckStateRole) return false;
  setShown(index.row(), value.toInt() == Qt::Checked);
  return true;
}

Qt::ItemFlags RunHistoryModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == RunColumn) flags |= Qt::ItemIsUserCheckable;
  return flags;
}

QVariant RunHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case RunColumn:
      return tr("Run");
    case StartedColumn:
      return tr("Started");
    case ModelColumn:
      return tr("Model");
    case SettingsColumn:
      return tr("Key settings");
    case EpochsColumn:
      return tr("Epochs");
    case BestColumn:
      return tr("Best validation accuracy");
    case DataColumn:
      return tr("Data");
    default:
      return {};
  }
}

}  // namespace attune::ui
