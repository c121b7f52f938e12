#include "ui/LrFinderDialog.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <system_error>

namespace attune::ui {
namespace {

constexpr int kPlotHeight_px = 260;
constexpr int kDialogWidth_px = 560;
const QColor kLossColor(31, 119, 180, 90);
const QColor kSmoothedColor(31, 119, 180);
const QColor kMarkerColor(214, 39, 40);

QVector<double> toVector(const std::vector<double>& values) {
  return QVector<double>(values.begin(), values.end());
}

}  // namespace

LrFinderDialog::LrFinderDialog(Runner runner, QWidget* parent)
    : QDialog(parent), m_runner(std::move(runner)) {
  setWindowTitle(tr("Find the learning rate"));
  m_statusLabel = new QLabel(tr("Trying learning rates from tiny to huge on your training images…"), this);
  m_statusLabel->setObjectName(QStringLiteral("lrFinderStatus"));
  m_statusLabel->setWordWrap(true);
  m_progress = new QProgressBar(this);
  m_progress->setObjectName(QStringLiteral("lrFinderProgress"));
  m_progress->setRange(0, 0);
  m_plot = new QCustomPlot(this);
  m_plot->setObjectName(QStringLiteral("lrFinderPlot"));
  m_plot->setMinimumHeight(kPlotHeight_px);
  m_plot->setToolTip(
      tr("The training loss at each rate tried. The good rate is where the loss falls fastest, before "
         "it turns up again."));
  m_plot->xAxis->setLabel(tr("learning rate"));
  m_plot->yAxis->setLabel(tr("loss"));
  m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
  m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  m_plot->xAxis->setNumberFormat(QStringLiteral("eb"));
  m_plot->xAxis->setNumberPrecision(0);
  m_plot->legend->setVisible(true);
  m_reasonLabel = new QLabel(this);
  m_reasonLabel->setObjectName(QStringLiteral("lrFinderReason"));
  m_reasonLabel->setWordWrap(true);
  m_useButton = new QPushButton(tr("Use the suggestion"), this);
  m_useButton->setObjectName(QStringLiteral("lrFinderUseButton"));
  m_useButton->setEnabled(false);
  m_useButton->setDefault(true);
  m_useButton->setToolTip(
      tr("Set the new layer's learning rate to the suggestion; the other groups keep "
         "their ratios to it."));
  m_cancelButton = new QPushButton(tr("Cancel"), this);
  m_cancelButton->setObjectName(QStringLiteral("lrFinderCancelButton"));
  m_cancelButton->setToolTip(tr("Stop trying rates and keep the settings as they are."));

  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(m_useButton);
  buttons->addWidget(m_cancelButton);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_statusLabel);
  layout->addWidget(m_progress);
  layout->addWidget(m_plot, 1);
  layout->addWidget(m_reasonLabel);
  layout->addLayout(buttons);
  resize(kDialogWidth_px, sizeHint().height());

  connect(m_useButton, &QPushButton::clicked, this, [this] {
    if (!m_suggestedRate) return;
    Q_EMIT rateChosen(*m_suggestedRate);
    accept();
  });
  connect(m_cancelButton, &QPushButton::clicked, this, &QDialog::reject);
  // Closing the dialog any way (Cancel, Escape, the window's button) stops the test.
  connect(this, &QDialog::rejected, this, [this] { m_stop = true; });
}

LrFinderDialog::~LrFinderDialog() {
  stopWorker();
}

void LrFinderDialog::start() {
  if (m_started || !m_runner) return;
  m_started = m_running = true;
  try {
    startWorker();
  } catch (const std::system_error&) {
    m_inbox.post([this] {
      onFinished(Error(ErrorCode::Internal,
                       tr("Attune could not start the learning-rate test: the system "
                          "allows no more threads."),
                       tr("Close other programs, then try again.")));
    });
  }
}

void LrFinderDialog::startWorker() {
  m_thread = std::thread([this] {
    // Progress comes from the worker thread: hand it to the GUI thread, where the widgets live. The
    // destructor joins this thread before the inbox drops the calls not run.
    const LrFinderProgress progress = [this](int step, int steps, double lr, double smoothedLoss) {
      m_inbox.post([this, step, steps, lr, smoothedLoss] { onProgress(step, steps, lr, smoothedLoss); });
    };
    auto result = std::make_shared<Result<LrFinderResult>>(m_runner(progress, m_stop));
    m_inbox.post([this, result] { onFinished(*result); });
  });
}

bool LrFinderDialog::isRunning() const {
  return m_running;
}

std::optional<double> LrFinderDialog::suggestedRate() const {
  return m_suggestedRate;
}

void LrFinderDialog::stopWorker() {
  m_stop = true;
  if (m_thread.joinable()) m_thread.join();
}

void LrFinderDialog::onProgress(int step, int steps, double lr, double smoothedLoss) {
  if (steps > 0) {
    m_progress->setRange(0, steps);
    m_progress->setValue(std::clamp(step, 0, steps));
  }
  m_statusLabel->setText(
      tr("Trying learning rate %1: loss %2").arg(lr, 0, 'g', 2).arg(smoothedLoss, 0, 'f', 3));
}

void LrFinderDialog::onFinished(const Result<LrFinderResult>& result) {
  if (m_thread.joinable()) m_thread.join();  // it has posted this and is ending
  m_running = false;
  m_progress->setRange(0, 1);
  m_progress->setValue(1);
  if (m_stop) {
    m_statusLabel->setText(tr("Stopped."));
    return;
  }
  if (!result) {
    m_statusLabel->setText(tr("No learning rate could be suggested."));
    m_reasonLabel->setText(result.error().text());
    return;
  }
  showCurve(result.value());
  m_suggestedRate = result->suggestedLr;
  m_statusLabel->setText(tr("Done: %1 rates tried.").arg(result->lrs.size()));
  m_reasonLabel->setText(result->reason);
  // Scientific notation here: it is what the finder's explanation and the literature use.
  m_useButton->setText(tr("Use %1").arg(QString::number(result->suggestedLr, 'e', 1)));
  m_useButton->setEnabled(result->suggestedLr > 0.0);
}

void LrFinderDialog::showCurve(const LrFinderResult& result) {
  m_plot->clearGraphs();
  m_plot->clearItems();
  QCPGraph* raw = m_plot->addGraph();
  raw->setName(tr("loss per step"));
  raw->setPen(QPen(kLossColor, 1.0));
  raw->setData(toVector(result.lrs), toVector(result.losses), true);
  QCPGraph* smoothed = m_plot->addGraph();
  smoothed->setName(tr("trend"));
  smoothed->setPen(QPen(kSmoothedColor, 2.0));
  const size_t n = std::min(result.lrs.size(), result.smoothedLosses.size());
  smoothed->setData(
      QVector<double>(result.lrs.begin(), result.lrs.begin() + qsizetype(n)),
      QVector<double>(result.smoothedLosses.begin(), result.smoothedLosses.begin() + qsizetype(n)), true);
  if (result.suggestedLr > 0.0) {
    auto* marker = new QCPItemStraightLine(m_plot);
    marker->setObjectName(QStringLiteral("suggestedRateMarker"));
    marker->setPen(QPen(kMarkerColor, 1.5, Qt::DashLine));
    marker->point1->setCoords(result.suggestedLr, 0.0);
    marker->point2->setCoords(result.suggestedLr, 1.0);
  }
  m_plot->rescaleAxes();
  // The smoothed curve is what matters; the raw losses of the last, diverging steps would squash it.
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(result.smoothedLosses[i])) continue;
    low = std::min(low, result.smoothedLosses[i]);
    high = std::max(high, result.smoothedLosses[i]);
  }
  if (low < high) {
    const double margin = 0.1 * (high - low);
    m_plot->yAxis->setRange(low - margin, high + margin);
  }
  m_plot->replot();
}

}  // namespace attune::ui
