#include "ui/LabelItemsModel.h"

#include "core/dataset/ProjectData.h"
#include "ui/LabelStore.h"
#include "ui/ThumbnailCache.h"

#include <QColor>
#include <QFileInfo>
#include <QPixmap>

#include <algorithm>
#include <cmath>

namespace attune::ui {
namespace {

// A text in one table cell: its first line, cut short.
constexpr int kTextCellChars = 200;

}  // namespace

LabelItemsModel::LabelItemsModel(const LabelStore* store, ThumbnailCache* thumbnails, QObject* parent)
    : QAbstractTableModel(parent), m_store(store), m_thumbnails(thumbnails) {
  if (m_thumbnails)
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &LabelItemsModel::thumbnailReady);
}

void LabelItemsModel::setImages(const ImageFolder& scanned) {
  std::vector<LabelItem> items;
  items.reserve(scanned.samples.size() + scanned.unlabelled.size());
  for (const ImageSample& sample : scanned.samples)
    items.push_back(
        {imageItemKey(scanned.root, sample.path), sample.path, scanned.classes.value(sample.label), 0});
  for (const QString& path : scanned.unlabelled)
    items.push_back({imageItemKey(scanned.root, path), path, {}, 0});
  // File order: by path, whatever class folder the image is in.
  std::sort(items.begin(), items.end(), [](const LabelItem& a, const LabelItem& b) { return a.key < b.key; });
  setItems(std::move(items), scanned.classes, false);
}

void LabelItemsModel::setTexts(const TextDataset& raw, const QString& table) {
  std::vector<LabelItem> items;
  items.reserve(raw.labelled.size() + raw.unlabelled.size());
  for (const auto* samples : {&raw.labelled, &raw.unlabelled})
    for (const TextSample& sample : *samples)
      items.push_back(
          {textItemKey(table, sample.line), sample.text, raw.classes.value(sample.label), sample.line});
  std::sort(items.begin(), items.end(),
            [](const LabelItem& a, const LabelItem& b) { return a.line < b.line; });
  setItems(std::move(items), raw.classes, true);
}

void LabelItemsModel::clear() {
  setItems({}, {}, false);
}

void LabelItemsModel::setItems(std::vector<LabelItem> items, QStringList dataClasses, bool texts) {
  beginResetModel();
  m_items = std::move(items);
  m_dataClasses = std::move(dataClasses);
  m_texts = texts;
  m_rows.clear();
  m_paths.clear();
  m_rows.reserve(qsizetype(m_items.size()));
  for (size_t row = 0; row < m_items.size(); ++row) {
    m_rows.insert(m_items[row].key, int(row));
    if (!texts) m_paths.insert(m_items[row].source, int(row));
  }
  m_suggestions.clear();
  m_suggestionClasses.clear();
  endResetModel();
  updateClasses();
}

void LabelItemsModel::updateClasses() {
  const LabelState& state = m_store->state();
  QStringList classes;
  auto add = [&classes](const QString& name) {
    if (!name.isEmpty() && !classes.contains(name)) classes << name;
  };
  for (const QString& dataClass : m_dataClasses) add(state.currentClass(dataClass));
  for (const QString& added : state.addedClasses) add(added);
  QStringList others;
  for (const auto& [key, name] : state.itemLabels)
    if (!name.isEmpty() && !classes.contains(name) && !others.contains(name) && m_rows.contains(key))
      others << name;
  others.sort();
  for (const QString& name : others) add(name);
  if (classes != m_classes) {
    m_classes = classes;
    emit classesChanged();
  }
}

QString LabelItemsModel::classOf(int row) const {
  if (row < 0 || size_t(row) >= m_items.size()) return {};
  const LabelItem& item = m_items[size_t(row)];
  return m_store->state().classOf(item.key, item.dataLabel);
}

void LabelItemsModel::setSuggestions(QStringList classes, QHash<QString, std::vector<float>> probabilities) {
  m_suggestionClasses = std::move(classes);
  m_suggestions = std::move(probabilities);
  if (!m_items.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QString LabelItemsModel::suggestionOf(int row, double* confidence) const {
  if (confidence) *confidence = -1.0;
  if (row < 0 || size_t(row) >= m_items.size()) return {};
  const auto it = m_suggestions.constFind(m_items[size_t(row)].key);
  if (it == m_suggestions.constEnd() || it->empty()) return {};
  const auto top = std::max_element(it->begin(), it->end());
  if (confidence) *confidence = double(*top);
  return m_suggestionClasses.value(qsizetype(top - it->begin()));
}

void LabelItemsModel::labelsChanged(const QStringList& keys) {
  if (m_items.empty()) {
    updateClasses();
    return;
  }
  if (keys.isEmpty()) {
    updateClasses();
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    return;
  }
  for (const QString& key : keys) {
    const int row = m_rows.value(key, -1);
    if (row >= 0) emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
  }
  // A label may name a class no button has yet.
  updateClasses();
}

void LabelItemsModel::thumbnailReady(const QString& path) {
  const int row = m_paths.value(path, -1);
  if (row >= 0) emit dataChanged(index(row, ItemColumn), index(row, ItemColumn), {Qt::DecorationRole});
}

int LabelItemsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_items.size());
}

int LabelItemsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant LabelItemsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const int row = index.row();
  const LabelItem& item = m_items[size_t(row)];
  switch (role) {
    case KeyRole:
      return item.key;
    case ClassRole:
      return classOf(row);
    case DataClassRole:
      return item.dataLabel;
    case SourceRole:
      return item.source;
    case SuggestedClassRole:
      return suggestionOf(row);
    case ConfidenceRole: {
      double confidence = -1.0;
      suggestionOf(row, &confidence);
      return confidence;
    }
    case LeastConfidentRole:
    case MarginRole:
    case EntropyRole: {
      const auto it = m_suggestions.constFind(item.key);
      if (it == m_suggestions.constEnd()) return -1.0;
      const Uncertainty measure = role == LeastConfidentRole ? Uncertainty::LeastConfident
                                  : role == MarginRole       ? Uncertainty::Margin
                                                             : Uncertainty::Entropy;
      return uncertaintyOf(*it, measure);
    }
    default:
      break;
  }
  switch (index.column()) {
    case ItemColumn:
      if (role == Qt::DisplayRole) {
        // Under a thumbnail: its class, else the model's suggestion with a question mark.
        if (!m_texts) {
          const QString now = classOf(row);
          if (!now.isEmpty()) return now;
          double confidence = -1.0;
          const QString suggested = suggestionOf(row, &confidence);
          return suggested.isEmpty()
                     ? tr("(unlabelled)")
                     : tr("%1? %2 %").arg(suggested).arg(int(std::lround(100.0 * confidence)));
        }
        const QString firstLine = item.source.section(QLatin1Char('\n'), 0, 0);
        return firstLine.size() > kTextCellChars ? firstLine.left(kTextCellChars) + QStringLiteral("…")
                                                 : firstLine;
      }
      if (role == Qt::ToolTipRole) return m_texts ? item.source.left(2000) : item.key;
      if (role == Qt::ForegroundRole && !m_texts && classOf(row).isEmpty()) return QColor(Qt::darkGray);
      if (role == Qt::DecorationRole && !m_texts && m_thumbnails) {
        const QImage thumbnail = m_thumbnails->thumbnail(item.source);
        if (!thumbnail.isNull()) return QPixmap::fromImage(thumbnail);
      }
      return {};
    case ClassColumn:
      if (role == Qt::DisplayRole) {
        const QString now = classOf(row);
        return now.isEmpty() ? tr("(unlabelled)") : now;
      }
      return {};
    case SuggestionColumn:
      if (role == Qt::DisplayRole) {
        double confidence = -1.0;
        const QString suggested = suggestionOf(row, &confidence);
        return suggested.isEmpty() ? QString()
                                   : tr("%1 (%2 %)").arg(suggested).arg(int(std::lround(100.0 * confidence)));
      }
      return {};
    default:
      return {};
  }
}

QVariant LabelItemsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ItemColumn:
      return m_texts ? tr("Text") : tr("Image");
    case ClassColumn:
      return tr("Class");
    case SuggestionColumn:
      return tr("Model suggests");
    default:
      return {};
  }
}

LabelFilterModel::LabelFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
  setDynamicSortFilter(true);
}

void LabelFilterModel::setShow(Show show, const QString& className) {
  m_show = show;
  m_className = className;
  invalidateFilter();
}

void LabelFilterModel::setItems(QSet<QString> keys) {
  m_items = std::move(keys);
  if (m_show == Show::Items) invalidateFilter();
}

void LabelFilterModel::setOrder(Order order) {
  m_order = order;
  invalidate();
  sort(m_order == Order::File ? -1 : 0, Qt::AscendingOrder);
}

bool LabelFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
  const QString now = index.data(LabelItemsModel::ClassRole).toString();
  switch (m_show) {
    case Show::All:
      return true;
    case Show::Unlabelled:
      return now.isEmpty();
    case Show::Labelled:
      return !now.isEmpty();
    case Show::Class:
      return now == m_className;
    case Show::Suggested:
      return index.data(LabelItemsModel::SuggestedClassRole).toString() == m_className;
    case Show::Items:
      return m_items.contains(index.data(LabelItemsModel::KeyRole).toString());
    case Show::Unsure: {
      const double confidence = index.data(LabelItemsModel::ConfidenceRole).toDouble();
      return confidence >= 0.0 && confidence < kUnsureBelow;
    }
  }
  return true;
}

bool LabelFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const int role = m_order == Order::LeastConfident ? LabelItemsModel::LeastConfidentRole
                   : m_order == Order::Margin       ? LabelItemsModel::MarginRole
                                                    : LabelItemsModel::EntropyRole;
  if (m_order == Order::File) return left.row() < right.row();
  // The least sure first: a higher uncertainty sorts before; ties keep the file order.
  const double a = left.data(role).toDouble();
  const double b = right.data(role).toDouble();
  return a != b ? a > b : left.row() < right.row();
}

}  // namespace attune::ui
