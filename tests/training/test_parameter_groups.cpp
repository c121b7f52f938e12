// Which parameters train at which rate and with which weight decay.

#include "core/models/detail/ImageClassifier.h"
#include "core/training/LayerGroupPlan.h"
#include "core/training/detail/ParameterGroups.h"

#include <QTest>

#include <map>
#include <string>

using namespace attune;
namespace ad = attune::detail;

namespace {

int64_t countOf(const std::vector<torch::Tensor>& tensors) {
  int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

}  // namespace

class TestParameterGroups : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void backboneAndHeadHaveTheirOwnRates() {
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 3);
    TrainingConfig config;
    config.lrHead = 1e-2;
    config.lrBackbone = 1e-4;
    config.weightDecay = 0.05;
    const auto groups = ad::planParameterGroups(*model, config);
    QCOMPARE(groups.size(),
             size_t(12));  // 6 layer groups (stem, 4 stages, head), each with and without decay
    int64_t total = 0;
    for (const auto& group : groups) {
      QCOMPARE(group.baseLr, group.isHead ? 1e-2 : 1e-4);
      for (const auto& p : group.parameters) {
        // Weights decay; biases and norm parameters (1-d) do not.
        QCOMPARE(group.weightDecay, p.dim() > 1 ? 0.05 : 0.0);
      }
      total += countOf(group.parameters);
    }
    int64_t modelTotal = 0;
    for (const auto& p : model->parameters()) modelTotal += p.numel();
    QCOMPARE(total, modelTotal);  // every parameter in exactly one group
  }

  void embeddingsAndLayerScalesDoNotDecay_data() {
    QTest::addColumn<QString>("architecture");
    QTest::addColumn<QStringList>("exemptMatrices");  // more-than-1-d parameters without decay
    QTest::newRow("vit_b_16") << QStringLiteral("vit_b_16")
                              << QStringList{QStringLiteral("class_token"),
                                             QStringLiteral("encoder.pos_embedding")};
    QStringList layerScales;
    for (const auto& [stage, blocks] : {std::pair{1, 3}, {3, 3}, {5, 9}, {7, 3}})
      for (int block = 0; block < blocks; ++block)
        layerScales << QStringLiteral("features.%1.%2.layer_scale").arg(stage).arg(block);
    QTest::newRow("convnext_tiny") << QStringLiteral("convnext_tiny") << layerScales;
  }
  void embeddingsAndLayerScalesDoNotDecay() {
    // Decay would pull the class token, the position embeddings and the layer scales (ConvNeXt's
    // per-channel branch weights) towards zero; like biases and LayerNorm parameters they get none.
    QFETCH(QString, architecture);
    QFETCH(QStringList, exemptMatrices);
    auto model = ad::makeImageClassifier(architecture, 3);
    TrainingConfig config;
    config.weightDecay = 0.05;
    config.lrBackbone = 1e-4;
    std::map<const void*, std::string> names;
    for (const auto& item : model->named_parameters()) names.emplace(item.value().data_ptr(), item.key());

    QStringList exempt;
    int64_t total = 0;
    for (const auto& group : ad::planParameterGroups(*model, config)) {
      for (const auto& p : group.parameters) {
        const QString name = QString::fromStdString(names.at(p.data_ptr()));
        if (p.dim() > 1 && group.weightDecay == 0.0) exempt << name;
        if (p.dim() <= 1) QVERIFY2(group.weightDecay == 0.0, qPrintable(name));
        ++total;
      }
    }
    QCOMPARE(total, int64_t(names.size()));
    exempt.sort();
    exemptMatrices.sort();
    QCOMPARE(exempt, exemptMatrices);
  }

  void headIsTheNewLayerOnly() {
    auto model = ad::makeImageClassifier(QStringLiteral("mobilenet_v2"), 5);
    TrainingConfig config;
    int64_t head = 0;
    for (const auto& group : ad::planParameterGroups(*model, config))
      if (group.isHead) head += countOf(group.parameters);
    QCOMPARE(head, int64_t(1280 * 5 + 5));
  }

  // Frozen groups stay in the optimiser (so unfreezing needs no new optimiser) but get no gradient,
  // hence no step and no state; once unfrozen they start with fresh moments.
  void frozenGroupsStayInTheOptimizerWithoutState() {
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 2);
    TrainingConfig config;
    config.freeze = FreezeMode::Backbone;
    auto groups = ad::bindLayerGroups(*model, planLayerGroups(config, layerGroupsFor(modelChoiceOf(config))));
    QCOMPARE(groups.size(), size_t(6));
    ad::freezeGroups(*model, groups, 5);
    const auto paramGroups = ad::planParameterGroups(*model, groups, config);
    auto optimizer = ad::makeOptimizer(paramGroups, config);
    const auto stem = model->named_parameters()["conv1.weight"].clone();
    model->train();
    auto loss = model->forward(torch::randn({2, 3, 32, 32})).sum();
    loss.backward();
    optimizer->step();
    QVERIFY(torch::equal(stem, model->named_parameters()["conv1.weight"]));
    QCOMPARE(optimizer->state().size(), size_t(2));  // fc.weight and fc.bias only
    // Unfreeze stage 4: it trains from the next step, with state of its own.
    ad::freezeGroups(*model, groups, 4);
    optimizer->zero_grad();
    model->forward(torch::randn({2, 3, 32, 32})).sum().backward();
    optimizer->step();
    size_t stage4 = 0;
    for (const auto& p : groups[4].parameters) stage4 += p.requires_grad() ? 1 : 0;
    QCOMPARE(stage4, groups[4].parameters.size());
    QCOMPARE(optimizer->state().size(), size_t(2) + groups[4].parameters.size());
    QVERIFY(torch::equal(stem, model->named_parameters()["conv1.weight"]));
  }

  // Layer decay: each group below the top backbone group learns at layer_decay times the rate of
  // the group above; an explicit rate wins.
  void discriminativeRatesFollowTheLayerDecay() {
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 2);
    TrainingConfig config;
    config.lrHead = 1e-2;
    config.lrBackbone = 1e-3;
    config.layerDecay = 0.5;
    config.groupLrs[QStringLiteral("stage 2")] = 7e-5;
    const auto groups =
        ad::bindLayerGroups(*model, planLayerGroups(config, layerGroupsFor(modelChoiceOf(config))));
    std::map<QString, double> rates;
    for (const auto& g : groups) rates[g.plan.name] = g.plan.baseLr;
    QCOMPARE(rates[QStringLiteral("head")], 1e-2);
    QCOMPARE(rates[QStringLiteral("stage 4")], 1e-3);
    QCOMPARE(rates[QStringLiteral("stage 3")], 5e-4);
    QCOMPARE(rates[QStringLiteral("stage 2")], 7e-5);
    QCOMPARE(rates[QStringLiteral("stage 1")], 1.25e-4);
    QCOMPARE(rates[QStringLiteral("stem")], 6.25e-5);
    // Every parameter is in exactly one group, and the optimiser groups carry the same rates.
    size_t bound = 0;
    for (const auto& g : groups) bound += g.parameters.size();
    QCOMPARE(bound, model->parameters().size());
    for (const auto& pg : ad::planParameterGroups(*model, groups, config))
      QCOMPARE(pg.baseLr, groups[size_t(pg.layerGroup)].plan.baseLr);
  }

  // L2-SP replaces weight decay on the pre-trained groups; the head keeps it.
  void l2spTakesOverTheBackbonesWeightDecay() {
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 2);
    TrainingConfig config;
    config.l2sp = 0.01;
    for (const auto& g : ad::planParameterGroups(*model, config))
      if (!g.isHead) QCOMPARE(g.weightDecay, 0.0);
  }

  // model.head_dropout drops features entering the head while training, never in evaluation.
  void headDropoutActsOnlyWhileTraining() {
    torch::manual_seed(1);
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 2);
    model->setFrozen([](const std::string&) { return true; });  // BatchNorm fixed: only dropout varies
    const auto input = torch::randn({2, 3, 32, 32});
    torch::NoGradGuard noGrad;
    model->train();
    QVERIFY(torch::equal(model->forward(input), model->forward(input)));
    model->setHeadDropout(0.5);
    QVERIFY(!torch::equal(model->forward(input), model->forward(input)));
    model->eval();
    QVERIFY(torch::equal(model->forward(input), model->forward(input)));
  }

  void adamAndNesterovAreBuilt() {
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 2);
    TrainingConfig config;
    config.optimizer = OptimizerKind::Adam;
    auto adam = ad::makeOptimizer(ad::planParameterGroups(*model, config), config);
    QVERIFY(dynamic_cast<torch::optim::Adam*>(adam.get()) != nullptr);
    config.optimizer = OptimizerKind::Sgd;
    config.nesterov = true;
    auto sgd = ad::makeOptimizer(ad::planParameterGroups(*model, config), config);
    auto& options = static_cast<torch::optim::SGDOptions&>(sgd->param_groups()[0].options());
    QVERIFY(options.nesterov());
    QCOMPARE(options.momentum(), config.momentum);
  }

  void optimizerCarriesEachGroupsRateAndDecay_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("adamw") << int(OptimizerKind::AdamW);
    QTest::newRow("adam") << int(OptimizerKind::Adam);
    QTest::newRow("sgd") << int(OptimizerKind::Sgd);
  }
  void optimizerCarriesEachGroupsRateAndDecay() {
    QFETCH(int, kind);
    auto model = ad::makeImageClassifier(QStringLiteral("resnet18"), 2);
    TrainingConfig config;
    config.optimizer = OptimizerKind(kind);
    config.lrHead = 3e-3;
    config.lrBackbone = 3e-5;
    const auto groups = ad::planParameterGroups(*model, config);
    auto optimizer = ad::makeOptimizer(groups, config);
    QCOMPARE(optimizer->param_groups().size(), groups.size());
    for (size_t i = 0; i < groups.size(); ++i) {
      auto& options = optimizer->param_groups()[i].options();
      QCOMPARE(options.get_lr(), groups[i].baseLr);
      const double decay = config.optimizer == OptimizerKind::AdamW
                               ? static_cast<torch::optim::AdamWOptions&>(options).weight_decay()
                           : config.optimizer == OptimizerKind::Adam
                               ? static_cast<torch::optim::AdamOptions&>(options).weight_decay()
                               : static_cast<torch::optim::SGDOptions&>(options).weight_decay();
      QCOMPARE(decay, groups[i].weightDecay);
    }
  }
};

QTEST_GUILESS_MAIN(TestParameterGroups)
#include "test_parameter_groups.moc"
