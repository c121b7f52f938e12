#include "ui/TextDataPanel.h"
#include "ui/FileDialogHook.h"

#include "core/data/TextColumnGuess.h"
#include "core/dataset/ProjectData.h"
#include "ui/ClassCountTree.h"
#include "ui/Colors.h"

#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <numeric>

namespace attune::ui {
namespace {

constexpr int kMaxListedSkippedRows = 200;

}  // namespace

TextDataPanel::TextDataPanel(QWidget* parent) : QGroupBox(tr("Data"), parent) {
  m_tableEdit = new QLineEdit(this);
  m_tableEdit->setObjectName(QStringLiteral("textTableEdit"));
  m_tableEdit->setPlaceholderText(tr("A CSV, TSV or JSONL file: one text per row, with its label"));
  m_tableEdit->setToolTip(
      tr("The file with your texts: a spreadsheet saved as CSV or TSV (UTF-8), or JSON Lines. One row per "
         "text, one column with the text and one with its class."));
  m_chooseButton = new QPushButton(tr("Choose…"), this);
  m_chooseButton->setObjectName(QStringLiteral("textTableButton"));
  m_chooseButton->setToolTip(tr("Pick the file on disk."));
  m_textColumnCombo = new QComboBox(this);
  m_textColumnCombo->setObjectName(QStringLiteral("textColumnCombo"));
  m_textColumnCombo->setToolTip(tr("The column that holds the texts to classify."));
  m_labelColumnCombo = new QComboBox(this);
  m_labelColumnCombo->setObjectName(QStringLiteral("labelColumnCombo"));
  m_labelColumnCombo->setToolTip(
      tr("The column that holds each text's class. Rows with an empty class are kept as unlabelled."));

  m_statusLabel = new QLabel(this);
  m_statusLabel->setObjectName(QStringLiteral("textDataStatusLabel"));
  m_statusLabel->setWordWrap(true);
  m_classTree = new ClassCountTree(tr("Texts"), this);
  m_classTree->setObjectName(QStringLiteral("textClassTree"));
  m_classTree->setToolTip(tr("The classes found in the label column and how many texts each one has."));
  m_findingsList = new FindingsList(this);
  m_findingsList->setObjectName(QStringLiteral("textFindingsList"));
  m_findingsList->setToolTip(tr("Things worth checking in your data, and rows that were left out."));

  auto* row = new QHBoxLayout;
  row->addWidget(m_tableEdit, 1);
  row->addWidget(m_chooseButton);
  auto* columns = new QFormLayout;
  columns->addRow(tr("Text column:"), m_textColumnCombo);
  columns->addRow(tr("Label column:"), m_labelColumnCombo);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addLayout(columns);
  layout->addWidget(m_statusLabel);
  layout->addWidget(m_classTree);
  layout->addWidget(m_findingsList);

  connect(m_chooseButton, &QPushButton::clicked, this, &TextDataPanel::chooseTable);
  connect(m_tableEdit, &QLineEdit::editingFinished, this, &TextDataPanel::commitTypedTable);
  for (QComboBox* combo : {m_textColumnCombo, m_labelColumnCombo})
    connect(combo, &QComboBox::currentIndexChanged, this, [this] {
      if (m_filling) return;
      rebuildDataset();
      emit dataChosen();
    });
  readTable(false);
}

void TextDataPanel::setSource(const DataSource& source) {
  m_table = source.table.isEmpty() ? QString() : QDir::cleanPath(source.table);
  m_format = source.tableFormat;
  m_tableEdit->setText(QDir::toNativeSeparators(m_table));
  readTable(false);
  fillColumnCombos(source.textColumn, source.labelColumn);
  rebuildDataset();
}

void TextDataPanel::applyTo(DataSource& source) const {
  source.table = m_table;
  source.tableFormat = m_format;
  source.textColumn = m_textColumnCombo->currentData().toString();
  source.labelColumn = m_labelColumnCombo->currentData().toString();
}

QStringList TextDataPanel::classes() const {
  return m_dataset ? m_dataset->classes : QStringList();
}

int TextDataPanel::labelledCount() const {
  return m_dataset ? int(m_dataset->labelled.size()) : 0;
}

void TextDataPanel::setEditable(bool editable) {
  m_tableEdit->setReadOnly(!editable);
  m_chooseButton->setEnabled(editable);
  m_textColumnCombo->setEnabled(editable);
  m_labelColumnCombo->setEnabled(editable);
}

void TextDataPanel::chooseTable() {
  const QString file = FileDialogHook::openFileName(
      this, tr("Choose the file of texts"), m_table,
      tr("Tables of texts (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)"));
  if (file.isEmpty()) return;
  m_tableEdit->setText(QDir::toNativeSeparators(file));
  commitTypedTable();
}

void TextDataPanel::commitTypedTable() {
  const QString typed = QDir::fromNativeSeparators(m_tableEdit->text().trimmed());
  if (QDir::cleanPath(typed) == m_table || (typed.isEmpty() && m_table.isEmpty())) return;
  m_table = typed.isEmpty() ? QString() : QDir::cleanPath(typed);
  m_format.reset();  // from the new file's extension
  readTable(true);
  rebuildDataset();
  emit dataChosen();
}

void TextDataPanel::readTable(bool guessColumns) {
  m_rows.reset();
  if (!m_table.isEmpty()) {
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    TextTableReadOptions options;
    options.format = m_format;
    auto table = TextTable::read(m_table, options);
    QGuiApplication::restoreOverrideCursor();
    if (table) {
      m_rows = std::make_shared<const TextTable>(std::move(*table));
    } else {
      m_statusLabel->setText(table.error().text());
      m_statusLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
    }
  }
  if (!guessColumns) return;
  QString text, label;
  if (m_rows) {
    const TextColumnGuess guess = guessTextColumns(*m_rows);
    text = m_rows->columns.value(guess.textColumn);
    label = m_rows->columns.value(guess.labelColumn);
  }
  fillColumnCombos(text, label);
}

void TextDataPanel::fillColumnCombos(const QString& textColumn, const QString& labelColumn) {
  m_filling = true;
  m_textColumnCombo->clear();
  m_labelColumnCombo->clear();
  m_labelColumnCombo->addItem(tr("(none: no labels yet)"), QString());
  QStringList columns = m_rows ? m_rows->columns : QStringList();
  // A mapped column the table lacks stays visible; rebuildDataset says what is wrong.
  for (const QString& wanted : {textColumn, labelColumn})
    if (!wanted.isEmpty() && !columns.contains(wanted)) columns << wanted;
  for (const QString& column : columns) {
    m_textColumnCombo->addItem(column, column);
    m_labelColumnCombo->addItem(column, column);
  }
  m_textColumnCombo->setCurrentIndex(std::max(0, m_textColumnCombo->findData(textColumn)));
  m_labelColumnCombo->setCurrentIndex(std::max(0, m_labelColumnCombo->findData(labelColumn)));
  m_filling = false;
}

void TextDataPanel::setLabelState(LabelState state) {
  m_labels = std::move(state);
  rebuildDataset();
}

void TextDataPanel::rebuildDataset() {
  m_dataset.reset();
  m_tableDataset.reset();
  m_classTree->setCounts({}, {});
  m_findingsList->clear();
  m_findingsList->updateVisibility();
  if (m_table.isEmpty()) {
    m_statusLabel->setStyleSheet(QString());
    m_statusLabel->setText(tr("Choose a file with one text per row and a column with its class."));
    return;
  }
  if (!m_rows) return;  // readTable showed why
  TextColumnMapping mapping{m_textColumnCombo->currentData().toString(),
                            m_labelColumnCombo->currentData().toString()};
  auto dataset = TextDataset::fromTable(*m_rows, mapping);
  if (!dataset) {
    m_statusLabel->setText(dataset.error().text());
    m_statusLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
    return;
  }
  m_tableDataset = std::make_shared<const TextDataset>(*dataset);
  applyLabels(m_labels, m_table, *dataset);
  m_dataset = std::make_shared<const TextDataset>(std::move(*dataset));
  m_statusLabel->setStyleSheet(QString());
  const std::vector<int> counts = m_dataset->classCounts();
  QString status =
      tr("%1 labelled texts in %2 classes.").arg(m_dataset->labelled.size()).arg(m_dataset->classes.size());
  if (!m_dataset->unlabelled.empty())
    status += QLatin1Char(' ') + tr("%1 without a label.").arg(m_dataset->unlabelled.size());
  if (!m_dataset->skipped.empty())
    status += QLatin1Char(' ') + tr("%1 rows left out.").arg(m_dataset->skipped.size());
  m_statusLabel->setText(status);
  m_classTree->setCounts(m_dataset->classes, counts);
  for (const QString& warning : m_dataset->warnings) m_findingsList->addWarning(warning);
  int listed = 0;
  for (const SkippedRow& skipped : m_dataset->skipped) {
    if (++listed > kMaxListedSkippedRows) {
      m_findingsList->addNote(
          tr("… and %1 more rows left out.").arg(m_dataset->skipped.size() - kMaxListedSkippedRows));
      break;
    }
    m_findingsList->addNote(tr("Left out %1: %2").arg(m_dataset->position(skipped.line), skipped.reason));
  }
  m_findingsList->updateVisibility();
}

}  // namespace attune::ui
