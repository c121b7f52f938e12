#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/weights/WeightsFile.h"

namespace attune::cli {
namespace {

constexpr size_t kLongMetadataChars = 200;

QString shapeText(const std::vector<int64_t>& shape) {
  QStringList dims;
  for (auto d : shape) dims << QString::number(d);
  return QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']');
}

// BatchNorm statistics are state, not learned parameters (torchvision's and Keras's naming).
bool isStatistic(const std::string& name) {
  for (const char* suffix :
       {".running_mean", ".running_var", ".num_batches_tracked", "/moving_mean", "/moving_variance"})
    if (name.ends_with(suffix)) return true;
  return false;
}

}  // namespace

int commandInspect(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("inspect"),
      .usage = QStringLiteral("usage: attune-cli inspect FILE.safetensors|FILE.pth|TFJS_FOLDER [--json]"),
      .description = QStringLiteral(
          "What a weights file holds: its tensors, their shapes and dtypes, the parameter count and the "
          "provenance in its metadata."),
      .positionals = {{QStringLiteral("file"),
                       QStringLiteral("A .safetensors file, a torch.save checkpoint (.pth, .pt, .bin) or a "
                                      "TF.js layers model (its folder or model.json).")}},
      .options = {{QStringLiteral("json"), QStringLiteral("One JSON object on stdout.")}},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const QString path = command.positionals().first();
  auto content = readWeightsFile(path);
  if (!content) {
    printError(content.error().text());
    return kExitFailure;
  }
  int64_t parameters = 0;
  int64_t values = 0;
  std::map<std::string, int64_t> dtypeCounts;
  for (const auto& [name, tensor] : content->tensors) {
    values += tensor.numel();
    if (!isStatistic(name)) parameters += tensor.numel();
    dtypeCounts[dtypeName(tensor.dtype)] += tensor.numel();
  }

  if (command.isSet(QStringLiteral("json"))) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& [name, tensor] : content->tensors)
      tensors.push_back({{"name", name}, {"dtype", dtypeName(tensor.dtype)}, {"shape", tensor.shape}});
    printJson({{"file", path.toStdString()},
               {"tensor_count", content->tensors.size()},
               {"parameter_count", parameters},
               {"value_count", values},
               {"dtypes", dtypeCounts},
               {"metadata", content->metadata},
               {"tensors", tensors}});
    return kExitSuccess;
  }
  printLine(QStringLiteral("%1: %2 tensors, %3 parameters, %4 values in all")
                .arg(path)
                .arg(content->tensors.size())
                .arg(parameters)
                .arg(values));
  for (const auto& [dtype, count] : dtypeCounts)
    printLine(QStringLiteral("  %1: %2 values").arg(QString::fromStdString(dtype)).arg(count));
  if (!content->metadata.empty()) {
    printLine(QStringLiteral("Metadata (provenance):"));
    for (const auto& [key, value] : content->metadata) {
      // A Keras topology is kilobytes of JSON: --json gives it whole.
      const QString shown = value.size() > kLongMetadataChars
                                ? QStringLiteral("(%1 characters; see --json)").arg(value.size())
                                : QString::fromStdString(value);
      printLine(QStringLiteral("  %1 = %2").arg(QString::fromStdString(key), shown));
    }
  }
  printLine(QStringLiteral("Tensors:"));
  for (const auto& [name, tensor] : content->tensors)
    printLine(QStringLiteral("  %1  %2  %3")
                  .arg(QString::fromStdString(name), -50)
                  .arg(QString::fromUtf8(dtypeName(tensor.dtype)), -5)
                  .arg(shapeText(tensor.shape)));
  return kExitSuccess;
}

}  // namespace attune::cli
