#include "core/data/DataReport.h"

#include "core/data/detail/Plural.h"

#include <numeric>

namespace attune {

using detail::plural;

namespace {
// A dialog stays readable with a handful of skipped files; the full list is in `skipped`.
constexpr int kSkippedFilesShown = 5;

}  // namespace

int DataReport::imageCount() const {
  return std::accumulate(classCounts.begin(), classCounts.end(), 0);
}

QString DataReport::summary() const {
  QStringList lines;
  QStringList perClass;
  for (int i = 0; i < classes.size(); ++i) {
    const int count = i < int(classCounts.size()) ? classCounts[size_t(i)] : 0;
    perClass << QStringLiteral("%1 (%2)").arg(classes[i]).arg(count);
  }
  lines << QStringLiteral("%1 in %2: %3")
               .arg(plural(imageCount(), "image", "images"), plural(int(classes.size()), "class", "classes"))
               .arg(perClass.join(QStringLiteral(", ")));
  if (unlabelled > 0)
    lines << plural(unlabelled, "image", "images") + QStringLiteral(" without a class yet (unlabelled).");
  if (!skipped.empty()) {
    lines << plural(int(skipped.size()), "file", "files") + QStringLiteral(" skipped:");
    const int shown = std::min(int(skipped.size()), kSkippedFilesShown);
    for (int i = 0; i < shown; ++i)
      lines << QStringLiteral("  %1: %2").arg(skipped[size_t(i)].path, skipped[size_t(i)].reason);
    if (int(skipped.size()) > shown)
      lines << QStringLiteral("  ... and %1 more").arg(int(skipped.size()) - shown);
  }
  for (const QString& warning : warnings) lines << QStringLiteral("Warning: ") + warning;
  return lines.join(QLatin1Char('\n'));
}

}  // namespace attune
