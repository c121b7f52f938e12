#pragma once
// The runs of a project as a table: which to show on the history chart (a check box), when each
// started, its model and key settings, how long it trained, its best validation figures, and its data
// version (runs with the same version saw the same examples with the same labels).

#include "core/eval/SavedRun.h"

#include <QAbstractTableModel>

#include <vector>

namespace attune::ui {

class RunHistoryModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    RunColumn,
    StartedColumn,
    ModelColumn,
    EpochsColumn,
    BestColumn,
    DataColumn,
    SettingsColumn,
    ColumnCount
  };

  explicit RunHistoryModel(QObject* parent = nullptr);

  // Newest first, as savedRunsOf gives them; the newest few are shown on the chart.
  void setRuns(std::vector<SavedRun> runs);
  const std::vector<SavedRun>& runs() const { return m_runs; }
  const SavedRun& run(int row) const { return m_runs[size_t(row)]; }
  bool isShown(int row) const { return m_shown[size_t(row)]; }
  void setShown(int row, bool shown);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // A few words on the settings people change most: rates, freezing, schedule.
  static QString keySettings(const SavedRun& run);

 signals:
  void shownChanged();

 private:
  std::vector<SavedRun> m_runs;
  std::vector<bool> m_shown;
};

}  // namespace attune::ui
