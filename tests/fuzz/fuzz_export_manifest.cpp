// Fuzz target: an exported model's manifest (core/eval/TrainedModelFiles: readModelExportManifest,
// which Predictor::openExport and `attune-cli predict` use before any LibTorch code runs). The input
// is attune-export.json in a folder that also holds model.safetensors, a file outside it
// ("../outside.safetensors") and a link from inside to it, so that a manifest naming either is tried.
#include "core/eval/ModelExportFormat.h"
#include "core/eval/TrainedModelFiles.h"
#include "tests/fuzz/FuzzSupport.h"

#include <QFileInfo>

using namespace attune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool prepared = [] {
    const QDir work = fuzz::workDirectory();
    FUZZ_CHECK(work.mkpath(QStringLiteral("export")));
    fuzz::writeInput(QStringLiteral("export/model.safetensors"), QByteArray("weights"));
    fuzz::writeInput(QStringLiteral("outside.safetensors"), QByteArray("not the export's"));
    FUZZ_CHECK(QFile::link(work.filePath(QStringLiteral("outside.safetensors")),
                           work.filePath(QStringLiteral("export/link.safetensors"))));
    return true;
  }();
  (void)prepared;
  const QDir folder(fuzz::workDirectory().filePath(QStringLiteral("export")));
  fuzz::writeInput(QStringLiteral("export/") + QLatin1String(kModelExportManifest), data, size);
  auto manifest = readModelExportManifest(folder.path());
  if (!manifest) {
    fuzz::checkError(manifest.error());
    return 0;
  }
  // What an opened manifest promises Predictor::open: two or more classes, a run id, validated
  // settings, and weights that are a regular file inside the export's folder.
  const TrainedModelSettings& settings = manifest->settings;
  FUZZ_CHECK(settings.classes.size() >= 2);
  FUZZ_CHECK(settings.config.validate().isEmpty());
  const QFileInfo weights(manifest->weightsFile);
  FUZZ_CHECK(weights.isFile());
  FUZZ_CHECK(weights.canonicalFilePath().startsWith(folder.canonicalPath() + QLatin1Char('/')));
  return 0;
}
