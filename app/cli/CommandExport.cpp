// attune-cli export: a run's model (its best, last or a picked epoch's checkpoint) as a folder that
// `attune-cli predict EXPORT_DIR` and other tools load without the project (core/export/ModelExport.h).
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/export/ExportCheck.h"
#include "core/export/ModelExport.h"

namespace attune::cli {

int commandExport(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("export"),
      .usage = QStringLiteral(
          "usage: attune-cli export PROJECT.attune --out DIR [--run RUN] [--checkpoint best|last|EPOCH] "
          "[--format safetensors|onnx|huggingface] [--check] [--json]"),
      .description = QStringLiteral(
          "A run's model as a folder that 'attune-cli predict EXPORT_DIR' and other tools load without the "
          "project."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options =
          {
              {QStringLiteral("run"), QStringLiteral("Which run (default: the latest with a saved model)."),
               QStringLiteral("run")},
              {QStringLiteral("checkpoint"), QStringLiteral("best (default), last, or an epoch number."),
               QStringLiteral("checkpoint"), QStringLiteral("best")},
              {QStringLiteral("format"),
               QStringLiteral(
                   "safetensors (an Attune folder, which torchvision also loads; default), onnx (adds "
                   "model.onnx for ONNX Runtime) or huggingface (BERT and DistilBERT: adds what "
                   "Transformers loads)."),
               QStringLiteral("format"), QStringLiteral("safetensors")},
              {QStringLiteral("check"),
               QStringLiteral("Then run the exported model on the run's validation examples and compare its "
                              "answers with the run's own (ONNX in ONNX Runtime when installed).")},
              {QStringLiteral("out"), QStringLiteral("The folder to create (new or empty)."),
               QStringLiteral("dir")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
      .requiredOptions = {QStringLiteral("out")},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const QString checkpoint = command.value(QStringLiteral("checkpoint"));
  if (!isCheckpointChoice(checkpoint))
    return command.usageError(
        QStringLiteral("--checkpoint takes best, last or an epoch number (got '%1').").arg(checkpoint));
  const auto format = modelExportFormatFrom(command.value(QStringLiteral("format")));
  if (!format)
    return command.usageError(QStringLiteral("--format takes safetensors, onnx or huggingface (got '%1').")
                                  .arg(command.value(QStringLiteral("format"))));
  const bool asJson = command.asJson();
  auto project = command.loadProject();
  if (!project) return kExitFailure;
  ModelExportRequest request;
  request.run = command.value(QStringLiteral("run"));
  request.checkpoint = checkpoint;
  request.outDirectory = command.value(QStringLiteral("out"));
  request.format = *format;
  auto exported = exportModel(*project, request);
  if (!exported) return command.fail(exported.error().text());
  std::optional<ExportCheck> check;
  if (command.isSet(QStringLiteral("check"))) {
    auto checked = checkExport(*project, *exported);
    if (!checked)
      return command.fail(QStringLiteral("The model was exported to %1, but its check failed: %2")
                              .arg(exported->directory, checked.error().text()));
    check = *checked;
  }
  if (asJson) {
    nlohmann::json files = nlohmann::json::array();
    for (const QString& file : exported->files) files.push_back(file.toStdString());
    printJson({{"event", "done"},
               {"directory", exported->directory.toStdString()},
               {"run", exported->runId.toStdString()},
               {"epoch", exported->epoch},
               {"classes", exported->classes.size()},
               {"files", files},
               {"format", nameOf(exported->format).toStdString()},
               {"bytes", exported->bytes}});
    if (check)
      printJson({{"event", "check"},
                 {"runtime", check->runtime.toStdString()},
                 {"ran_exported_file", check->ranExportedFile},
                 {"examples", check->examples},
                 {"same_class", check->sameClass},
                 {"largest_difference", check->largestDifference},
                 {"note", check->note.toStdString()}});
  } else {
    printLine(QStringLiteral("Exported the model of run %1 (epoch %2) to %3 (%4 MB).")
                  .arg(exported->runId)
                  .arg(exported->epoch)
                  .arg(exported->directory)
                  .arg(double(exported->bytes) / (1024.0 * 1024.0), 0, 'f', 1));
    if (check) printLine(check->summary());
  }
  return kExitSuccess;
}

}  // namespace attune::cli
