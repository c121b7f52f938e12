// The linear layer whose CPU float32 products go to oneDNN's sgemm (core/models/detail/Dense.h): the
// same outputs and the same gradients as torch::linear (input, weight, bias; with and without bias; a
// frozen weight; inputs of any rank, non-contiguous, empty), torch::linear's behaviour under bfloat16
// autocast, and the fast path really in use when LibTorch loaded oneDNN.

#include "core/models/detail/Dense.h"

#include <ATen/autocast_mode.h>

#include <QTest>

#include <dlfcn.h>

using namespace attune::detail;

namespace {

// Largest absolute difference, relative to the reference's largest magnitude (at least 1).
double relativeDifference(const torch::Tensor& actual, const torch::Tensor& expected) {
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  return (actual - expected).abs().max().item<double>() / scale;
}

struct Grads {
  torch::Tensor output, input, weight, bias;
};

Grads run(bool dense, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0,
          bool trainWeight) {
  auto x = x0.detach().clone().requires_grad_(true);
  auto w = w0.detach().clone().requires_grad_(trainWeight);
  auto b = b0.defined() ? b0.detach().clone().requires_grad_(true) : torch::Tensor();
  auto y = dense ? denseLinear(x, w, b) : torch::linear(x, w, b);
  // A loss that weighs every output differently, so that a transposed gradient cannot pass.
  (y * torch::arange(y.numel(), y.options()).reshape(y.sizes()).sin()).sum().backward();
  return {y.detach(), x.grad(), trainWeight ? w.grad() : torch::Tensor(),
          b.defined() ? b.grad() : torch::Tensor()};
}

}  // namespace

class TestDense : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void theFastPathIsUsedWhereLibTorchLoadedOneDnn() {
    void* library = ::dlopen("libdnnl.so.2", RTLD_LAZY | RTLD_NOLOAD);
    if (library != nullptr) ::dlclose(library);
    QCOMPARE(oneDnnGemmAvailable(), library != nullptr);
  }

  void matchesTorchLinear_data() {
    QTest::addColumn<QList<qint64>>("inputShape");
    QTest::addColumn<bool>("withBias");
    QTest::addColumn<bool>("trainWeight");
    QTest::addColumn<bool>("transposedInput");
    QTest::newRow("2-d, bias") << QList<qint64>{6, 13} << true << true << false;
    QTest::newRow("3-d, bias (tokens)") << QList<qint64>{3, 5, 13} << true << true << false;
    QTest::newRow("no bias") << QList<qint64>{4, 13} << false << true << false;
    QTest::newRow("frozen weight") << QList<qint64>{2, 7, 13} << true << false << false;
    QTest::newRow("non-contiguous input") << QList<qint64>{13, 9} << true << true << true;
    QTest::newRow("1-d input") << QList<qint64>{13} << true << true << false;
    QTest::newRow("one row") << QList<qint64>{1, 13} << true << true << false;
    QTest::newRow("large") << QList<qint64>{2, 37, 256} << true << true << false;
  }

  void matchesTorchLinear() {
    QFETCH(QList<qint64>, inputShape);
    QFETCH(bool, withBias);
    QFETCH(bool, trainWeight);
    QFETCH(bool, transposedInput);
    torch::manual_seed(17);
    std::vector<int64_t> shape(inputShape.begin(), inputShape.end());
    auto x = torch::randn(shape);
    if (transposedInput) x = x.t();  // [9, 13], strides of a transpose
    const int64_t features = x.size(-1);
    const auto w = torch::randn({11, features});
    const auto b = withBias ? torch::randn({11}) : torch::Tensor();
    const Grads fast = run(true, x, w, b, trainWeight);
    const Grads reference = run(false, x, w, b, trainWeight);
    QCOMPARE(fast.output.sizes(), reference.output.sizes());
    QVERIFY2(relativeDifference(fast.output, reference.output) < 1e-5, "outputs differ");
    QVERIFY2(relativeDifference(fast.input, reference.input) < 1e-5, "input gradients differ");
    QCOMPARE(fast.weight.defined(), trainWeight);
    if (trainWeight)
      QVERIFY2(relativeDifference(fast.weight, reference.weight) < 1e-5, "weight gradients differ");
    QCOMPARE(fast.bias.defined(), withBias);
    if (withBias) QVERIFY2(relativeDifference(fast.bias, reference.bias) < 1e-5, "bias gradients differ");
  }

  // With one row the bias rows the product is added to must still be a copy: the layer's bias is
  // the same after any number of calls.
  void theBiasIsNotChangedByAOneRowProduct() {
    torch::manual_seed(5);
    const auto w = torch::randn({3, 4});
    const auto b = torch::randn({3});
    const auto before = b.clone();
    const auto x = torch::randn({1, 4});
    const auto first = denseLinear(x, w, b);
    const auto second = denseLinear(x, w, b);
    QVERIFY(torch::equal(b, before));
    QVERIFY(torch::equal(first, second));
  }

  void anEmptyBatchGivesAnEmptyOutput() {
    const auto y = denseLinear(torch::zeros({0, 4}), torch::ones({3, 4}), torch::ones({3}));
    QCOMPARE(y.sizes(), (torch::IntArrayRef{0, 3}));
  }

  void theModuleKeepsLinearsNamesAndInitialisation() {
    torch::manual_seed(3);
    Dense dense(5, 2);
    torch::manual_seed(3);
    torch::nn::Linear linear(5, 2);
    const auto names = dense->named_parameters().keys();
    QCOMPARE(names, linear->named_parameters().keys());
    QVERIFY(torch::equal(dense->weight, linear->weight));
    QVERIFY(torch::equal(dense->bias, linear->bias));
    const auto x = torch::randn({3, 5});
    QVERIFY(relativeDifference(dense(x), linear(x)) < 1e-6);
    // Still a Linear to code that looks for one (initialisation, layer groups).
    QVERIFY(dynamic_cast<torch::nn::LinearImpl*>(dense.ptr().get()) != nullptr);
  }

  void underBfloat16AutocastItIsTorchLinear() {
    const auto x = torch::randn({4, 8});
    const auto w = torch::randn({3, 8});
    const auto b = torch::randn({3});
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCPU, true);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
#else
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
#endif
    const auto fast = denseLinear(x, w, b);
    const auto reference = torch::linear(x, w, b);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCPU, false);
#else
    at::autocast::set_cpu_enabled(false);
#endif
    at::autocast::clear_cache();
    QCOMPARE(fast.scalar_type(), reference.scalar_type());
    QCOMPARE(fast.scalar_type(), torch::kBFloat16);
    QVERIFY(torch::equal(fast, reference));
  }
};

QTEST_GUILESS_MAIN(TestDense)
#include "test_dense.moc"
