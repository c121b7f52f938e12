#include "core/weights/WeightsFile.h"

#include "core/weights/PyTorchCheckpointReader.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/TfjsModel.h"

#include <QFileInfo>

namespace attune {

bool isPyTorchCheckpointName(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  return suffix == QLatin1String("pth") || suffix == QLatin1String("pt") || suffix == QLatin1String("bin");
}

Result<WeightsFile> readWeightsFile(const QString& path) {
  if (isPyTorchCheckpointName(path)) {
    auto checkpoint = PyTorchCheckpointReader::readFile(path);
    if (!checkpoint) return checkpoint.error();
    WeightsFile file;
    file.tensors = std::move(checkpoint->tensors);
    file.format = QStringLiteral("pytorch-") + checkpoint->format;
    file.metadata["source_format"] = file.format.toStdString();
    if (!checkpoint->stateDictKey.isEmpty())
      file.metadata["state_dict_key"] = checkpoint->stateDictKey.toStdString();
    if (!checkpoint->ignoredEntries.isEmpty())
      file.metadata["ignored_entries"] = checkpoint->ignoredEntries.join(QStringLiteral(", ")).toStdString();
    return file;
  }
  if (isTfjsModelPath(path)) {
    auto model = readTfjsModel(path);
    if (!model) return model.error();
    WeightsFile file;
    file.tensors = std::move(model->weights);
    file.format = QStringLiteral("tfjs-layers");
    file.metadata["source_format"] = file.format.toStdString();
    for (const char* key : {"keras_version", "generated_by", "converted_by", "backend"})
      if (model->metadata.count(key) != 0) file.metadata[key] = model->metadata[key];
    // The architecture travels with the weights: without it the Keras names cannot be run.
    file.metadata["keras_model_topology"] =
        model->modelConfig.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return file;
  }
  auto content = SafetensorsReader::readFile(path);
  if (!content) return content.error();
  return WeightsFile{std::move(content->tensors), std::move(content->metadata),
                     QStringLiteral("safetensors")};
}

}  // namespace attune
