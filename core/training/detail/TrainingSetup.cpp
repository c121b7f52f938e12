#include "core/training/detail/TrainingSetup.h"

#include "core/models/detail/StateDict.h"
#include "core/training/LayerGroupPlan.h"
#include "core/training/detail/Autocast.h"

namespace attune::detail {
namespace {

// Continues from an earlier run's model: all of it for the same classes, else all but the head.
Status loadStartPoint(const TrainingJob& job, TrainingSetup& setup) {
  const StartPoint& start = *job.startFrom;
  ImageClassifierImpl& model = *setup.prepared.model;
  const bool sameClasses = start.classes == job.classes;
  auto loaded = loadWeightsFile(model, start.checkpoint, model.headPrefix(),
                                sameClasses ? HeadPolicy::LoadAll : HeadPolicy::KeepHead);
  if (!loaded) return loaded.error();
  setup.messages.push_back(
      {RunEventKind::Info,
       sameClasses
           ? QStringLiteral("Started from the model of run %1 at epoch %2.").arg(start.runId).arg(start.epoch)
           : QStringLiteral("Started from the model of run %1 at epoch %2. Its classes were %3 and are %4 "
                            "now, so the new layer starts afresh.")
                 .arg(start.runId)
                 .arg(start.epoch)
                 .arg(start.classes.join(QStringLiteral(", ")), job.classes.join(QStringLiteral(", ")))});
  return {};
}

}  // namespace

bool computesInBFloat16(Precision precision, const torch::Device& device) {
  return precision == Precision::BFloat16 || (precision == Precision::Auto && device.is_cuda());
}

Result<TrainingSetup> setUpTraining(const TrainingJob& job, const TrainingConfig& config,
                                    StartPointUse startPoint) {
  TrainingSetup setup;
  setup.device = computeDevice();
  torch::manual_seed(static_cast<uint64_t>(config.seed));
  auto prepared = prepareModel(config, int(job.classes.size()));
  if (!prepared) return prepared.error();
  setup.prepared = std::move(*prepared);
  for (const QString& note : setup.prepared.notes) setup.messages.push_back({RunEventKind::Info, note});
  for (const QString& warning : setup.prepared.warnings)
    setup.messages.push_back({RunEventKind::Warning, warning});
  if (job.startFrom && startPoint == StartPointUse::Load)
    if (auto s = loadStartPoint(job, setup); !s) return s.error();
  ImageClassifierImpl& model = *setup.prepared.model;
  model.to(setup.device);

  const auto& specs = setup.prepared.layerGroups;
  if (const QStringList unknown = unknownGroupNames(config, specs); !unknown.isEmpty()) {
    QStringList names;
    for (const LayerGroupSpec& spec : specs) names << spec.name;
    setup.messages.push_back(
        {RunEventKind::Warning,
         QStringLiteral(
             "This model has no layer group named %1; those rates are not used. Its groups are: %2.")
             .arg(unknown.join(QStringLiteral(", ")), names.join(QStringLiteral(", ")))});
  }
  setup.groups = bindLayerGroups(model, planLayerGroups(config, specs));
  setup.paramGroups = planParameterGroups(model, setup.groups, config);
  setup.optimizer = makeOptimizer(setup.paramGroups, config);
  setup.bf16 = computesInBFloat16(config.precision, setup.device);
  return setup;
}

}  // namespace attune::detail
