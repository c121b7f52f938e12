#pragma once
// The "Data" panel of a text project: which table (CSV, TSV, JSONL, JSON) the project trains on, the
// column mapping (which column holds the texts, which the labels; guessed when a table is chosen,
// changed by the user), the classes with their text counts, and the rows left out with their line
// numbers. The texts themselves are shown by TextsView from dataset().

#include "core/data/TextDataset.h"
#include "core/project/LabelJournal.h"
#include "core/project/Project.h"

#include <QGroupBox>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace attune::ui {

class ClassCountTree;
class FindingsList;

class TextDataPanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit TextDataPanel(QWidget* parent = nullptr);

  // Shows the project's table and mapping and reads the table; does not emit dataChosen.
  void setSource(const DataSource& source);
  // Writes the table, its format and the mapping into `source` (the split settings stay).
  void applyTo(DataSource& source) const;
  // The texts as mapped now; null when no table is chosen or it cannot be used.
  std::shared_ptr<const TextDataset> dataset() const { return m_dataset; }
  // The same texts with the labels the table gives them, before the labels made in Attune (what
  // the Label tab starts from); null when the table cannot be used.
  std::shared_ptr<const TextDataset> tableDataset() const { return m_tableDataset; }
  QStringList classes() const;
  int labelledCount() const;
  void setEditable(bool editable);
  // The labels made in Attune, applied to the texts from now on (the texts are mapped again).
  void setLabelState(LabelState state);

 signals:
  // The user chose another table or mapping; the panel has read it already.
  void dataChosen();

 private:
  void chooseTable();
  void commitTypedTable();
  void readTable(bool guessColumns);
  void rebuildDataset();
  void fillColumnCombos(const QString& textColumn, const QString& labelColumn);

  QString m_table;
  std::optional<TextTableFormat> m_format;
  std::shared_ptr<const TextTable> m_rows;
  std::shared_ptr<const TextDataset> m_dataset;
  std::shared_ptr<const TextDataset> m_tableDataset;
  LabelState m_labels;
  bool m_filling = false;
  QLineEdit* m_tableEdit = nullptr;
  QPushButton* m_chooseButton = nullptr;
  QComboBox* m_textColumnCombo = nullptr;
  QComboBox* m_labelColumnCombo = nullptr;
  QLabel* m_statusLabel = nullptr;
  ClassCountTree* m_classTree = nullptr;
  FindingsList* m_findingsList = nullptr;
};

}  // namespace attune::ui
