// An optimiser's state saved for resume comes back exactly, and a state that does not fit the run
// (another optimiser, other shapes, other parameters) is refused instead of silently mixed in.

#include "core/training/detail/OptimizerState.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace attune;
namespace ad = attune::detail;

namespace {

std::vector<torch::Tensor> parameters(const std::vector<std::vector<int64_t>>& shapes) {
  torch::manual_seed(5);
  std::vector<torch::Tensor> out;
  for (const auto& shape : shapes) out.push_back(torch::randn(shape).requires_grad_(true));
  return out;
}

std::unique_ptr<torch::optim::Optimizer> optimizerFor(const QString& kind,
                                                      std::vector<torch::Tensor> params) {
  if (kind == QLatin1String("adam"))
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(1e-2));
  if (kind == QLatin1String("adamw"))
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(1e-2));
  return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(1e-2).momentum(0.9));
}

// A few steps on a fixed quadratic loss, so that the optimiser has state for every parameter.
void takeSteps(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& params, int steps) {
  for (int i = 0; i < steps; ++i) {
    optimizer.zero_grad();
    torch::Tensor loss = torch::zeros({});
    for (const auto& p : params) loss = loss + (p * p).sum() + p.sum();
    loss.backward();
    optimizer.step();
  }
}

std::vector<torch::Tensor> clones(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

}  // namespace

class TestOptimizerState : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void stateRoundTripsExactly_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("adam") << QStringLiteral("adam");
    QTest::newRow("adamw") << QStringLiteral("adamw");
    QTest::newRow("sgd momentum") << QStringLiteral("sgd");
  }
  // Saved after 3 steps and restored into a fresh optimiser on copies of the parameters, the next
  // steps are bit-identical to those of the optimiser that was never saved.
  void stateRoundTripsExactly() {
    QFETCH(QString, kind);
    auto params = parameters({{3, 4}, {4}});
    auto original = optimizerFor(kind, params);
    takeSteps(*original, params, 3);
    TensorMap saved;
    ad::saveOptimizerState(*original, saved);
    QVERIFY(!saved.empty());

    auto copies = clones(params);
    auto resumed = optimizerFor(kind, copies);
    const Status restored = ad::restoreOptimizerState(*resumed, saved);
    QVERIFY2(restored.ok(), restored.ok() ? "" : qPrintable(restored.error().text()));
    takeSteps(*original, params, 2);
    takeSteps(*resumed, copies, 2);
    for (size_t i = 0; i < params.size(); ++i) QVERIFY(torch::equal(params[i], copies[i]));
  }

  void stateOfAnotherOptimizerIsRefused_data() {
    QTest::addColumn<QString>("savedBy");
    QTest::addColumn<QString>("restoredInto");
    QTest::newRow("adamw into adam") << QStringLiteral("adamw") << QStringLiteral("adam");
    QTest::newRow("adam into adamw") << QStringLiteral("adam") << QStringLiteral("adamw");
    QTest::newRow("adamw into sgd") << QStringLiteral("adamw") << QStringLiteral("sgd");
    QTest::newRow("sgd into adamw") << QStringLiteral("sgd") << QStringLiteral("adamw");
  }
  void stateOfAnotherOptimizerIsRefused() {
    QFETCH(QString, savedBy);
    QFETCH(QString, restoredInto);
    auto params = parameters({{3, 4}, {4}});
    auto source = optimizerFor(savedBy, params);
    takeSteps(*source, params, 2);
    TensorMap saved;
    ad::saveOptimizerState(*source, saved);

    auto copies = clones(params);
    auto target = optimizerFor(restoredInto, copies);
    takeSteps(*target, copies, 1);  // its own state must survive a refused restore
    TensorMap before;
    ad::saveOptimizerState(*target, before);
    const Status restored = ad::restoreOptimizerState(*target, saved);
    QVERIFY(!restored.ok());
    QVERIFY2(restored.error().message.contains(QStringLiteral("does not fit this run")),
             qPrintable(restored.error().text()));
    TensorMap after;
    ad::saveOptimizerState(*target, after);
    QCOMPARE(after.size(), before.size());
    for (const auto& [name, data] : before) QVERIFY(after.at(name).bytes == data.bytes);
  }

  void stateOfOtherParametersIsRefused_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("otherShape");  // else: more parameters saved than the optimiser has
    QTest::newRow("adamw, other shape") << QStringLiteral("adamw") << true;
    QTest::newRow("sgd, other shape") << QStringLiteral("sgd") << true;
    QTest::newRow("adamw, extra parameter") << QStringLiteral("adamw") << false;
    QTest::newRow("sgd, extra parameter") << QStringLiteral("sgd") << false;
  }
  void stateOfOtherParametersIsRefused() {
    QFETCH(QString, kind);
    QFETCH(bool, otherShape);
    auto params = parameters({{3, 4}, {4}, {2}});
    auto source = optimizerFor(kind, params);
    takeSteps(*source, params, 2);
    TensorMap saved;
    ad::saveOptimizerState(*source, saved);

    auto others = otherShape ? parameters({{4, 3}, {4}, {2}}) : parameters({{3, 4}, {4}});
    auto target = optimizerFor(kind, others);
    const Status restored = ad::restoreOptimizerState(*target, saved);
    QVERIFY(!restored.ok());
    QVERIFY2(restored.error().message.contains(otherShape ? QStringLiteral("another shape")
                                                          : QStringLiteral("does not have")),
             qPrintable(restored.error().text()));
    QVERIFY(target->state().empty());
  }
};

QTEST_GUILESS_MAIN(TestOptimizerState)
#include "test_optimizer_state.moc"
