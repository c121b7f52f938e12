#include "core/models/TextModelFolder.h"

#include <QDir>
#include <QFileInfo>

namespace attune {

namespace {

QString existingFile(const QDir& dir, const char* name) {
  const QFileInfo info(dir.filePath(QString::fromUtf8(name)));
  return info.isFile() ? info.absoluteFilePath() : QString();
}

}  // namespace

Result<TextModelFolder> describeTextModelFolder(const QString& folder, TextFolderWeights weights) {
  const QFileInfo info(folder);
  if (!info.isDir())
    return Error(ErrorCode::FileNotFound, QStringLiteral("The model folder %1 does not exist.").arg(folder),
                 QStringLiteral("Choose the folder that holds the model's config.json and weights."));
  const QDir dir(info.absoluteFilePath());
  TextModelFolder result;
  result.path = dir.absolutePath();
  auto config = readTextModelConfig(dir.filePath(QStringLiteral("config.json")));
  if (!config) return config.error();
  result.config = *config;

  result.weightsFile = existingFile(dir, "model.safetensors");
  if (result.weightsFile.isEmpty()) {
    result.weightsFile = existingFile(dir, "pytorch_model.bin");
    result.weightsFormat = TextWeightsFormat::PyTorch;
  }
  if (result.weightsFile.isEmpty() && weights == TextFolderWeights::Optional) {
    result.weightsFormat = TextWeightsFormat::Safetensors;
  } else if (result.weightsFile.isEmpty()) {
    if (!existingFile(dir, "model.safetensors.index.json").isEmpty() ||
        !existingFile(dir, "pytorch_model.bin.index.json").isEmpty())
      return Error(
          ErrorCode::BadFormat,
          QStringLiteral("The weights in %1 are split into several files, which Attune cannot read yet.")
              .arg(result.path),
          QStringLiteral("Choose a model whose weights are one model.safetensors file."));
    return Error(
        ErrorCode::FileNotFound,
        QStringLiteral("The model folder %1 has no weights (model.safetensors or pytorch_model.bin).")
            .arg(result.path),
        QStringLiteral("Download the model's weights into the folder, or choose another folder."));
  }
  result.vocabFile = existingFile(dir, "vocab.txt");
  result.tokenizerFile = existingFile(dir, "tokenizer.json");
  result.tokenizerConfigFile = existingFile(dir, "tokenizer_config.json");
  return result;
}

}  // namespace attune
