#include "core/models/WeightLoadReport.h"

namespace attune {

namespace {

QString tensorCount(qsizetype count) {
  return count == 1 ? QStringLiteral("1 tensor") : QStringLiteral("%1 tensors").arg(count);
}

}  // namespace

QString WeightLoadReport::summary() const {
  QStringList parts;
  parts << QStringLiteral("Loaded %1 from the weights file").arg(tensorCount(loadedCount));
  if (!freshHead.isEmpty())
    parts << QStringLiteral("a new final layer for your classes (%1) starts from scratch")
                 .arg(tensorCount(freshHead.size()));
  if (!missing.isEmpty())
    parts << QStringLiteral("%1 missing from the file").arg(tensorCount(missing.size()));
  if (!shapeMismatches.isEmpty())
    parts << QStringLiteral("%1 of the wrong shape").arg(tensorCount(shapeMismatches.size()));
  if (!unexpected.isEmpty())
    parts << QStringLiteral("%1 in the file not used by this model").arg(tensorCount(unexpected.size()));
  return parts.join(QStringLiteral("; ")) + QLatin1Char('.');
}

}  // namespace attune
