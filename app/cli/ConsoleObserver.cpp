#include "app/cli/ConsoleObserver.h"

#include "app/cli/CliOutput.h"

#include <cstdio>

namespace attune::cli {
namespace {

QString clockText(double ms) {
  const auto seconds = static_cast<int64_t>(ms / 1000.0);
  return QStringLiteral("%1:%2")
      .arg(seconds / 60, 2, 10, QLatin1Char('0'))
      .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

const char* jsonEventName(RunEventKind kind) {
  switch (kind) {
    case RunEventKind::Warning:
      return "warning";
    case RunEventKind::Failed:
      return "error";
    default:
      return "info";
  }
}

}  // namespace

void ConsoleObserver::clearBar() {
  if (!m_barShown) return;
  std::fputs("\r\033[K", stdout);
  m_barShown = false;
}

void ConsoleObserver::show(const MetricsDrain& drain) {
  for (const auto& event : drain.events) {
    // Finished/Stopped/Failed are reported once by showDone with the summary.
    if (event.kind == RunEventKind::Finished || event.kind == RunEventKind::Stopped ||
        event.kind == RunEventKind::Failed)
      continue;
    if (m_mode == ConsoleMode::JsonLines) {
      printJson({{"event", jsonEventName(event.kind)}, {"message", event.message.toStdString()}});
    } else {
      clearBar();
      printLine((event.kind == RunEventKind::Warning ? QStringLiteral("Warning: ") : QString()) +
                event.message);
    }
  }
  showSteps(drain.steps);
  for (const auto& epoch : drain.epochs) {
    if (m_mode == ConsoleMode::JsonLines) {
      printJson({{"event", "epoch"},
                 {"epoch", epoch.epoch},
                 {"epochs_total", epoch.epochsTotal},
                 {"train_loss", epoch.trainLoss},
                 {"train_accuracy", epoch.trainAccuracy},
                 {"val_loss", epoch.valLoss},
                 {"val_accuracy", epoch.valAccuracy},
                 {"is_best", epoch.isBest},
                 {"elapsed_ms", epoch.elapsedMs}});
    } else {
      clearBar();
      printLine(
          QStringLiteral("Epoch %1/%2: training loss %3, accuracy %4% | validation loss %5, accuracy %6%%7")
              .arg(epoch.epoch)
              .arg(epoch.epochsTotal)
              .arg(epoch.trainLoss, 0, 'f', 4)
              .arg(epoch.trainAccuracy * 100.0, 0, 'f', 1)
              .arg(epoch.valLoss, 0, 'f', 4)
              .arg(epoch.valAccuracy * 100.0, 0, 'f', 1)
              .arg(epoch.isBest ? QStringLiteral("  (best so far, saved)") : QString()));
    }
  }
}

void ConsoleObserver::showSteps(const std::vector<StepMetrics>& steps) {
  if (steps.empty()) return;
  if (m_mode == ConsoleMode::JsonLines) {
    for (const auto& step : steps) {
      printJson({{"event", "step"},
                 {"epoch", step.epoch},
                 {"step", step.step},
                 {"steps_total", step.stepsTotal},
                 {"loss", step.trainLoss},
                 {"lr_head", step.lrHead},
                 {"lr_backbone", step.lrBackbone},
                 {"elapsed_ms", step.elapsedMs}});
    }
    return;
  }
  const StepMetrics& last = steps.back();
  const double fraction = last.stepsTotal > 0 ? double(last.step) / double(last.stepsTotal) : 0.0;
  const double etaMs =
      last.step > 0 ? last.elapsedMs / double(last.step) * double(last.stepsTotal - last.step) : 0.0;
  if (m_mode == ConsoleMode::ProgressBar) {
    constexpr int kBarWidth = 30;
    const int filled = static_cast<int>(fraction * kBarWidth);
    const QString bar = QString(filled, QLatin1Char('#')) + QString(kBarWidth - filled, QLatin1Char('-'));
    const QString text = QStringLiteral("\r\033[K[%1] %2% epoch %3 step %4/%5 loss %6 elapsed %7 ETA %8")
                             .arg(bar)
                             .arg(int(fraction * 100.0), 3)
                             .arg(last.epoch)
                             .arg(last.step)
                             .arg(last.stepsTotal)
                             .arg(last.trainLoss, 0, 'f', 4)
                             .arg(clockText(last.elapsedMs), clockText(etaMs));
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
    m_barShown = true;
  } else if (last.step - m_lastPlainStep >= 10 || last.step == last.stepsTotal) {
    m_lastPlainStep = last.step;
    printLine(QStringLiteral("step %1/%2 loss %3 ETA %4")
                  .arg(last.step)
                  .arg(last.stepsTotal)
                  .arg(last.trainLoss, 0, 'f', 4)
                  .arg(clockText(etaMs)));
  }
}

void ConsoleObserver::showDone(const RunSummary& summary) {
  if (m_mode == ConsoleMode::JsonLines) {
    if (summary.outcome == RunOutcome::Failed) {
      printJson({{"event", "error"},
                 {"message", summary.message.toStdString()},
                 {"run_id", summary.runId.toStdString()}});
      return;
    }
    printJson({{"event", "done"},
               {"status", toString(summary.outcome).toStdString()},
               {"run_id", summary.runId.toStdString()},
               {"run_dir", summary.runDir.toStdString()},
               {"best_epoch", summary.bestEpoch},
               {"best_val_accuracy", summary.bestValAccuracy},
               {"best_val_loss", summary.bestValLoss},
               {"epochs_completed", summary.epochsCompleted},
               {"stopped_early", summary.stoppedEarly},
               {"checkpoint", summary.bestCheckpoint.toStdString()},
               {"last_checkpoint", summary.lastCheckpoint.toStdString()},
               {"message", summary.message.toStdString()}});
    return;
  }
  clearBar();
  if (summary.outcome == RunOutcome::Failed) return;  // the caller prints the reason on stderr
  printLine(summary.message);
  if (!summary.bestCheckpoint.isEmpty())
    printLine(QStringLiteral("Best weights: %1").arg(summary.bestCheckpoint));
  printLine(QStringLiteral("Run %1 in %2").arg(summary.runId, summary.runDir));
}

}  // namespace attune::cli
