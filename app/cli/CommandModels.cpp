#include "app/cli/CatalogDownload.h"
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/weights/CatalogWeights.h"
#include "core/weights/NetworkPolicy.h"
#include "core/weights/WeightLocator.h"

namespace attune::cli {
namespace {

struct FileState {
  const CatalogWeights* weights = nullptr;
  WeightLookup lookup;
};

QString megabytes(double size_mb) {
  return size_mb > 0 ? QStringLiteral("%1 MB").arg(size_mb, 0, 'f', size_mb < 10 ? 1 : 0) : QString();
}

nlohmann::json fileJson(const FileState& state) {
  const WeightSource& source = state.weights->source;
  nlohmann::json file{
      {"file", source.fileName.toStdString()},         {"url", source.url.toString().toStdString()},
      {"format", state.weights->format.toStdString()}, {"licence", source.licence.toStdString()},
      {"origin", source.origin.toStdString()},         {"available", state.lookup.found.has_value()}};
  if (!source.sha256.isEmpty()) file["sha256"] = source.sha256.toStdString();
  if (!source.sha256Prefix.isEmpty()) file["sha256_prefix"] = source.sha256Prefix.toStdString();
  if (state.weights->approxSizeMb > 0) file["approx_size_mb"] = state.weights->approxSizeMb;
  if (state.lookup.found) {
    file["path"] = state.lookup.found->path.toStdString();
    file["cache"] = weightCacheName(state.lookup.found->cache).toStdString();
  }
  if (!state.lookup.refused.isEmpty()) {
    auto& refused = file["refused"] = nlohmann::json::array();
    for (const auto& reason : state.lookup.refused) refused.push_back(reason.toStdString());
  }
  return file;
}

std::vector<FileState> lookUp(WeightLocator& locator, const CatalogEntry& entry) {
  std::vector<FileState> files;
  for (const auto& weights : entry.weights) files.push_back({&weights, locateCatalogFile(locator, weights)});
  return files;
}

int listModels(const ModelCatalog& catalog, bool asJson) {
  WeightLocator locator;
  for (const auto& entry : catalog.entries()) {
    const auto files = lookUp(locator, entry);
    const bool available = std::all_of(files.begin(), files.end(),
                                       [](const FileState& s) { return s.lookup.found.has_value(); });
    if (asJson) {
      nlohmann::json model{{"id", entry.id.toStdString()},
                           {"name", entry.displayName.toStdString()},
                           {"task", entry.task.toStdString()},
                           {"architecture", entry.architecture.toStdString()},
                           {"input_size", entry.inputSize},
                           {"parameters", entry.parameters},
                           {"description", entry.description.toStdString()},
                           {"available", available},
                           {"files", nlohmann::json::array()}};
      auto& groups = model["layer_groups"] = nlohmann::json::array();
      for (const auto& group : entry.layerGroups) groups.push_back(group.name.toStdString());
      for (const auto& state : files) model["files"].push_back(fileJson(state));
      printJson(model);
      continue;
    }
    double totalMb = 0;
    for (const auto& state : files) totalMb += state.weights->approxSizeMb;
    QString where =
        available
            ? QStringLiteral("on this computer (%1)").arg(weightCacheName(files.front().lookup.found->cache))
            : QStringLiteral("to download, %1").arg(megabytes(totalMb));
    printLine(QStringLiteral("%1  %2  %3M parameters  %4")
                  .arg(entry.id, -30)
                  .arg(entry.displayName, -44)
                  .arg(double(entry.parameters) / 1e6, 6, 'f', 1)
                  .arg(where));
    for (const auto& state : files)
      for (const auto& reason : state.lookup.refused) printLine(QStringLiteral("    not used: ") + reason);
  }
  return kExitSuccess;
}

int downloadModel(const ModelCatalog& catalog, const QString& id, bool asJson) {
  const CatalogEntry* entry = catalog.find(id);
  if (!entry) {
    printError(
        QStringLiteral("The catalog has no model '%1'. Run 'attune-cli models' to see the ids.").arg(id));
    return kExitFailure;
  }
  WeightLocator locator;
  const auto files = lookUp(locator, *entry);
  for (const auto& state : files) {
    const WeightSource& source = state.weights->source;
    QString path;
    if (state.lookup.found) {
      path = state.lookup.found->path;
    } else {
      auto located = locateOrDownloadWithProgress(source, asJson);
      if (!located) {
        if (asJson)
          printJson({{"event", "error"},
                     {"file", source.fileName.toStdString()},
                     {"message", located.error().text().toStdString()}});
        printError(located.error().text());
        return kExitFailure;
      }
      path = *located;
    }
    if (asJson)
      printJson({{"event", "file"}, {"file", source.fileName.toStdString()}, {"path", path.toStdString()}});
    else
      printLine(QStringLiteral("%1: %2").arg(source.fileName, path));
  }
  if (asJson) printJson({{"event", "done"}, {"id", id.toStdString()}});
  return kExitSuccess;
}

}  // namespace

// The model catalog with what is available locally; --download ID fetches a model's files.
int commandModels(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("models"),
      .usage = QStringLiteral("usage: attune-cli models [--json] [--download ID] [--offline]"),
      .description = QStringLiteral(
          "The model catalog, with which models' weights are already on this computer; --download fetches a "
          "model's files."),
      .minPositionals = 0,
      .maxPositionals = 0,
      .options = {{QStringLiteral("json"), QStringLiteral("One JSON object per line.")},
                  {QStringLiteral("download"), QStringLiteral("Download a model's files."),
                   QStringLiteral("id")},
                  {QStringLiteral("offline"), QStringLiteral("Use only files already on this computer.")}},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  if (command.isSet(QStringLiteral("offline"))) NetworkPolicy::setMode(NetworkMode::Offline);
  const bool asJson = command.asJson();
  const auto catalog = ModelCatalog::active();
  if (!catalog) {
    printError(catalog.error().text());
    return kExitFailure;
  }
  if (command.isSet(QStringLiteral("download")))
    return downloadModel(*catalog, command.value(QStringLiteral("download")), asJson);
  return listModels(*catalog, asJson);
}

}  // namespace attune::cli
