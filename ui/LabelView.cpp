#include "ui/LabelView.h"

#include "ui/LabelClassesMenu.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelPreview.h"
#include "ui/LabelStore.h"
#include "ui/MessageBoxHook.h"
#include "ui/ThumbnailCache.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSet>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace attune::ui {
namespace {

constexpr int kGridSpacing_px = 6;

// Every cell of the grid is one thumbnail with its caption under it, whether the thumbnail is decoded
// yet or not. The grid (uniform item sizes, for 100,000 items) measures one item and gives every item
// its size: measured before the thumbnails were decoded (an empty cache, a first open), that was the
// caption alone, about 14 px high, and every thumbnail was painted squeezed into it.
class GridCellDelegate : public QStyledItemDelegate {
 public:
  GridCellDelegate(QSize cell, QObject* parent) : QStyledItemDelegate(parent), m_cell(cell) {}
  QSize sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const override { return m_cell; }

 private:
  QSize m_cell;
};

// The key of the class button at `index`: 1-9, then A-Z; none past those.
QKeySequence classKey(int index) {
  if (index < 9) return QKeySequence(Qt::Key_1 + index);
  if (index < 9 + 26) return QKeySequence(Qt::Key_A + (index - 9));
  return {};
}

}  // namespace

LabelView::LabelView(LabelStore* store, ThumbnailCache* thumbnails, QWidget* parent)
    : QWidget(parent), m_store(store) {
  m_model = new LabelItemsModel(store, thumbnails, this);
  m_filter = new LabelFilterModel(this);
  m_filter->setSourceModel(m_model);

  m_showCombo = new QComboBox(this);
  m_showCombo->setObjectName(QStringLiteral("labelShowCombo"));
  m_showCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_orderCombo = new QComboBox(this);
  m_orderCombo->setObjectName(QStringLiteral("labelOrderCombo"));
  m_orderCombo->addItem(tr("File order"), int(LabelFilterModel::Order::File));
  m_orderCombo->addItem(tr("Least confident first"), int(LabelFilterModel::Order::LeastConfident));
  m_orderCombo->addItem(tr("Closest calls first (margin)"), int(LabelFilterModel::Order::Margin));
  m_orderCombo->addItem(tr("Most uncertain first (entropy)"), int(LabelFilterModel::Order::Entropy));
  m_orderCombo->setToolTip(
      tr("After a training run, the model's least sure items first: labelling those teaches it most."));
  m_countLabel = new QLabel(this);
  m_countLabel->setObjectName(QStringLiteral("labelCountLabel"));

  const int thumbnail = thumbnails ? thumbnails->size() : 96;
  m_grid = new QListView(this);
  m_grid->setObjectName(QStringLiteral("labelGrid"));
  m_grid->setViewMode(QListView::IconMode);
  m_grid->setResizeMode(QListView::Adjust);
  m_grid->setMovement(QListView::Static);
  m_grid->setUniformItemSizes(true);  // only the visible items are asked for: smooth at 100,000
  m_grid->setLayoutMode(QListView::Batched);
  m_grid->setBatchSize(2000);
  m_grid->setIconSize({thumbnail, thumbnail});
  m_grid->setGridSize(
      {thumbnail + 2 * kGridSpacing_px, thumbnail + 2 * kGridSpacing_px + fontMetrics().height()});
  m_grid->setItemDelegate(new GridCellDelegate(
      {thumbnail + kGridSpacing_px, thumbnail + kGridSpacing_px + fontMetrics().height()}, m_grid));
  m_grid->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_grid->setModel(m_filter);
  m_grid->setModelColumn(LabelItemsModel::ItemColumn);

  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("labelTable"));
  m_table->setModel(m_filter);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setWordWrap(false);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(LabelItemsModel::ItemColumn, QHeaderView::Stretch);
  m_table->horizontalHeader()->setSectionResizeMode(LabelItemsModel::ClassColumn,
                                                    QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(LabelItemsModel::SuggestionColumn,
                                                    QHeaderView::ResizeToContents);
  m_itemStack = new QStackedWidget(this);
  m_itemStack->addWidget(m_grid);
  m_itemStack->addWidget(m_table);

  m_preview = new LabelPreview(this);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(m_itemStack);
  splitter->addWidget(m_preview);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setChildrenCollapsible(false);

  m_noLabelButton = new QPushButton(tr("No Label (0)"), this);
  m_noLabelButton->setObjectName(QStringLiteral("noLabelButton"));
  m_noLabelButton->setToolTip(tr("Take the label of the selected items away (0 or Backspace)."));
  m_acceptButton = new QPushButton(tr("Accept Suggestion (Enter)"), this);
  m_acceptButton->setObjectName(QStringLiteral("acceptSuggestionButton"));
  m_acceptButton->setToolTip(tr("Give the selected items the class the model suggests."));
  m_classesButton = new QToolButton(this);
  m_classesButton->setObjectName(QStringLiteral("classesButton"));
  m_classesButton->setText(tr("Classes"));
  m_classesButton->setPopupMode(QToolButton::InstantPopup);
  m_classesButton->setMenu(makeClassesMenu(this, m_classesButton));

  m_askButton = new QPushButton(tr("Ask the Model"), this);
  m_askButton->setObjectName(QStringLiteral("askModelButton"));
  m_askButton->setToolTip(tr("The latest trained model's suggestion for every unlabelled item."));
  m_retrainButton = new QPushButton(tr("Retrain Quickly (Ctrl+T)"), this);
  m_retrainButton->setObjectName(QStringLiteral("quickRetrainButton"));
  m_retrainButton->setToolTip(
      tr("Train again on the labels as they are now, with the backbone frozen: "
         "seconds on a CPU. Then the model's suggestions get better."));
  m_retrainButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
  m_modelLabel = new QLabel(this);
  m_modelLabel->setObjectName(QStringLiteral("labelModelStatus"));
  connect(m_askButton, &QPushButton::clicked, this, &LabelView::suggestionsRequested);
  connect(m_retrainButton, &QPushButton::clicked, this, &LabelView::quickRetrainRequested);

  auto* buttonsRow = new QWidget(this);
  m_classButtons = new QHBoxLayout(buttonsRow);
  m_classButtons->setContentsMargins(0, 0, 0, 0);

  m_emptyLabel = new QLabel(this);
  m_emptyLabel->setWordWrap(true);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Show:"), this));
  top->addWidget(m_showCombo);
  top->addWidget(new QLabel(tr("Order:"), this));
  top->addWidget(m_orderCombo);
  top->addWidget(m_countLabel, 1);
  top->addWidget(m_classesButton);
  auto* loop = new QHBoxLayout;
  loop->addWidget(m_modelLabel, 1);
  loop->addWidget(m_askButton);
  loop->addWidget(m_retrainButton);
  auto* bottom = new QHBoxLayout;
  bottom->addWidget(buttonsRow, 1);
  bottom->addWidget(m_noLabelButton);
  bottom->addWidget(m_acceptButton);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_emptyLabel);
  layout->addWidget(splitter, 1);
  layout->addLayout(bottom);
  layout->addLayout(loop);

  // The keys that are not class buttons; class keys are made with the buttons.
  for (const QKeySequence& key : {QKeySequence(Qt::Key_0), QKeySequence(Qt::Key_Backspace)}) {
    auto* shortcut = new QShortcut(key, this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, [this] { labelSelected({}); });
  }
  for (const QKeySequence& key : {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)}) {
    auto* shortcut = new QShortcut(key, this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &LabelView::acceptSuggestions);
  }
  connect(m_noLabelButton, &QPushButton::clicked, this, [this] { labelSelected({}); });
  connect(m_acceptButton, &QPushButton::clicked, this, &LabelView::acceptSuggestions);
  connect(m_model, &LabelItemsModel::classesChanged, this, [this] {
    rebuildClassButtons();
    rebuildShowCombo();
  });
  connect(m_showCombo, &QComboBox::currentIndexChanged, this, &LabelView::applyShow);
  connect(m_orderCombo, &QComboBox::currentIndexChanged, this, &LabelView::applyOrder);
  for (QAbstractItemView* view :
       {static_cast<QAbstractItemView*>(m_grid), static_cast<QAbstractItemView*>(m_table)})
    connect(view->selectionModel(), &QItemSelectionModel::currentChanged, this, &LabelView::showCurrent);
  // A filter change may remove rows in many pieces: the count is made once, after them all.
  for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
    connect(m_filter, signal, this, &LabelView::scheduleCount);
  connect(m_filter, &QAbstractItemModel::modelReset, this, &LabelView::scheduleCount);
  connect(m_filter, &QAbstractItemModel::layoutChanged, this, &LabelView::scheduleCount);
  rebuildShowCombo();
  clearItems();
}

QAbstractItemView* LabelView::itemView() const {
  return m_model->isText() ? static_cast<QAbstractItemView*>(m_table) : m_grid;
}

void LabelView::setImages(std::shared_ptr<const ImageFolder> scanned) {
  if (!scanned) {
    clearItems();
    return;
  }
  m_model->setImages(*scanned);
  m_itemStack->setCurrentWidget(m_grid);
  m_preview->setTexts(false);
  m_emptyLabel->setVisible(m_model->rowCount() == 0);
  m_emptyLabel->setText(tr("The folder has no images to label."));
  rebuildClassButtons();
  rebuildShowCombo();
  updateCount();
  if (m_filter->rowCount() > 0) m_grid->setCurrentIndex(m_filter->index(0, LabelItemsModel::ItemColumn));
}

void LabelView::setTexts(std::shared_ptr<const TextDataset> raw, const QString& table) {
  if (!raw) {
    clearItems();
    return;
  }
  m_model->setTexts(*raw, table);
  m_itemStack->setCurrentWidget(m_table);
  m_preview->setTexts(true);
  m_emptyLabel->setVisible(m_model->rowCount() == 0);
  m_emptyLabel->setText(tr("The table has no texts to label."));
  rebuildClassButtons();
  rebuildShowCombo();
  updateCount();
  if (m_filter->rowCount() > 0) m_table->setCurrentIndex(m_filter->index(0, LabelItemsModel::ItemColumn));
}

void LabelView::clearItems() {
  m_model->clear();
  m_emptyLabel->setText(tr("Choose the project's images or texts on the left; then label them here."));
  m_emptyLabel->show();
  rebuildClassButtons();
  updateCount();
  showCurrent();
}

QStringList LabelView::selectedKeys() const {
  QAbstractItemView* view = itemView();
  QModelIndexList rows = view->selectionModel()->selectedRows(LabelItemsModel::ItemColumn);
  if (rows.isEmpty() && m_model->isText() == false) rows = view->selectionModel()->selectedIndexes();
  std::sort(rows.begin(), rows.end(),
            [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  QStringList keys;
  QSet<QString> seen;
  for (const QModelIndex& index : rows) {
    const QString key = index.data(LabelItemsModel::KeyRole).toString();
    if (!seen.contains(key)) {
      seen.insert(key);
      keys << key;
    }
  }
  // Nothing selected (a filter took the selection away): the current item is what the keys act on.
  if (keys.isEmpty() && view->currentIndex().isValid()) keys << currentKey();
  return keys;
}

QString LabelView::currentKey() const {
  return itemView()->currentIndex().data(LabelItemsModel::KeyRole).toString();
}

bool LabelView::labelKeys(const QStringList& keys, const QStringList& classNames,
                          const QString& description) {
  if (keys.isEmpty()) return false;
  QAbstractItemView* view = itemView();
  // Where the labelled items were, to move on from there.
  int lastRow = -1;
  for (const QModelIndex& index : view->selectionModel()->selectedIndexes())
    lastRow = std::max(lastRow, index.row());
  if (lastRow < 0) lastRow = view->currentIndex().row();
  const QString lastKey = m_filter->index(lastRow, 0).data(LabelItemsModel::KeyRole).toString();
  if (auto made = m_store->setLabels(keys, classNames, description); !made) {
    MessageBoxHook::warning(this, tr("Label not saved"), made.error().text());
    return false;
  }
  m_labelledSinceRun += int(keys.size());
  setModelState(m_askButton->isEnabled(), m_retrainButton->isEnabled());
  moveOn(lastRow, lastKey);
  return true;
}

void LabelView::startCountingForRun() {
  m_labelledSinceRun = 0;
}

void LabelView::setModelState(bool canAsk, bool canRetrain, const QString& status) {
  m_askButton->setEnabled(canAsk);
  m_retrainButton->setEnabled(canRetrain);
  QString text = status;
  if (text.isEmpty() && m_labelledSinceRun > 0)
    text = m_labelledSinceRun == 1
               ? tr("1 item labelled since the last run began.")
               : tr("%1 items labelled since the last run began.").arg(m_labelledSinceRun);
  if (text.isEmpty() && !canAsk) text = tr("Train a model to get its suggestions here.");
  m_modelLabel->setText(text);
}

bool LabelView::labelSelected(const QString& className) {
  const QStringList keys = selectedKeys();
  if (keys.isEmpty()) return false;
  const QString description = className.isEmpty()
                                  ? tr("Take the label of %n items away", nullptr, int(keys.size()))
                                  : tr("Label %n items '%1'", nullptr, int(keys.size())).arg(className);
  return labelKeys(keys, QStringList(keys.size(), className), description);
}

bool LabelView::acceptSuggestions() {
  QStringList keys;
  QStringList classNames;
  for (const QString& key : selectedKeys()) {
    const QString suggested = m_model->suggestionOf(m_model->rowOf(key));
    if (suggested.isEmpty()) continue;
    keys << key;
    classNames << suggested;
  }
  if (keys.isEmpty()) return false;
  return labelKeys(keys, classNames, tr("Accept %n suggestions", nullptr, int(keys.size())));
}

void LabelView::moveOn(int proxyRow, const QString& lastKey) {
  QAbstractItemView* view = itemView();
  const int count = m_filter->rowCount();
  if (count == 0) {
    showCurrent();
    return;
  }
  // The labelled item is still listed: the one after it; it left the list: the one in its place.
  const QModelIndex still = m_filter->mapFromSource(m_model->index(m_model->rowOf(lastKey), 0));
  const int next = std::clamp(still.isValid() ? still.row() + 1 : proxyRow, 0, count - 1);
  const QModelIndex target = m_filter->index(next, LabelItemsModel::ItemColumn);
  view->selectionModel()->setCurrentIndex(target,
                                          QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  view->scrollTo(target);
  showCurrent();
}

void LabelView::labelsChanged(const QStringList& keys) {
  m_model->labelsChanged(keys);
  updateCount();
  showCurrent();
}

void LabelView::setSuggestions(const QStringList& classes, QHash<QString, std::vector<float>> probabilities) {
  m_model->setSuggestions(classes, std::move(probabilities));
  m_acceptButton->setEnabled(m_model->rowCount() > 0 && m_model->hasSuggestions());
  rebuildShowCombo();
  applyOrder();
  showCurrent();
}

void LabelView::rebuildClassButtons() {
  for (QPushButton* button : m_buttons) delete button;
  for (QShortcut* shortcut : m_classShortcuts) delete shortcut;
  m_buttons.clear();
  m_classShortcuts.clear();
  const QStringList classes = m_model->classes();
  for (qsizetype i = 0; i < classes.size(); ++i) {
    const QKeySequence key = classKey(int(i));
    const QString name = classes[i];
    auto* button = new QPushButton(
        key.isEmpty() ? name : QStringLiteral("%1  %2").arg(key.toString(QKeySequence::NativeText), name),
        this);
    button->setObjectName(QStringLiteral("classButton_%1").arg(i));
    button->setToolTip(key.isEmpty() ? tr("Label the selected items '%1'.").arg(name)
                                     : tr("Label the selected items '%1' (key %2).")
                                           .arg(name, key.toString(QKeySequence::NativeText)));
    button->setFocusPolicy(Qt::NoFocus);  // the keys stay with the items
    connect(button, &QPushButton::clicked, this, [this, name] { labelSelected(name); });
    m_classButtons->addWidget(button);
    m_buttons << button;
    if (!key.isEmpty()) {
      auto* shortcut = new QShortcut(key, this);
      shortcut->setContext(Qt::WidgetWithChildrenShortcut);
      connect(shortcut, &QShortcut::activated, this, [this, name] { labelSelected(name); });
      m_classShortcuts << shortcut;
    }
  }
  m_classButtons->addStretch(1);
  // A stretch from an earlier build goes (only the newest stays last).
  for (int i = m_classButtons->count() - 2; i >= 0; --i)
    if (m_classButtons->itemAt(i)->spacerItem()) delete m_classButtons->takeAt(i);
  const bool any = m_model->rowCount() > 0;
  m_noLabelButton->setEnabled(any);
  m_acceptButton->setEnabled(any && m_model->hasSuggestions());
  m_classesButton->setEnabled(any);
}

void LabelView::rebuildShowCombo() {
  const int show = m_showCombo->currentData(Qt::UserRole).toInt();
  const QString cls = m_showCombo->currentData(Qt::UserRole + 1).toString();
  QSignalBlocker blocker(m_showCombo);
  m_showCombo->clear();
  auto add = [this](const QString& text, LabelFilterModel::Show what, const QString& name = {}) {
    m_showCombo->addItem(text);
    const int row = m_showCombo->count() - 1;
    m_showCombo->setItemData(row, int(what), Qt::UserRole);
    m_showCombo->setItemData(row, name, Qt::UserRole + 1);
  };
  add(tr("All items"), LabelFilterModel::Show::All);
  add(tr("Unlabelled"), LabelFilterModel::Show::Unlabelled);
  add(tr("Labelled"), LabelFilterModel::Show::Labelled);
  for (const QString& name : m_model->classes())
    add(tr("Class: %1").arg(name), LabelFilterModel::Show::Class, name);
  if (m_model->hasSuggestions()) {
    for (const QString& name : m_model->suggestionClasses())
      add(tr("Model suggests: %1").arg(name), LabelFilterModel::Show::Suggested, name);
    add(tr("Unsure suggestions (below %1 %)").arg(int(100 * LabelFilterModel::kUnsureBelow)),
        LabelFilterModel::Show::Unsure);
  }
  if (!m_itemsTitle.isEmpty()) add(m_itemsTitle, LabelFilterModel::Show::Items);
  int keep = 0;
  for (int i = 0; i < m_showCombo->count(); ++i)
    if (m_showCombo->itemData(i, Qt::UserRole).toInt() == show &&
        m_showCombo->itemData(i, Qt::UserRole + 1).toString() == cls)
      keep = i;
  m_showCombo->setCurrentIndex(keep);
  if (keep == 0 && show != int(LabelFilterModel::Show::All)) applyShow();
}

void LabelView::showItems(const QStringList& keys, const QString& title) {
  m_itemsTitle = title;
  m_filter->setItems(QSet<QString>(keys.begin(), keys.end()));
  rebuildShowCombo();
  m_showCombo->setCurrentIndex(m_showCombo->count() - 1);
  applyShow();
  if (m_filter->rowCount() > 0) {
    itemView()->setCurrentIndex(m_filter->index(0, LabelItemsModel::ItemColumn));
    itemView()->setFocus();
  }
}

void LabelView::applyShow() {
  const auto show = LabelFilterModel::Show(m_showCombo->currentData(Qt::UserRole).toInt());
  m_filter->setShow(show, m_showCombo->currentData(Qt::UserRole + 1).toString());
  updateCount();
  QAbstractItemView* view = itemView();
  if (m_filter->rowCount() > 0 && !view->currentIndex().isValid())
    view->setCurrentIndex(m_filter->index(0, LabelItemsModel::ItemColumn));
  // The item the filter left current is the one selected (the keys act on the selection).
  if (view->currentIndex().isValid() && view->selectionModel()->selectedIndexes().isEmpty())
    view->selectionModel()->select(view->currentIndex(),
                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  showCurrent();
}

void LabelView::applyOrder() {
  m_filter->setOrder(LabelFilterModel::Order(m_orderCombo->currentData().toInt()));
  if (m_filter->rowCount() > 0) {
    itemView()->setCurrentIndex(m_filter->index(0, LabelItemsModel::ItemColumn));
    itemView()->scrollToTop();
  }
  showCurrent();
}

void LabelView::scheduleCount() {
  if (m_countScheduled) return;
  m_countScheduled = true;
  QTimer::singleShot(0, this, &LabelView::updateCount);
}

void LabelView::updateCount() {
  m_countScheduled = false;
  const int total = m_model->rowCount();
  int unlabelled = 0;
  for (int row = 0; row < total; ++row)
    if (m_model->classOf(row).isEmpty()) ++unlabelled;
  m_countLabel->setText(
      total == 0 ? QString()
                 : tr("%1 of %2 shown · %3 unlabelled").arg(m_filter->rowCount()).arg(total).arg(unlabelled));
}

void LabelView::showCurrent() {
  const QModelIndex current = m_model->rowCount() > 0 ? itemView()->currentIndex() : QModelIndex();
  if (!current.isValid()) {
    m_preview->clear();
    return;
  }
  const int row = m_filter->mapToSource(current).row();
  double confidence = -1.0;
  const QString suggested = m_model->suggestionOf(row, &confidence);
  m_preview->show(m_model->items()[size_t(row)], m_model->isText(), m_model->classOf(row), suggested,
                  confidence);
}

Status LabelView::reportIfFailed(Status status, const QString& title) {
  if (!status) MessageBoxHook::warning(this, title, status.error().text());
  return status;
}

Status LabelView::addClass(const QString& name) {
  return reportIfFailed(m_store->addClass(name), tr("Class not added"));
}

Status LabelView::renameClass(const QString& from, const QString& to) {
  return reportIfFailed(m_store->renameClass(from, to), tr("Class not renamed"));
}

Status LabelView::deleteClass(const QString& name) {
  return reportIfFailed(m_store->deleteClass(name), tr("Class not deleted"));
}

}  // namespace attune::ui
