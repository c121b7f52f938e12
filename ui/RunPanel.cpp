#include "ui/RunPanel.h"

#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QStyle>
#include <QVBoxLayout>
#include "ui/Colors.h"

namespace attune::ui {
namespace {

const QColor kWarningColor(0xb3, 0x5c, 0x00);
constexpr int kLogMinHeight_px = 100;
constexpr int kLogIconSize_px = 16;

QPushButton* makeButton(const QString& text, const QString& objectName, const QString& toolTip,
                        QWidget* parent) {
  auto* button = new QPushButton(text, parent);
  button->setObjectName(objectName);
  button->setToolTip(toolTip);
  return button;
}

}  // namespace

RunPanel::RunPanel(QWidget* parent) : QWidget(parent) {
  m_trainButton = makeButton(tr("Train"), QStringLiteral("trainButton"),
                             tr("Start training with the settings on the left."), this);
  m_trainButton->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  m_pauseButton = makeButton(tr("Pause"), QStringLiteral("pauseButton"),
                             tr("Hold training after the current step; press again to go on."), this);
  m_pauseButton->setCheckable(true);
  m_pauseButton->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
  m_stopButton =
      makeButton(tr("Stop"), QStringLiteral("stopButton"),
                 tr("End training after the current step. The weights learned so far are saved."), this);
  m_stopButton->setIcon(style()->standardIcon(QStyle::SP_MediaStop));

  m_progressBar = new QProgressBar(this);
  m_progressBar->setObjectName(QStringLiteral("runProgressBar"));
  m_progressBar->setTextVisible(true);
  m_progressBar->setToolTip(tr("How far the run is, and about how long it still needs."));

  m_summaryLabel = new QLabel(this);
  m_summaryLabel->setObjectName(QStringLiteral("runSummaryLabel"));
  m_summaryLabel->setWordWrap(true);
  m_summaryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_summaryLabel->hide();

  m_logList = new QListWidget(this);
  m_logList->setObjectName(QStringLiteral("runLogList"));
  m_logList->setToolTip(tr("What happened during the run. Warnings are shown in orange."));
  m_logList->setWordWrap(true);
  m_logList->setMinimumHeight(kLogMinHeight_px);
  m_logList->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  m_logList->setIconSize(QSize(kLogIconSize_px, kLogIconSize_px));

  auto* row = new QHBoxLayout;
  row->addWidget(m_trainButton);
  row->addWidget(m_pauseButton);
  row->addWidget(m_stopButton);
  row->addWidget(m_progressBar, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(m_summaryLabel);
  layout->addWidget(m_logList, 1);

  connect(m_trainButton, &QPushButton::clicked, this, &RunPanel::trainClicked);
  connect(m_pauseButton, &QPushButton::toggled, this, [this](bool paused) {
    setPaused(paused);
    emit pauseToggled(paused);
  });
  connect(m_stopButton, &QPushButton::clicked, this, [this] {
    m_stopButton->setEnabled(false);
    m_pauseButton->setEnabled(false);
    m_progressBar->setFormat(tr("Stopping after the current step…"));
    emit stopClicked();
  });
  setRunning(false);
  m_progressBar->setRange(0, 1);
  m_progressBar->setValue(0);
  m_progressBar->setFormat(tr("Not started"));
}

void RunPanel::startRun(int epochsTotal) {
  m_epochsTotal = epochsTotal;
  m_lastStep = StepMetrics{};
  m_paused = false;
  m_logList->clear();
  m_summaryLabel->hide();
  m_summaryLabel->clear();
  m_progressBar->setRange(0, 1);
  m_progressBar->setValue(0);
  m_progressBar->setFormat(tr("Preparing the model and the images…"));
}

void RunPanel::append(const MetricsDrain& drain) {
  for (const RunEvent& event : drain.events) addEvent(event);
  for (const EpochMetrics& epoch : drain.epochs) {
    QString line = tr("Epoch %1/%2: validation accuracy %3%, validation loss %4, training loss %5.")
                       .arg(epoch.epoch)
                       .arg(epoch.epochsTotal)
                       .arg(epoch.valAccuracy * 100.0, 0, 'f', 1)
                       .arg(epoch.valLoss, 0, 'f', 3)
                       .arg(epoch.trainLoss, 0, 'f', 3);
    if (epoch.isBest) line += tr(" Best so far: weights saved.");
    addEvent(RunEvent{RunEventKind::Info, line});
  }
  if (!drain.steps.empty()) {
    m_lastStep = drain.steps.back();
    updateProgress();
  }
}

void RunPanel::addEvent(const RunEvent& event) {
  if (event.message.isEmpty()) return;
  QScrollBar* scroll = m_logList->verticalScrollBar();
  const bool atBottom = scroll->value() == scroll->maximum();
  auto* item = new QListWidgetItem(event.message, m_logList);
  switch (event.kind) {
    case RunEventKind::Warning:
      item->setForeground(kWarningColor);
      item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
      break;
    case RunEventKind::Failed:
      item->setForeground(kErrorColor);
      item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxCritical));
      break;
    case RunEventKind::Started:
    case RunEventKind::Finished:
    case RunEventKind::Stopped: {
      QFont font = item->font();
      font.setBold(true);
      item->setFont(font);
      break;
    }
    case RunEventKind::Info:
      break;
  }
  // Follow new lines unless the user scrolled up to read an older one.
  // Queued: the new item is laid out (word wrap) only on the next event-loop turn.
  if (atBottom) QMetaObject::invokeMethod(m_logList, &QListWidget::scrollToBottom, Qt::QueuedConnection);
}

void RunPanel::finishRun(const RunSummary& summary) {
  if (m_lastStep.stepsTotal > 0) updateProgress();
  const QString outcome = summary.outcome == RunOutcome::Finished  ? tr("Finished")
                          : summary.outcome == RunOutcome::Stopped ? tr("Stopped")
                                                                   : tr("Failed");
  m_progressBar->setFormat(
      m_lastStep.step > 0 ? outcome + tr(" at step %1/%2").arg(m_lastStep.step).arg(m_lastStep.stepsTotal)
                          : outcome);
  if (summary.outcome == RunOutcome::Finished) m_progressBar->setValue(m_progressBar->maximum());
  m_summaryLabel->setText(summaryText(summary));
  m_summaryLabel->setStyleSheet(summary.outcome == RunOutcome::Failed
                                    ? QStringLiteral("color: %1").arg(kErrorColor.name())
                                    : QStringLiteral("font-weight: bold"));
  m_summaryLabel->show();
}

void RunPanel::setRunning(bool running, bool canTrain) {
  m_trainButton->setEnabled(!running && canTrain);
  m_pauseButton->setEnabled(running);
  m_stopButton->setEnabled(running);
  if (!running) {
    const QSignalBlocker blocker(m_pauseButton);
    m_pauseButton->setChecked(false);
    m_paused = false;
  }
}

void RunPanel::setPaused(bool paused) {
  m_paused = paused;
  m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
  m_pauseButton->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
  if (m_lastStep.stepsTotal > 0) updateProgress();
}

void RunPanel::updateProgress() {
  // QProgressBar holds ints; a run of more than 2^31 steps is out of reach anyway.
  m_progressBar->setRange(0, int(std::max<int64_t>(m_lastStep.stepsTotal, 1)));
  m_progressBar->setValue(int(m_lastStep.step));
  QString text = progressText(m_lastStep, m_epochsTotal);
  if (m_paused) text += tr(" — paused");
  m_progressBar->setFormat(text);
}

QString RunPanel::progressText(const StepMetrics& step, int epochsTotal) {
  double eta_ms = -1.0;
  if (step.step > 0 && step.stepsTotal >= step.step)
    eta_ms = step.elapsedMs / double(step.step) * double(step.stepsTotal - step.step);
  return tr("epoch %1/%2 — step %3/%4 — ETA %5")
      .arg(step.epoch)
      .arg(epochsTotal)
      .arg(step.step)
      .arg(step.stepsTotal)
      .arg(formatDuration(eta_ms));
}

QString RunPanel::formatDuration(double duration_ms) {
  if (!(duration_ms >= 0.0)) return QStringLiteral("--:--");
  const qint64 seconds = qint64(duration_ms / 1000.0 + 0.5);
  const auto two = [](qint64 v) { return QStringLiteral("%1").arg(v, 2, 10, QLatin1Char('0')); };
  if (seconds < 3600) return two(seconds / 60) + QLatin1Char(':') + two(seconds % 60);
  return QString::number(seconds / 3600) + QLatin1Char(':') + two(seconds / 60 % 60) + QLatin1Char(':') +
         two(seconds % 60);
}

QString RunPanel::summaryText(const RunSummary& summary) {
  if (summary.outcome == RunOutcome::Failed) return summary.message;
  QString text;
  if (summary.outcome == RunOutcome::Stopped) text = summary.message + QLatin1Char(' ');
  if (summary.bestEpoch > 0) {
    text += tr("Best validation accuracy %1% at epoch %2; weights saved to %3")
                .arg(summary.bestValAccuracy * 100.0, 0, 'f', 1)
                .arg(summary.bestEpoch)
                .arg(QDir::toNativeSeparators(summary.bestCheckpoint));
  } else if (!summary.lastCheckpoint.isEmpty()) {
    text += tr("No epoch was completed; the weights so far are saved to %1")
                .arg(QDir::toNativeSeparators(summary.lastCheckpoint));
  } else {
    text += tr("No weights were saved.");
  }
  return text;
}

}  // namespace attune::ui
