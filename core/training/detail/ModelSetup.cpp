#include "core/training/detail/ModelSetup.h"

#include "core/models/detail/KerasClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/weights/TfjsModel.h"

#include <QFileInfo>

#include <algorithm>
#include <unordered_set>

namespace attune::detail {
namespace {

bool startsWith(const std::string& name, const QString& prefix) {
  const std::string p = prefix.toStdString();
  return name.compare(0, p.size(), p) == 0;
}

Result<PreparedModel> prepareKerasModel(const TrainingConfig& config, int numClasses) {
  if (config.weightsPath.isEmpty())
    return Error(ErrorCode::BadValue, QStringLiteral("A Keras / TF.js model needs its exported folder."),
                 QStringLiteral("Choose the folder with model.json as the pre-trained weights."));
  auto model = readTfjsModel(config.weightsPath);
  if (!model) return model.error();
  auto classifier = makeKerasClassifier(*model, config.cutLayer, numClasses);
  if (!classifier) return classifier.error();
  PreparedModel prepared;
  prepared.model = *classifier;
  prepared.architecture = findArchitecture(QLatin1String(kTfjsArchitecture));
  prepared.inputSize = config.inputSize.value_or(224);
  // The export's own input size unless the user chose one.
  if (auto size = kerasInputSize(*model); size && !config.inputSize && size->at(0) > 0)
    prepared.inputSize = int(size->at(0));
  const auto* keras = dynamic_cast<const KerasClassifierImpl*>(prepared.model.get());
  prepared.notes << QStringLiteral(
                        "Using the Keras model in %1 up to its layer %2, then a new final layer for your "
                        "%3 classes (input %4 px).")
                        .arg(QFileInfo(config.weightsPath).fileName(),
                             QString::fromStdString(keras ? keras->cutLayer() : std::string("?")))
                        .arg(numClasses)
                        .arg(prepared.inputSize);
  return prepared;
}

}  // namespace

Result<PreparedModel> prepareModel(const TrainingConfig& config, int numClasses) {
  Result<PreparedModel> result = [&]() -> Result<PreparedModel> {
    if (config.architecture == QLatin1String(kTfjsArchitecture)) return prepareKerasModel(config, numClasses);
    PreparedModel prepared;
    prepared.architecture = findArchitecture(config.architecture);
    if (!prepared.architecture)
      return Error(ErrorCode::BadValue, QStringLiteral("Unknown architecture %1.").arg(config.architecture),
                   QStringLiteral("Choose a model from the list."));
    prepared.inputSize = config.inputSize.value_or(prepared.architecture->inputSize);
    prepared.model = makeImageClassifier(config.architecture, numClasses);
    if (!prepared.model)
      return Error(ErrorCode::BadValue, QStringLiteral("Unknown architecture %1.").arg(config.architecture));
    if (config.weightsPath.isEmpty()) {
      prepared.warnings << QStringLiteral(
          "No pre-trained weights chosen: the model starts from random weights, which needs much more "
          "data and time.");
      return prepared;
    }
    auto report = loadWeightsFile(*prepared.model, config.weightsPath, prepared.model->headPrefix(),
                                  HeadPolicy::ReplaceHead);
    if (!report) return report.error();
    prepared.notes << report->summary();
    return prepared;
  }();
  if (result) result->model->setHeadDropout(config.headDropout);
  return result;
}

std::vector<BoundLayerGroup> bindLayerGroups(const ImageClassifierImpl& model,
                                             std::vector<LayerGroupPlan> plan) {
  std::vector<BoundLayerGroup> groups;
  for (auto& p : plan) groups.push_back({std::move(p), {}, {}});
  const auto named = model.named_parameters();
  if (groups.empty()) {
    groups.push_back({LayerGroupPlan{QStringLiteral("all"), {}, true, 0.0, 1}, {}, {}});
  }
  const bool byOrder = std::all_of(groups.begin(), groups.end(),
                                   [](const BoundLayerGroup& g) { return g.plan.prefixes.isEmpty(); });
  const std::string headPrefix = model.headPrefix();
  const auto isHead = [&](const std::string& name) {
    return name.compare(0, headPrefix.size(), headPrefix) == 0;
  };
  if (byOrder) {
    std::vector<std::pair<std::string, torch::Tensor>> backbone;
    for (const auto& item : named) {
      if (isHead(item.key())) {
        groups.back().names.push_back(item.key());
        groups.back().parameters.push_back(item.value());
      } else {
        backbone.emplace_back(item.key(), item.value());
      }
    }
    const size_t shares = std::max<size_t>(1, groups.size() - 1);
    for (size_t i = 0; i < backbone.size(); ++i) {
      const size_t g = std::min(shares - 1, i * shares / std::max<size_t>(1, backbone.size()));
      groups[g].names.push_back(backbone[i].first);
      groups[g].parameters.push_back(backbone[i].second);
    }
    return groups;
  }
  for (const auto& item : named) {
    size_t target = 0;
    bool matched = false;
    for (size_t g = 0; g < groups.size() && !matched; ++g) {
      for (const QString& prefix : groups[g].plan.prefixes) {
        if (startsWith(item.key(), prefix)) {
          target = g;
          matched = true;
          break;
        }
      }
    }
    if (!matched && isHead(item.key())) target = groups.size() - 1;
    groups[target].names.push_back(item.key());
    groups[target].parameters.push_back(item.value());
  }
  return groups;
}

std::vector<bool> frozenMask(const std::vector<BoundLayerGroup>& groups, int frozenCount) {
  std::vector<bool> mask(groups.size(), false);
  for (size_t g = 0; g < groups.size(); ++g)
    mask[g] = (!groups[g].plan.isHead && int(g) < frozenCount) || groups[g].plan.baseLr <= 0.0;
  return mask;
}

void freezeGroups(ImageClassifierImpl& model, const std::vector<BoundLayerGroup>& groups, int frozenCount) {
  const auto mask = frozenMask(groups, frozenCount);
  std::unordered_set<std::string> frozen;
  for (size_t g = 0; g < groups.size(); ++g)
    if (mask[g]) frozen.insert(groups[g].names.begin(), groups[g].names.end());
  model.setFrozen([&frozen](const std::string& name) { return frozen.count(name) != 0; });
}

}  // namespace attune::detail
