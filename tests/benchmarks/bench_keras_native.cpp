// An imported Keras model against the same architecture as Attune's native module: nsfwjs's
// MobileNetV2 (a TF.js layers export, run by Attune's Keras graph) and Attune's MobileNetV2 (random
// weights), both classifying the same batches of 224 px images in evaluation mode without gradients,
// batch after batch in turn so that both see the same machine. Prints images/s of each and the ratio
// Keras/native (issue 22: at least 0.90).
//   bench_keras_native [--weights TFJS_FOLDER] [--size 224] [--batch 16] [--batches 8] [--threads 2]
// Without --weights the export is fetched once (npm) by tests/weights/fetch_tfjs_data.sh, as
// bench_feature_cache does. Asserts nothing.

#include "BenchRun.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/KerasClassifier.h"
#include "core/training/Runtime.h"
#include "core/weights/TfjsModel.h"
#include "tests/support/CpuModel.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace attune;
namespace md = attune::detail;

namespace {

double secondsFor(md::ImageClassifierImpl& model, const torch::Tensor& batch) {
  const auto start = std::chrono::steady_clock::now();
  const auto logits = model.forward(batch);
  (void)logits.sum().item<float>();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser parser;
  const QCommandLineOption weightsOption(QStringLiteral("weights"), QStringLiteral("TF.js export folder."),
                                         QStringLiteral("folder"));
  const QCommandLineOption sizeOption(QStringLiteral("size"), QStringLiteral("Input side."),
                                      QStringLiteral("px"), QStringLiteral("224"));
  const QCommandLineOption batchOption(QStringLiteral("batch"), QStringLiteral("Batch size."),
                                       QStringLiteral("n"), QStringLiteral("16"));
  const QCommandLineOption batchesOption(QStringLiteral("batches"), QStringLiteral("Measured batches each."),
                                         QStringLiteral("n"), QStringLiteral("8"));
  const QCommandLineOption threadsOption(QStringLiteral("threads"), QStringLiteral("Compute threads."),
                                         QStringLiteral("n"), QStringLiteral("2"));
  parser.addOptions({weightsOption, sizeOption, batchOption, batchesOption, threadsOption});
  parser.addHelpOption();
  parser.process(app);

  const QString weights = bench::nsfwjsMobileNetV2(parser.value(weightsOption));
  if (weights.isEmpty()) return 1;
  auto tfjs = readTfjsModel(weights);
  if (!tfjs) {
    std::fprintf(stderr, "%s\n", qPrintable(tfjs.error().text()));
    return 1;
  }
  auto keras = md::makeKerasClassifier(*tfjs, QString(), 2);
  if (!keras) {
    std::fprintf(stderr, "%s\n", qPrintable(keras.error().text()));
    return 1;
  }
  auto native = md::makeImageClassifier(QStringLiteral("mobilenet_v2"), 2);
  const int threads = configureThreads(parser.value(threadsOption).toInt());
  const int64_t side = parser.value(sizeOption).toInt();
  const int64_t batchSize = parser.value(batchOption).toInt();
  const int batches = std::max(1, parser.value(batchesOption).toInt());
  std::printf("# %s, LibTorch %s, %d threads, %lld px, batch %lld, %d measured batches each, weights %s\n",
              qPrintable(testing::cpuModel()), qPrintable(torchVersion()), threads,
              static_cast<long long>(side), static_cast<long long>(batchSize), batches, qPrintable(weights));

  torch::NoGradGuard noGrad;
  (*keras)->eval();
  native->eval();
  torch::manual_seed(1);
  const auto batch = torch::randn({batchSize, 3, side, side});
  for (int i = 0; i < 2; ++i) {  // warm-up: first allocations, oneDNN's kernels
    secondsFor(**keras, batch);
    secondsFor(*native, batch);
  }
  std::vector<double> kerasSeconds, nativeSeconds;
  for (int i = 0; i < batches; ++i) {
    kerasSeconds.push_back(secondsFor(**keras, batch));
    nativeSeconds.push_back(secondsFor(*native, batch));
  }
  const double kerasRate = double(batchSize) / median(kerasSeconds);
  const double nativeRate = double(batchSize) / median(nativeSeconds);
  std::printf("%-26s %10s\n", "model", "images/s");
  std::printf("%-26s %10.2f\n", "nsfwjs MobileNetV2 (Keras)", kerasRate);
  std::printf("%-26s %10.2f\n", "Attune's MobileNetV2", nativeRate);
  std::printf("Keras/native %.2f (medians of %d batches)\n", kerasRate / nativeRate, batches);
  return 0;
}
