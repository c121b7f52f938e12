#pragma once
// The "Data" panel: which image folder the project trains on, the classes found in it with their
// image counts, and what the scan had to say (warnings, skipped files, or why the folder cannot be
// used).

#include "core/data/ImageFolderScanner.h"
#include "core/project/LabelJournal.h"

#include <QGroupBox>
#include <QStringList>

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;

namespace attune::ui {

class ClassCountTree;
class FindingsList;

class DataPanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit DataPanel(QWidget* parent = nullptr);

  // Shows `folder` and scans it; an empty folder clears the panel. Does not emit folderChosen.
  void setFolder(const QString& folder);
  QString folder() const { return m_folder; }
  // The classes of the last successful scan; empty when the folder cannot be used.
  QStringList classes() const { return m_classes; }
  // The images of the last successful scan (all classes); 0 when the folder cannot be used.
  int imageCount() const { return m_imageCount; }
  void setEditable(bool editable);
  // The labels made in Attune, applied to the images the last scan found (no new scan).
  void setLabelState(LabelState state);
  // Every image the last scan found (class folders and the unlabelled pool) as the folder gives them,
  // before the labels made in Attune; null when the folder could not be read.
  std::shared_ptr<const ImageFolder> scannedImages() const { return m_scanned; }

 signals:
  // The user picked another folder (button or typed path); the panel has scanned it already.
  void folderChosen(const QString& folder);

 private:
  void chooseFolder();
  void commitTypedFolder();
  void scan();
  // Shows the scanned images with the labels made in Attune applied.
  void showImages();

  QString m_folder;
  LabelState m_labels;
  std::shared_ptr<const ImageFolder> m_scanned;
  QString m_scanError;
  QStringList m_classes;
  int m_imageCount = 0;
  QLineEdit* m_folderEdit = nullptr;
  QPushButton* m_chooseButton = nullptr;
  QLabel* m_statusLabel = nullptr;
  ClassCountTree* m_classTree = nullptr;
  FindingsList* m_findingsList = nullptr;
};

}  // namespace attune::ui
