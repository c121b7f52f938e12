#include "ui/DataPanel.h"

#include "core/data/ImageFolderScanner.h"
#include "core/training/ProjectData.h"
#include "ui/ClassCountTree.h"

#include <QDir>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace attune::ui {
namespace {

const QColor kErrorColor(0xc0, 0x1c, 0x28);

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

  m_classTree = new ClassCountTree(tr("Images"), this);
  m_classTree->setObjectName(QStringLiteral("dataClassTree"));
  m_classTree->setToolTip(tr("The classes found in the folder and how many usable images each one has."));

  m_findingsList = new FindingsList(this);
  m_findingsList->setObjectName(QStringLiteral("dataFindingsList"));
  m_findingsList->setToolTip(tr("Things worth checking in your data, and files that were left out."));

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
  m_classTree->setCounts({}, {});
  m_findingsList->clear();
  m_statusLabel->setStyleSheet(QString());
  if (m_folder.isEmpty()) {
    m_statusLabel->setText(tr("Choose a folder with one sub-folder of images per class."));
    m_findingsList->hide();
    return;
  }

  // Header-only checks: fast enough for thousands of images without a worker thread.
  QGuiApplication::setOverrideCursor(Qt::WaitCursor);
  auto folder = scanImageFolder(m_folder);
  if (folder) applyLabels(m_labels, *folder);
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
  m_classTree->setCounts(report.classes, report.classCounts);
  for (const QString& warning : report.warnings) m_findingsList->addWarning(warning);
  for (const SkippedFile& skipped : report.skipped)
    m_findingsList->addNote(
        tr("Skipped %1: %2").arg(QDir(m_folder).relativeFilePath(skipped.path), skipped.reason),
        skipped.path);
  m_findingsList->updateVisibility();
}

}  // namespace attune::ui
