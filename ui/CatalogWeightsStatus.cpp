#include "ui/CatalogWeightsStatus.h"

#include "core/project/TrainingConfig.h"
#include "core/weights/CatalogWeights.h"
#include "core/weights/Downloader.h"
#include "core/weights/NetworkPolicy.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace attune::ui {
namespace {

QString catalogId(const QString& reference) {
  return reference.mid(int(qstrlen(kCatalogScheme)));
}

}  // namespace

CatalogWeightsStatus::CatalogWeightsStatus(QWidget* parent) : QWidget(parent) {
  m_statusLabel = new QLabel(this);
  m_statusLabel->setObjectName(QStringLiteral("catalogWeightsStatus"));
  m_statusLabel->setWordWrap(true);
  m_progressBar = new QProgressBar(this);
  m_progressBar->setObjectName(QStringLiteral("catalogWeightsProgress"));
  m_progressBar->setVisible(false);
  m_downloadButton = new QPushButton(tr("Download"), this);
  m_downloadButton->setObjectName(QStringLiteral("catalogWeightsDownload"));
  m_downloadButton->setToolTip(
      tr("Fetch the pre-trained weights now. Attune checks the file before using it; "
         "an interrupted download continues where it stopped."));
  m_cancelButton = new QPushButton(tr("Cancel"), this);
  m_cancelButton->setObjectName(QStringLiteral("catalogWeightsCancel"));
  m_cancelButton->setToolTip(tr("Stop the download; it can continue later."));
  m_cancelButton->setVisible(false);

  auto* row = new QHBoxLayout;
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(m_progressBar, 1);
  row->addWidget(m_downloadButton);
  row->addWidget(m_cancelButton);
  row->addStretch(0);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_statusLabel);
  layout->addLayout(row);

  m_downloader = new Downloader(this);
  connect(m_downloadButton, &QPushButton::clicked, this, &CatalogWeightsStatus::startDownload);
  connect(m_cancelButton, &QPushButton::clicked, m_downloader, &Downloader::cancel);
  connect(m_downloader, &Downloader::progress, this, [this](qint64 received_bytes, qint64 total_bytes) {
    // Megabytes keep the values inside the progress bar's int range.
    m_progressBar->setRange(0, total_bytes > 0 ? int(total_bytes >> 20) + 1 : 0);
    m_progressBar->setValue(int(received_bytes >> 20));
    m_progressBar->setFormat(tr("%1 MB").arg(double(received_bytes) / (1 << 20), 0, 'f', 1));
  });
  connect(m_downloader, &Downloader::finished, this, [this](const Result<QString>& result) {
    // The Downloader hashed the file as it wrote it: remember that, so it is not read again.
    if (result.ok()) WeightLocator().rememberVerified(*result, m_downloader->verifiedSha256());
    onFinished(result.ok(), result.ok() ? QString() : result.error().text());
  });
  setVisible(false);
}

void CatalogWeightsStatus::setWeights(const QString& weights) {
  if (weights == m_reference) return;
  if (m_downloader->isRunning()) m_downloader->cancel();
  m_reference = isCatalogReference(weights) ? weights : QString();
  refresh();
}

bool CatalogWeightsStatus::isDownloading() const {
  return m_downloader->isRunning();
}

void CatalogWeightsStatus::refresh() {
  setVisible(!m_reference.isEmpty());
  if (m_reference.isEmpty()) return;
  WeightLocator locator;
  const auto lookup = lookUpCatalogWeights(catalogId(m_reference), locator);
  const bool running = m_downloader->isRunning();
  m_progressBar->setVisible(running);
  m_cancelButton->setVisible(running);
  if (!lookup) {
    m_statusLabel->setText(lookup.error().text());
    m_downloadButton->setVisible(false);
    return;
  }
  const auto& weights = lookup->weights;
  const QString origin =
      tr("%1, from %2 (%3).").arg(lookup->entry.displayName, weights.source.origin, weights.source.licence);
  if (lookup->local.found) {
    m_statusLabel->setText(origin + u' ' +
                           tr("On this computer (%1).").arg(weightCacheName(lookup->local.found->cache)));
    m_downloadButton->setVisible(false);
    return;
  }
  QString text = origin + u' ';
  text += weights.approxSizeMb > 0
              ? tr("Not on this computer yet: about %1 MB to download.").arg(weights.approxSizeMb)
              : tr("Not on this computer yet.");
  if (NetworkPolicy::isOffline())
    text += u' ' + tr("Attune is offline (%1): put the file %2 in %3.")
                       .arg(NetworkPolicy::offlineReason(), weights.source.fileName,
                            locator.downloadPath(weights.source));
  for (const QString& reason : lookup->local.refused) text += u' ' + tr("Not used: %1").arg(reason);
  m_statusLabel->setText(text);
  m_downloadButton->setVisible(!running);
}

void CatalogWeightsStatus::startDownload() {
  WeightLocator locator;
  const auto lookup = lookUpCatalogWeights(catalogId(m_reference), locator);
  if (!lookup) return refresh();
  m_downloader->start(lookup->weights.source, locator.downloadPath(lookup->weights.source));
  m_progressBar->setRange(0, 0);  // busy until the size is known
  m_progressBar->setFormat(tr("Connecting…"));
  refresh();
}

void CatalogWeightsStatus::onFinished(bool ok, const QString& message) {
  refresh();
  if (ok) {
    emit downloaded();
  } else {
    m_statusLabel->setText(m_statusLabel->text() + u' ' + message);
  }
}

}  // namespace attune::ui
