// How a run computes, measured at its start (core/training/detail/ComputeProbe.h): the probe leaves
// the model as it found it, keeps its answer for the next run on this computer, channels-last gives the
// same answers as the default layout, and a resumed run computes as the interrupted one did, whatever a
// probe would say now.

#include "TinyDataset.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "core/training/detail/Autocast.h"
#include "core/training/detail/ComputeProbe.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <ATen/CPUGeneratorImpl.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
using attune::testing::runToEnd;

namespace {

nlohmann::json readJson(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return nlohmann::json();
  return nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
}

bool writeJson(const QString& path, const nlohmann::json& json) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
         file.write(QByteArray::fromStdString(json.dump(1))) > 0;
}

std::map<std::string, torch::Tensor> snapshot(attune::detail::ImageClassifierImpl& model) {
  std::map<std::string, torch::Tensor> values;
  for (const auto& p : model.named_parameters()) values[p.key()] = p.value().detach().clone();
  for (const auto& b : model.named_buffers()) values[b.key()] = b.value().detach().clone();
  return values;
}

QString differingValue(attune::detail::ImageClassifierImpl& model,
                       const std::map<std::string, torch::Tensor>& before) {
  for (const auto& p : model.named_parameters())
    if (!torch::equal(p.value(), before.at(p.key()))) return QString::fromStdString(p.key());
  for (const auto& b : model.named_buffers())
    if (!torch::equal(b.value(), before.at(b.key()))) return QString::fromStdString(b.key());
  return {};
}

}  // namespace

class TestComputeProbe : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    // The probe keeps its answers in the cache folder: this test's own.
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
    qunsetenv("ATTUNE_COMPUTE_PROBE");
  }

  void init() {
    QFile::remove(attune::detail::computeChoicesFile());
    attune::detail::forgetComputeChoices();
  }

  // A convolutional model on a CPU: the default layout and channels-last are timed (and bfloat16 too
  // for automatic precision on a CPU that computes it natively); a transformer-free model with few
  // convolutions, or a GPU, or ATTUNE_COMPUTE_PROBE=off, times nothing.
  void candidatesDependOnTheModelAndTheSetting() {
    auto resnet = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 2);
    auto request = attune::detail::computeProbeRequest(*resnet, true, true, torch::kCPU);
    QVERIFY(request.tryChannelsLast);
    QCOMPARE(request.tryBFloat16, attune::detail::cpuHasNativeBFloat16());
    request = attune::detail::computeProbeRequest(*resnet, false, true, torch::kCPU);
    QVERIFY(request.tryChannelsLast && !request.tryBFloat16);
    // Texts (a model without 4-d weights would say the same): no layout to choose.
    request = attune::detail::computeProbeRequest(*resnet, false, false, torch::kCPU);
    QVERIFY(!request.tryChannelsLast && !request.tryBFloat16);
    auto vit = attune::detail::makeImageClassifier(QStringLiteral("vit_b_16"), 2);
    QVERIFY(!attune::detail::computeProbeRequest(*vit, false, true, torch::kCPU).tryChannelsLast);
    qputenv("ATTUNE_COMPUTE_PROBE", "off");
    request = attune::detail::computeProbeRequest(*resnet, true, true, torch::kCPU);
    qunsetenv("ATTUNE_COMPUTE_PROBE");
    QVERIFY(!request.tryChannelsLast && !request.tryBFloat16);
  }

  // The probe's passes leave the weights, BatchNorm's statistics, the gradients (none), the training
  // mode and the random generator as they were; the model ends in the chosen layout; the log line
  // names every way timed; the answer is kept and used by the next probe without timing again.
  void probeLeavesTheModelAsItWasAndKeepsItsAnswer() {
    torch::manual_seed(5);
    auto model = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 3);
    model->train(true);
    const auto before = snapshot(*model);
    const auto inputs = torch::randn({6, 3, 48, 48});
    const auto labels = torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64);
    attune::detail::ComputeProbeRequest request;
    request.tryChannelsLast = true;
    request.tryBFloat16 = attune::detail::cpuHasNativeBFloat16();
    request.key = QStringLiteral("resnet18 at 48");
    torch::manual_seed(11);
    const auto choice = attune::detail::chooseComputeFormat(*model, inputs, labels, request);
    const auto nextRandom = torch::rand({4});
    torch::manual_seed(11);
    QVERIFY2(torch::equal(nextRandom, torch::rand({4})), "the probe used the random generator");

    QVERIFY2(differingValue(*model, before).isEmpty(), qPrintable(differingValue(*model, before)));
    for (const auto& p : model->parameters()) QVERIFY(!p.grad().defined());
    QVERIFY(model->is_training());
    const auto conv = model->named_parameters()["conv1.weight"];
    QCOMPARE(conv.is_contiguous(torch::MemoryFormat::ChannelsLast) && !conv.is_contiguous(),
             choice.channelsLast);
    QVERIFY2(choice.message.contains(QLatin1String("Measured on this processor (6 examples, forward and "
                                                   "backward): float32 ")) &&
                 choice.message.contains(QLatin1String("float32 channels-last ")) &&
                 choice.message.contains(QLatin1String("Attune computes in")),
             qPrintable(choice.message));
    if (request.tryBFloat16) QVERIFY(choice.message.contains(QLatin1String("bfloat16 channels-last ")));

    // Kept in the cache folder, and the next probe reads it instead of timing.
    const auto kept = readJson(attune::detail::computeChoicesFile());
    QVERIFY2(kept.is_object() && kept.size() == 1, kept.dump().c_str());
    QCOMPARE(kept.begin()->at("channels_last").get<bool>(), choice.channelsLast);
    attune::detail::forgetComputeChoices();
    const auto again = attune::detail::chooseComputeFormat(*model, inputs, labels, request);
    QCOMPARE(again.channelsLast, choice.channelsLast);
    QCOMPARE(again.bf16, choice.bf16);
    QVERIFY2(again.message.contains(QLatin1String("as measured for this model on this computer before")),
             qPrintable(again.message));
  }

  // A damaged file of kept choices (another program wrote it, a disk error) is not an error: the probe
  // measures again and writes a good file in its place.
  void damagedChoicesFileIsMeasuredAgain() {
    QDir().mkpath(QFileInfo(attune::detail::computeChoicesFile()).absolutePath());
    for (const QByteArray& damage :
         {QByteArray("{\"key\": "), QByteArray("[1, 2]"), QByteArray("\xff\xfe")}) {
      QFile file(attune::detail::computeChoicesFile());
      QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
      file.write(damage);
      file.close();
      attune::detail::forgetComputeChoices();
      torch::manual_seed(5);
      auto model = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 2);
      attune::detail::ComputeProbeRequest request;
      request.tryChannelsLast = true;
      request.key = QStringLiteral("damaged");
      const auto choice = attune::detail::chooseComputeFormat(*model, torch::randn({2, 3, 32, 32}),
                                                              torch::tensor({0, 1}, torch::kInt64), request);
      QVERIFY2(choice.message.startsWith(QLatin1String("Measured on this processor")),
               qPrintable(choice.message));
      const auto kept = readJson(attune::detail::computeChoicesFile());
      QVERIFY2(kept.is_object() && kept.size() == 1, damage.constData());
    }
  }

  // Channels-last changes where the numbers sit in memory, not what the model computes.
  void channelsLastGivesTheSameAnswers() {
    torch::manual_seed(7);
    auto model = attune::detail::makeImageClassifier(QStringLiteral("mobilenet_v2"), 4);
    model->eval();
    torch::NoGradGuard noGrad;
    const auto inputs = torch::randn({3, 3, 64, 64});
    const auto plain = model->forward(inputs);
    attune::detail::setChannelsLast(*model, true);
    QVERIFY(
        model->named_parameters()["features.0.0.weight"].is_contiguous(torch::MemoryFormat::ChannelsLast));
    const auto nhwc = model->forward(inputs.contiguous(torch::MemoryFormat::ChannelsLast));
    QVERIFY2(torch::allclose(plain, nhwc, 1e-4, 1e-5),
             qPrintable(QString::number((plain - nhwc).abs().max().item<double>())));
    attune::detail::setChannelsLast(*model, false);
    QVERIFY(model->named_parameters()["features.0.0.weight"].is_contiguous());
  }

  // A checkpoint written from a channels-last model is row-major in the file, as any other: the same
  // bytes as the model's tensors copied out in the default layout.
  void checkpointOfAChannelsLastModelIsRowMajor() {
    torch::manual_seed(9);
    auto model = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 3);
    const auto plain = SafetensorsWriter::serialize(attune::detail::stateDictOf(*model));
    QVERIFY(plain.ok());
    attune::detail::setChannelsLast(*model, true);
    const QString path = m_dir.filePath(QStringLiteral("channels-last.safetensors"));
    QVERIFY(SafetensorsWriter::writeSources(path, attune::detail::stateDictSources(*model)).ok());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll() == *plain);
  }

  // A run says what it measured; an interrupted run that computed in channels-last resumes in
  // channels-last although the kept answer now says otherwise, and ends exactly as the run that was
  // never interrupted.
  void resumedRunComputesAsItStarted() {
    const QString data = m_dir.filePath(QStringLiteral("data"));
    testing::writeTinyDataset(data, 2, 6);
    Project project = testing::tinyProject(m_dir.filePath(QStringLiteral("p.attune")), data);
    project.config.epochs = 2;
    project.config.batchSize = 4;
    project.config.threads = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    std::vector<RunEvent> events;
    const RunSummary first = runToEnd(*job, nullptr, nullptr, &events);
    QCOMPARE(toString(first.outcome), toString(RunOutcome::Finished));
    bool told = false;
    for (const auto& e : events)
      told = told || e.message.startsWith(QLatin1String("Measured on this processor"));
    QVERIFY(told);

    // From now on channels-last, as if it had been measured faster.
    const auto flip = [](bool channelsLast) {
      auto kept = readJson(attune::detail::computeChoicesFile());
      if (!kept.is_object() || kept.empty()) return false;
      for (auto& [key, value] : kept.items()) value["channels_last"] = channelsLast;
      attune::detail::forgetComputeChoices();
      return writeJson(attune::detail::computeChoicesFile(), kept);
    };
    QVERIFY(flip(true));
    const RunSummary whole = runToEnd(*job);
    QCOMPARE(toString(whole.outcome), toString(RunOutcome::Finished));
    TrainingSession interrupted(*job);
    interrupted.setStopAfterStep(3);
    const RunSummary stopped = runToEnd(interrupted);
    QCOMPARE(toString(stopped.outcome), toString(RunOutcome::Stopped));
    const auto state = readJson(QDir(stopped.runDir).filePath(QStringLiteral("state.json")));
    QVERIFY2(state.value("channels_last", false), state.dump().c_str());

    QVERIFY(flip(false));
    const auto bytesOf = [](const RunSummary& run) {
      auto content = SafetensorsReader::readFile(run.lastCheckpoint);
      return content ? content->tensors : decltype(content->tensors){};
    };
    // The layouts round differently here, so the comparison below can tell which one the resumed run used.
    const RunSummary plain = runToEnd(*job);
    QCOMPARE(toString(plain.outcome), toString(RunOutcome::Finished));
    const auto nhwc = bytesOf(whole), nchw = bytesOf(plain);
    QVERIFY(!nhwc.empty() && nhwc.size() == nchw.size());
    bool anyDiffers = false;
    for (const auto& [name, tensor] : nhwc) anyDiffers = anyDiffers || nchw.at(name).bytes != tensor.bytes;
    QVERIFY(anyDiffers);

    auto resumedJob = prepareResumedJob(project, stopped.runId);
    QVERIFY(resumedJob.ok());
    const RunSummary resumed = runToEnd(*resumedJob);
    QCOMPARE(toString(resumed.outcome), toString(RunOutcome::Finished));
    const auto continued = bytesOf(resumed);
    for (const auto& [name, tensor] : nhwc) QVERIFY2(continued.at(name).bytes == tensor.bytes, name.c_str());
  }
};

QTEST_GUILESS_MAIN(TestComputeProbe)
#include "test_compute_probe.moc"
