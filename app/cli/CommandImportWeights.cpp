#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/common/Version.h"
#include "core/weights/SafetensorsWriter.h"
#include "core/weights/WeightsFile.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace attune::cli {
namespace {

Result<QByteArray> sha256Of(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("Cannot read %1: %2.").arg(path, file.errorString()));
  QCryptographicHash hash(QCryptographicHash::Sha256);
  if (!hash.addData(&file))
    return Error(ErrorCode::FileUnreadable, QStringLiteral("Cannot read %1 to the end.").arg(path));
  return hash.result().toHex();
}

// A folder (a TF.js export): the SHA-256 of its files' names and digests, in name order, so that any
// changed shard changes it.
Result<QByteArray> sha256OfFolder(const QString& path) {
  QCryptographicHash hash(QCryptographicHash::Sha256);
  const QDir dir(path);
  for (const QString& name : dir.entryList(QDir::Files, QDir::Name)) {
    auto digest = sha256Of(dir.filePath(name));
    if (!digest) return digest.error();
    hash.addData(QByteArray(name.toUtf8() + ' ' + *digest + '\n'));
  }
  return hash.result().toHex();
}

}  // namespace

// Converts a supported weights file to safetensors, recording where it came from in the metadata.
int commandImportWeights(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("import-weights"),
      .usage =
          QStringLiteral("usage: attune-cli import-weights FILE|TFJS_FOLDER --out FILE.safetensors [--json]"),
      .description = QStringLiteral(
          "Converts a weights file to safetensors, with where it came from (path, SHA-256, format, date) in "
          "its metadata."),
      .positionals = {{QStringLiteral("file"),
                       QStringLiteral("A .pth/.pt/.bin or .safetensors file, or a TF.js layers model (its "
                                      "folder or model.json).")}},
      .options = {{QStringLiteral("out"), QStringLiteral("The .safetensors file to write."),
                   QStringLiteral("file")},
                  {QStringLiteral("json"), QStringLiteral("One JSON object on stdout.")}},
      .requiredOptions = {QStringLiteral("out")},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const QString source = QFileInfo(command.positionals().first()).absoluteFilePath();
  const QString target = QFileInfo(command.value(QStringLiteral("out"))).absoluteFilePath();
  if (source == target) {
    printError(QStringLiteral("--out must be another file than the input."));
    return kExitUsage;
  }
  auto weights = readWeightsFile(source);
  if (!weights) {
    printError(weights.error().text());
    return kExitFailure;
  }
  auto digest = QFileInfo(source).isDir() ? sha256OfFolder(source) : sha256Of(source);
  if (!digest) {
    printError(digest.error().text());
    return kExitFailure;
  }
  std::map<std::string, std::string> metadata = weights->metadata;
  metadata["format"] = "pt";  // Hugging Face's marker for PyTorch-layout tensors
  metadata["attune.source"] = source.toStdString();
  metadata["attune.source_sha256"] = digest->toStdString();
  metadata["attune.source_format"] = weights->format.toStdString();
  metadata["attune.imported_at"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
  metadata["attune.imported_by"] = "Attune " + attuneVersion().toStdString();
  if (auto written = SafetensorsWriter::writeFile(target, weights->tensors, metadata); !written) {
    printError(written.error().text());
    return kExitFailure;
  }
  if (command.isSet(QStringLiteral("json"))) {
    printJson({{"event", "done"},
               {"out", target.toStdString()},
               {"tensor_count", weights->tensors.size()},
               {"source_format", weights->format.toStdString()},
               {"source_sha256", digest->toStdString()}});
  } else {
    printLine(QStringLiteral("Wrote %1 (%2 tensors from %3, %4).")
                  .arg(target)
                  .arg(weights->tensors.size())
                  .arg(source, weights->format));
  }
  return kExitSuccess;
}

}  // namespace attune::cli
