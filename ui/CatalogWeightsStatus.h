#pragma once
// Under the weights field, for weights chosen from the model catalog ("catalog:<id>"): what they are,
// whether they are on this computer, and a Download button with progress and Cancel. A cancelled or
// dropped download resumes where it stopped; only a verified file is ever used.

#include <QString>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace attune {
class Downloader;
}

namespace attune::ui {

class CatalogWeightsStatus : public QWidget {
  Q_OBJECT

 public:
  explicit CatalogWeightsStatus(QWidget* parent = nullptr);

  // Shows the state of `weights`; hidden unless it is a catalog reference.
  void setWeights(const QString& weights);
  bool isDownloading() const;

 signals:
  // A download finished and the file is in place.
  void downloaded();

 private:
  void refresh();
  void startDownload();
  void onFinished(bool ok, const QString& message);

  QString m_reference;
  QLabel* m_statusLabel = nullptr;
  QProgressBar* m_progressBar = nullptr;
  QPushButton* m_downloadButton = nullptr;
  QPushButton* m_cancelButton = nullptr;
  attune::Downloader* m_downloader = nullptr;
};

}  // namespace attune::ui
