#include "ui/DataPanel.h"
#include "ui/FileDialogHook.h"

#include "core/data/ImageFolderScanner.h"
#include "core/dataset/ProjectData.h"
#include "ui/ClassCountTree.h"
#include "ui/Colors.h"

#include <QDir>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace attune::ui {

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
  const QString folder = FileDialogHook::existingDirectory(this, tr("Choose the image folder"), m_folder);
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

void DataPanel::setLabelState(LabelState state) {
  m_labels = std::move(state);
  showImages();
}

void DataPanel::scan() {
  m_scanned.reset();
  m_scanError.clear();
  if (!m_folder.isEmpty()) {
    // Header-only checks: fast enough for thousands of images without a worker thread.
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    auto folder = scanImagePool(m_folder);
    QGuiApplication::restoreOverrideCursor();
    if (folder)
      m_scanned = std::make_shared<const ImageFolder>(std::move(*folder));
    else
      m_scanError = folder.error().text();
  }
  showImages();
}

void DataPanel::showImages() {
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
  if (!m_scanned) {
    m_statusLabel->setText(m_scanError);
    m_statusLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
    m_findingsList->hide();
    return;
  }
  ImageFolder folder = *m_scanned;
  applyLabels(m_labels, folder);
  const DataReport& report = folder.report;
  QString status = tr("%1 images in %2 classes.").arg(report.imageCount()).arg(report.classes.size());
  if (report.unlabelled > 0)
    status += QLatin1Char(' ') + tr("%1 images have no class yet.").arg(report.unlabelled);
  m_classTree->setCounts(report.classes, report.classCounts);
  // Classes that cannot be trained on are said plainly; the counts stay for the user to see.
  if (auto trainable = checkTrainableImages(m_labels, folder); !trainable) {
    status += QLatin1Char(' ') + trainable.error().text();
    m_statusLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
  } else {
    m_classes = folder.classes;
    m_imageCount = report.imageCount();
  }
  m_statusLabel->setText(status);
  for (const QString& warning : report.warnings) m_findingsList->addWarning(warning);
  for (const SkippedFile& skipped : report.skipped)
    m_findingsList->addNote(
        tr("Skipped %1: %2").arg(QDir(m_folder).relativeFilePath(skipped.path), skipped.reason),
        skipped.path);
  m_findingsList->updateVisibility();
}

}  // namespace attune::ui
