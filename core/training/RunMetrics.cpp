#include "core/training/RunMetrics.h"

namespace attune {

QString toString(RunEventKind kind) {
  switch (kind) {
    case RunEventKind::Started:
      return QStringLiteral("started");
    case RunEventKind::Info:
      return QStringLiteral("info");
    case RunEventKind::Warning:
      return QStringLiteral("warning");
    case RunEventKind::Finished:
      return QStringLiteral("finished");
    case RunEventKind::Stopped:
      return QStringLiteral("stopped");
    case RunEventKind::Failed:
      return QStringLiteral("failed");
  }
  return {};
}

QString toString(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished:
      return QStringLiteral("finished");
    case RunOutcome::Stopped:
      return QStringLiteral("stopped");
    case RunOutcome::Failed:
      return QStringLiteral("failed");
  }
  return {};
}

}  // namespace attune
