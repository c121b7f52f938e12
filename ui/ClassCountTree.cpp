#include "ui/ClassCountTree.h"

#include <QHeaderView>

#include <algorithm>

namespace attune::ui {
namespace {

const QColor kWarningColor(0xb3, 0x5c, 0x00);
constexpr int kMinVisibleClassRows = 2;
constexpr int kMaxVisibleClassRows = 8;
constexpr int kFindingsHeight_px = 90;

}  // namespace

ClassCountTree::ClassCountTree(const QString& countHeader, QWidget* parent) : QTreeWidget(parent) {
  setHeaderLabels({tr("Class"), countHeader});
  setRootIsDecorated(false);
  header()->setSectionResizeMode(0, QHeaderView::Stretch);
  header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  header()->setStretchLastSection(false);
  setCounts({}, {});
}

void ClassCountTree::setCounts(const QStringList& classes, const std::vector<int>& counts) {
  clear();
  for (qsizetype i = 0; i < classes.size(); ++i) {
    const int count = size_t(i) < counts.size() ? counts[size_t(i)] : 0;
    auto* item = new QTreeWidgetItem(this, {classes[i], QString::number(count)});
    item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
  }
  // As tall as its rows, up to kMaxVisibleClassRows.
  const int rows = std::clamp(topLevelItemCount(), kMinVisibleClassRows, kMaxVisibleClassRows);
  const int rowHeight = topLevelItemCount() > 0 ? sizeHintForRow(0) : fontMetrics().height() + 4;
  setFixedHeight(header()->sizeHint().height() + rows * rowHeight + 2 * frameWidth());
}

FindingsList::FindingsList(QWidget* parent) : QListWidget(parent) {
  setWordWrap(true);
  setMaximumHeight(kFindingsHeight_px);
  hide();
}

void FindingsList::addWarning(const QString& text) {
  auto* item = new QListWidgetItem(text, this);
  item->setForeground(kWarningColor);
}

void FindingsList::addNote(const QString& text, const QString& toolTip) {
  auto* item = new QListWidgetItem(text, this);
  if (!toolTip.isEmpty()) item->setToolTip(toolTip);
}

}  // namespace attune::ui
