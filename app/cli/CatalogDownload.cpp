#include "app/cli/CatalogDownload.h"

#include "app/cli/CliOutput.h"
#include "core/project/TrainingConfig.h"
#include "core/weights/CatalogWeights.h"

#include <QElapsedTimer>

#include <cstdio>

namespace attune::cli {

Result<QString> locateOrDownloadWithProgress(const WeightSource& source, bool asJson) {
  const bool terminal = !asJson && stdoutIsTerminal();
  QElapsedTimer sinceReport;
  sinceReport.start();
  bool reported = false;
  auto progress = [&](qint64 received, qint64 total) {
    if (reported && sinceReport.elapsed() < 500 && received != total) return;
    reported = true;
    sinceReport.restart();
    if (asJson) {
      printJson({{"event", "progress"},
                 {"file", source.fileName.toStdString()},
                 {"received_bytes", received},
                 {"total_bytes", total}});
    } else if (terminal) {
      std::fprintf(stdout, "\rDownloading %s  %.1f / %.1f MB", qPrintable(source.fileName), received / 1e6,
                   total > 0 ? total / 1e6 : 0.0);
      std::fflush(stdout);
    }
  };
  auto located = locateOrDownload(source, progress);
  if (terminal && reported) printLine(QString());
  if (!located) return located.error();
  return located->path;
}

Status ensureCatalogWeights(const QString& weights, bool asJson) {
  if (!isCatalogReference(weights)) return {};
  WeightLocator locator;
  auto lookup = lookUpCatalogWeights(weights.mid(int(qstrlen(kCatalogScheme))), locator);
  if (!lookup) return lookup.error();
  // Every file of the entry: a text model also needs its config and vocabulary next to the weights.
  for (const CatalogWeights& file : lookup->entry.weights) {
    if (locateCatalogFile(locator, file).found) continue;
    auto downloaded = locateOrDownloadWithProgress(file.source, asJson);
    if (!downloaded) return downloaded.error();
  }
  return {};
}

}  // namespace attune::cli
