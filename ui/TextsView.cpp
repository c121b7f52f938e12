#include "ui/TextsView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace attune::ui {
namespace {

constexpr int kShownCharacters = 400;     // a cell shows the start of a long text
constexpr int kToolTipCharacters = 3000;  // the tooltip shows more of it
const QString kAllClasses = QStringLiteral("\x01all");
const QString kUnlabelled = QStringLiteral("\x01none");

// One line: runs of whitespace (line breaks included) become one space.
QString oneLine(const QString& text, int limit) {
  QString shown = text.left(limit).simplified();
  if (text.size() > limit) shown += QStringLiteral(" …");
  return shown;
}

}  // namespace

TextTableModel::TextTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void TextTableModel::setDataset(std::shared_ptr<const TextDataset> dataset) {
  beginResetModel();
  m_dataset = std::move(dataset);
  m_rows.clear();
  if (m_dataset) {
    for (const auto& sample : m_dataset->labelled) m_rows.push_back(&sample);
    for (const auto& sample : m_dataset->unlabelled) m_rows.push_back(&sample);
    std::stable_sort(m_rows.begin(), m_rows.end(),
                     [](const TextSample* a, const TextSample* b) { return a->line < b->line; });
  }
  endResetModel();
}

int TextTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_rows.size());
}

int TextTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant TextTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
  const TextSample& sample = *m_rows[size_t(index.row())];
  const QString className = m_dataset->classes.value(sample.label);
  if (role == ClassRole) return className;
  if (role == Qt::TextAlignmentRole && index.column() == LineColumn)
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case LineColumn:
        return sample.line;
      case LabelColumn:
        return sample.label >= 0 ? className : tr("(no label)");
      case TextColumn:
        return oneLine(sample.text, kShownCharacters);
      default:
        return {};
    }
  }
  if (role == Qt::ToolTipRole && index.column() == TextColumn) return sample.text.left(kToolTipCharacters);
  if (role == Qt::ForegroundRole && index.column() == LabelColumn && sample.label < 0)
    return QColor(Qt::gray);
  return {};
}

QVariant TextTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  const bool entries = m_dataset && m_dataset->numbering == RowNumbering::Entry;
  switch (section) {
    case LineColumn:
      return entries ? tr("Entry") : tr("Line");
    case LabelColumn:
      return tr("Label");
    case TextColumn:
      return tr("Text");
    default:
      return {};
  }
}

// Rows whose class matches the chosen one and whose text or label holds the search words.
class TextFilter : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  void setCriteria(const QString& className, const QString& search) {
    m_class = className;
    m_search = search.trimmed();
    invalidateFilter();
  }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
    const QModelIndex first = sourceModel()->index(row, 0, parent);
    const QString className = first.data(TextTableModel::ClassRole).toString();
    if (m_class == kUnlabelled && !className.isEmpty()) return false;
    if (m_class != kAllClasses && m_class != kUnlabelled && className != m_class) return false;
    if (m_search.isEmpty()) return true;
    const QString text =
        sourceModel()->index(row, TextTableModel::TextColumn, parent).data(Qt::ToolTipRole).toString();
    return text.contains(m_search, Qt::CaseInsensitive) || className.contains(m_search, Qt::CaseInsensitive);
  }

 private:
  QString m_class = kAllClasses;
  QString m_search;
};

TextsView::TextsView(QWidget* parent) : QWidget(parent) {
  m_model = new TextTableModel(this);
  m_filter = new TextFilter(this);
  m_filter->setSourceModel(m_model);
  m_searchEdit = new QLineEdit(this);
  m_searchEdit->setObjectName(QStringLiteral("textSearchEdit"));
  m_searchEdit->setPlaceholderText(tr("Search the texts"));
  m_searchEdit->setClearButtonEnabled(true);
  m_classCombo = new QComboBox(this);
  m_classCombo->setObjectName(QStringLiteral("textClassFilter"));
  m_classCombo->setToolTip(tr("Show the texts of one class only."));
  m_countLabel = new QLabel(this);
  m_countLabel->setObjectName(QStringLiteral("textCountLabel"));
  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("textTable"));
  m_table->setModel(m_filter);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(TextTableModel::LineColumn, Qt::AscendingOrder);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setWordWrap(false);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(TextTableModel::LineColumn,
                                                    QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(TextTableModel::LabelColumn,
                                                    QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);

  auto* filters = new QHBoxLayout;
  filters->addWidget(m_searchEdit, 1);
  filters->addWidget(m_classCombo);
  filters->addWidget(m_countLabel);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(filters);
  layout->addWidget(m_table, 1);
  connect(m_searchEdit, &QLineEdit::textChanged, this, &TextsView::applyFilter);
  connect(m_classCombo, &QComboBox::currentIndexChanged, this, &TextsView::applyFilter);
  setDataset(nullptr);
}

QSortFilterProxyModel* TextsView::filteredModel() const {
  return m_filter;
}

void TextsView::setDataset(std::shared_ptr<const TextDataset> dataset) {
  const QString chosen = m_classCombo->currentData().toString();
  m_classCombo->blockSignals(true);
  m_classCombo->clear();
  m_classCombo->addItem(tr("All classes"), kAllClasses);
  if (dataset) {
    for (const QString& name : dataset->classes) m_classCombo->addItem(name, name);
    if (!dataset->unlabelled.empty()) m_classCombo->addItem(tr("No label"), kUnlabelled);
  }
  m_classCombo->setCurrentIndex(std::max(0, m_classCombo->findData(chosen)));
  m_classCombo->blockSignals(false);
  m_model->setDataset(std::move(dataset));
  applyFilter();
}

void TextsView::applyFilter() {
  m_filter->setCriteria(m_classCombo->currentData().toString(), m_searchEdit->text());
  m_countLabel->setText(tr("%1 of %2 texts").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

}  // namespace attune::ui
