#include "ui/DataPanel.h"

#include "core/data/ImageFolderScanner.h"

#include <QDir>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace attune::ui {
namespace {

const QColor kWarningColor(0xb3, 0x5c, 0x00);
const QColor kErrorColor(0xc0, 0x1c, 0x28);
constexpr int kMinVisibleClassRows = 2;
constexpr int kMaxVisibleClassRows = 8;

}  // namespace

DataPanel::DataPanel(QWidget* parent) : QGroupBox(tr("Data"), parent) {
  m_folderEdit = new QLineEdit(this);
  m_folderEdit->setObjectName(QStringLiteral("dataFolderEdit"));
  m_folderEdit->setPlaceholderText(tr("Folder with one sub-folder of images per class"));
  m_folderEdit->setToolTip(
      tr("The folder with your images. Put the images of each class in their own sub-folder, named after "
         "the class: for example photos/cats/… and photos/dogs/…"));
  m_chooseButton = new QPushButton(tr("Choose…"), this);
  m_chooseButton->setObjectName(QStringLiteral("dataFolderButton"));
  m_chooseButton->setToolTip(tr("Pick the image folder on disk."));

  m_statusLabel = new QLabel(this);
  m_statusLabel->setObjectName(QStringLiteral("dataStatusLabel"));
  m_statusLabel->setWordWrap(true);

  m_classTree = new QTreeWidget(this);
  m_classTree->setObjectName(QStringLiteral("dataClassTree"));
  m_classTree->setHeaderLabels({tr("Class"), tr("Images")});
  m_classTree->setRootIsDecorated(false);
  m_classTree->setToolTip(tr("The classes found in the folder and how many usable images each one has."));
  m_classTree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_classTree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  m_classTree->header()->setStretchLastSection(false);

  m_findingsList = new QListWidget(this);
  m_findingsList->setObjectName(QStringLiteral("dataFindingsList"));
  m_findingsList->setToolTip(tr("Things worth checking in your data, and files that were left out."));
  m_findingsList->setWordWrap(true);
  m_findingsList->setMaximumHeight(90);
  m_findingsList->hide();

  auto* row = new QHBoxLayout;
  row->addWidget(m_folderEdit, 1);
  row->addWidget(m_chooseButton);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(m_statusLabel);
  layout->addWidget(m_classTree);
  layout->addWidget(m_findingsList);

  connect(m_chooseButton, &QPushButton::clicked, this, &DataPanel::chooseFolder);
  connect(m_folderEdit, &QLineEdit::editingFinished, this, &DataPanel::commitTypedFolder);
  scan();
}

void DataPanel::setFolder(const QString& folder) {
  m_folder = folder.isEmpty() ? QString() : QDir::cleanPath(folder);
  m_folderEdit->setText(QDir::toNativeSeparators(m_folder));
  scan();
}

void DataPanel::setEditable(bool editable) {
  m_folderEdit->setReadOnly(!editable);
  m_chooseButton->setEnabled(editable);
}

void DataPanel::chooseFolder() {
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Choose the image folder"), m_folder);
  if (folder.isEmpty()) return;
  setFolder(folder);
  emit folderChosen(m_folder);
}

void DataPanel::commitTypedFolder() {
  const QString typed = QDir::fromNativeSeparators(m_folderEdit->text().trimmed());
  if (QDir::cleanPath(typed) == m_folder || (typed.isEmpty() && m_folder.isEmpty())) return;
  setFolder(typed);
  emit folderChosen(m_folder);
}

void DataPanel::scan() {
  m_classes.clear();
  m_imageCount = 0;
  m_classTree->clear();
  m_findingsList->clear();
  m_statusLabel->setStyleSheet(QString());
  if (m_folder.isEmpty()) {
    m_statusLabel->setText(tr("Choose a folder with one sub-folder of images per class."));
    m_findingsList->hide();
    return;
  }

  // Header-only checks: fast enough for thousands of images without a worker thread.
  QGuiApplication::setOverrideCursor(Qt::WaitCursor);
  const auto folder = scanImageFolder(m_folder);
  QGuiApplication::restoreOverrideCursor();
  if (!folder) {
    m_statusLabel->setText(folder.error().text());
    m_statusLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
    m_findingsList->hide();
    return;
  }

  const DataReport& report = folder->report;
  m_classes = folder->classes;
  m_imageCount = report.imageCount();
  m_statusLabel->setText(tr("%1 images in %2 classes.").arg(report.imageCount()).arg(report.classes.size()));
  for (qsizetype i = 0; i < report.classes.size(); ++i) {
    const int count = size_t(i) < report.classCounts.size() ? report.classCounts[size_t(i)] : 0;
    auto* item = new QTreeWidgetItem(m_classTree, {report.classes[i], QString::number(count)});
    item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
  }
  for (const QString& warning : report.warnings) {
    auto* item = new QListWidgetItem(warning, m_findingsList);
    item->setForeground(kWarningColor);
  }
  for (const SkippedFile& skipped : report.skipped) {
    auto* item = new QListWidgetItem(
        tr("Skipped %1: %2").arg(QDir(m_folder).relativeFilePath(skipped.path), skipped.reason),
        m_findingsList);
    item->setToolTip(skipped.path);
  }
  m_findingsList->setVisible(m_findingsList->count() > 0);
  fitClassTree();
}

void DataPanel::fitClassTree() {
  // As tall as its rows, up to kMaxVisibleClassRows: the settings below stay in view.
  const int rows = std::clamp(m_classTree->topLevelItemCount(), kMinVisibleClassRows, kMaxVisibleClassRows);
  const int rowHeight = m_classTree->topLevelItemCount() > 0 ? m_classTree->sizeHintForRow(0)
                                                             : m_classTree->fontMetrics().height() + 4;
  m_classTree->setFixedHeight(m_classTree->header()->sizeHint().height() + rows * rowHeight +
                              2 * m_classTree->frameWidth());
}

}  // namespace attune::ui
