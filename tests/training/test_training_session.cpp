// The training engine end to end on tiny generated datasets: learning, stop, failure, determinism.

#include "TinyDataset.h"
#include "core/models/detail/ImageClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/project/ProjectFile.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

using namespace attune;
using attune::testing::runToEnd;

class TestTrainingSession : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  Project makeProject(const QString& name, int imagesPerClass) {
    const QString data = m_dir.filePath(name + QStringLiteral("-data"));
    testing::writeTinyDataset(data, 2, imagesPerClass);
    return testing::tinyProject(m_dir.filePath(name + QStringLiteral(".attune")), data);
  }

  // A TF.js layers export of a tiny Keras CNN for 32x32 RGB: conv (3x3, stride 2, same, relu, 4
  // filters) -> global average pooling -> dense (2, softmax); float32 weights in one shard.
  static bool writeTinyTfjsExport(const QString& folder) {
    const nlohmann::json layers =
        nlohmann::json::array({{{"class_name", "Conv2D"},
                                {"config",
                                 {{"name", "conv"},
                                  {"filters", 4},
                                  {"kernel_size", {3, 3}},
                                  {"strides", {2, 2}},
                                  {"padding", "same"},
                                  {"activation", "relu"},
                                  {"use_bias", true},
                                  {"batch_input_shape", {nullptr, 32, 32, 3}}}}},
                               {{"class_name", "GlobalAveragePooling2D"}, {"config", {{"name", "pool"}}}},
                               {{"class_name", "Dense"},
                                {"config", {{"name", "dense"}, {"units", 2}, {"activation", "softmax"}}}}});
    const nlohmann::json model{
        {"format", "layers-model"},
        {"modelTopology", {{"class_name", "Sequential"}, {"config", {{"name", "tiny"}, {"layers", layers}}}}},
        {"weightsManifest",
         {{{"paths", {"group1-shard1of1.bin"}},
           {"weights",
            {{{"name", "conv/kernel"}, {"shape", {3, 3, 3, 4}}, {"dtype", "float32"}},
             {{"name", "conv/bias"}, {"shape", {4}}, {"dtype", "float32"}},
             {{"name", "dense/kernel"}, {"shape", {4, 2}}, {"dtype", "float32"}},
             {{"name", "dense/bias"}, {"shape", {2}}, {"dtype", "float32"}}}}}}}};
    if (!QDir().mkpath(folder)) return false;
    QFile json(folder + QStringLiteral("/model.json"));
    if (!json.open(QIODevice::WriteOnly)) return false;
    json.write(QByteArray::fromStdString(model.dump()));
    std::vector<float> values(3 * 3 * 3 * 4 + 4 + 4 * 2 + 2);
    for (size_t i = 0; i < values.size(); ++i) values[i] = float(std::sin(double(i))) * 0.3f;
    QFile shard(folder + QStringLiteral("/group1-shard1of1.bin"));
    if (!shard.open(QIODevice::WriteOnly)) return false;
    const auto bytes = qint64(values.size() * sizeof(float));  // little-endian hosts only
    return shard.write(reinterpret_cast<const char*>(values.data()), bytes) == bytes;
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  // Two training images per class (one more per class goes to validation): the model must fit them.
  void tinyRunReachesFullTrainingAccuracy() {
    Project project = makeProject(QStringLiteral("overfit"), 3);
    project.config.epochs = 25;
    project.config.lrHead = 3e-3;
    project.config.lrBackbone = 3e-3;
    project.config.weightDecay = 0.0;
    project.config.schedule = ScheduleKind::Constant;
    auto job = prepareTrainingJob(project);
    QVERIFY2(job.ok(), qPrintable(job.ok() ? QString() : job.error().text()));
    QCOMPARE(job->trainSamples.size(), size_t(4));
    QCOMPARE(job->valSamples.size(), size_t(2));

    std::vector<EpochMetrics> epochs;
    const RunSummary summary = runToEnd(job.value(), nullptr, &epochs);
    QCOMPARE(toString(summary.outcome), toString(RunOutcome::Finished));
    QCOMPARE(int(epochs.size()), 25);
    QCOMPARE(epochs.back().trainAccuracy, 1.0);
    QVERIFY(epochs.back().trainLoss < epochs.front().trainLoss);
    QVERIFY(QFile::exists(summary.bestCheckpoint));
    QVERIFY(QFile::exists(QDir(summary.runDir).filePath(QStringLiteral("config.json"))));
    QVERIFY(QFile::exists(QDir(summary.runDir).filePath(QStringLiteral("metrics.csv"))));

    // The checkpoint carries every tensor of the architecture under torchvision's names.
    auto checkpoint = SafetensorsReader::readFile(summary.bestCheckpoint);
    QVERIFY(checkpoint.ok());
    QVERIFY(checkpoint->tensors.count("fc.weight"));
    QCOMPARE(checkpoint->tensors.at("fc.weight").shape, (std::vector<int64_t>{2, 512}));
    QCOMPARE(checkpoint->metadata.at("attune.architecture"), std::string("resnet18"));
  }

  void stopEndsWithinAStepWithACheckpoint() {
    Project project = makeProject(QStringLiteral("stop"), 6);
    project.config.epochs = 500;
    project.config.batchSize = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    TrainingThread thread(std::make_unique<TrainingSession>(std::move(job.value())));
    // Wait for the first step, then stop.
    std::vector<StepMetrics> steps;
    QTRY_VERIFY_WITH_TIMEOUT((([&] {
                               auto drain = thread.session().metrics().drain();
                               steps.insert(steps.end(), drain.steps.begin(), drain.steps.end());
                               return !steps.empty();
                             })()),
                             60000);
    QElapsedTimer clock;
    clock.start();
    thread.session().requestStop();
    QVERIFY(thread.wait(30000));
    qInfo() << "stopped" << clock.elapsed() << "ms after the request";
    const RunSummary summary = thread.session().summary();
    QCOMPARE(toString(summary.outcome), toString(RunOutcome::Stopped));
    QVERIFY(!summary.lastCheckpoint.isEmpty());
    auto last = SafetensorsReader::readFile(summary.lastCheckpoint);
    QVERIFY(last.ok());
    // A consistent checkpoint: the whole model, loadable into a fresh one with every key present.
    auto model = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 2);
    auto loaded = attune::detail::loadStateDict(*model, last->tensors, model->headPrefix(),
                                                attune::detail::HeadPolicy::LoadAll);
    QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().text()));
  }

  void nonFiniteLossStopsWithAPlainMessage() {
    Project project = makeProject(QStringLiteral("nan"), 3);
    // Pre-trained weights that are not numbers: every loss is NaN.
    torch::NoGradGuard noGrad;
    auto model = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 2);
    model->named_parameters()["conv1.weight"].fill_(std::numeric_limits<float>::quiet_NaN());
    const QString weights = m_dir.filePath(QStringLiteral("nan.safetensors"));
    QVERIFY(SafetensorsWriter::writeFile(weights, attune::detail::stateDictOf(*model)).ok());
    project.config.weightsPath = weights;
    project.config.maxBadSteps = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    std::vector<StepMetrics> steps;
    const RunSummary summary = runToEnd(job.value(), &steps);
    QCOMPARE(toString(summary.outcome), toString(RunOutcome::Failed));
    QVERIFY2(summary.message.contains(QLatin1String("not a finite number")), qPrintable(summary.message));
    QVERIFY(steps.empty());  // no step with a non-finite loss was taken
    QVERIFY2(summary.lastCheckpoint.isEmpty(), qPrintable(summary.lastCheckpoint));
  }

  void sameSeedGivesIdenticalRuns() {
    Project project = makeProject(QStringLiteral("seed"), 4);
    project.config.randomResizedCrop = true;
    project.config.horizontalFlip = true;
    project.config.loaderWorkers = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    std::vector<StepMetrics> first, second;
    QCOMPARE(toString(runToEnd(job.value(), &first).outcome), toString(RunOutcome::Finished));
    QCOMPARE(toString(runToEnd(job.value(), &second).outcome), toString(RunOutcome::Finished));
    QCOMPARE(first.size(), second.size());
    for (size_t i = 0; i < first.size(); ++i) QCOMPARE(first[i].trainLoss, second[i].trainLoss);
  }

  void frozenBackboneTrainsOnlyTheHead() {
    Project project = makeProject(QStringLiteral("frozen"), 3);
    project.config.freeze = FreezeMode::Backbone;
    auto model = attune::detail::makeImageClassifier(QStringLiteral("resnet18"), 2);
    const QString weights = m_dir.filePath(QStringLiteral("pretrained.safetensors"));
    QVERIFY(SafetensorsWriter::writeFile(weights, attune::detail::stateDictOf(*model)).ok());
    project.config.weightsPath = weights;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    const RunSummary summary = runToEnd(job.value());
    QCOMPARE(toString(summary.outcome), toString(RunOutcome::Finished));
    auto before = SafetensorsReader::readFile(weights);
    auto after = SafetensorsReader::readFile(summary.lastCheckpoint);
    QVERIFY(before.ok() && after.ok());
    // Backbone weights and BatchNorm statistics unchanged; the head moved.
    for (const char* name :
         {"conv1.weight", "layer4.1.bn2.weight", "bn1.running_mean", "layer1.0.bn1.running_var"})
      QVERIFY2(before->tensors.at(name).bytes == after->tensors.at(name).bytes, name);
    QVERIFY(before->tensors.at("fc.weight").bytes != after->tensors.at("fc.weight").bytes);
  }

  // model.architecture "tfjs": a Keras export (a stride-2 convolution, global pooling, a Dense layer)
  // is cut before its pooling by default, gets a new head for the project's classes and trains.
  void tfjsExportTrainsWithANewHead() {
    const QString folder = m_dir.filePath(QStringLiteral("tfjs-export"));
    QVERIFY(writeTinyTfjsExport(folder));
    Project project = makeProject(QStringLiteral("tfjs"), 3);
    project.config.architecture = QStringLiteral("tfjs");
    project.config.weightsPath = folder;
    project.config.epochs = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY2(job.ok(), qPrintable(job.ok() ? QString() : job.error().text()));
    TrainingSession session(job.value());
    session.run();
    const RunSummary summary = session.summary();
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));
    bool toldTheCut = false;
    for (const auto& event : session.metrics().drain().events)
      if (event.message.contains(QLatin1String("up to its layer conv"))) toldTheCut = true;
    QVERIFY(toldTheCut);
    auto checkpoint = SafetensorsReader::readFile(summary.bestCheckpoint);
    QVERIFY(checkpoint.ok());
    QCOMPARE(checkpoint->tensors.at("head.weight").shape, (std::vector<int64_t>{2, 4}));
    QCOMPARE(checkpoint->metadata.at("attune.input_size"), std::string("32"));  // from the export

    // A cut at a layer the export does not have fails with the layer's name.
    project.config.cutLayer = QStringLiteral("no_such_layer");
    auto badCut = prepareTrainingJob(project);
    QVERIFY(badCut.ok());
    const RunSummary failed = runToEnd(badCut.value());
    QCOMPARE(toString(failed.outcome), toString(RunOutcome::Failed));
    QVERIFY2(failed.message.contains(QLatin1String("no_such_layer")), qPrintable(failed.message));
  }

  // Every step says where its time went (StepPhases: the forward, backward and update passes took
  // time, and the phases fit inside the step), and the run's log says once, after the first epoch,
  // how many compute threads and image workers trained and what share waiting for images took.
  void stepsSayWhereTheirTimeWent() {
    Project project = makeProject(QStringLiteral("phases"), 6);
    project.config.epochs = 2;
    project.config.loaderWorkers = 1;
    project.config.threads = 2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    TrainingSession session(job.value());
    session.run();
    QVERIFY2(session.summary().outcome == RunOutcome::Finished, qPrintable(session.summary().message));
    const MetricsDrain drained = session.metrics().drain();
    QVERIFY(drained.steps.size() >= 2);
    double previousMs = 0.0;
    for (const StepMetrics& step : drained.steps) {
      const StepPhases& p = step.phases;
      QVERIFY2(p.forwardMs > 0.0 && p.backwardMs > 0.0 && p.updateMs > 0.0,
               qPrintable(QStringLiteral("step %1: forward %2, backward %3, update %4 ms")
                              .arg(step.step)
                              .arg(p.forwardMs)
                              .arg(p.backwardMs)
                              .arg(p.updateMs)));
      QVERIFY(p.dataWaitMs >= 0.0 && p.toTensorMs >= 0.0);
      // elapsedMs has whole milliseconds; the step's phases fit in the time since the last step (the
      // first one's since the run started, validation and the epoch's end between epochs).
      QVERIFY2(p.totalMs() <= step.elapsedMs - previousMs + 2.0,
               qPrintable(QStringLiteral("step %1: phases %2 ms in %3 ms")
                              .arg(step.step)
                              .arg(p.totalMs())
                              .arg(step.elapsedMs - previousMs)));
      previousMs = step.elapsedMs;
    }
    QStringList profiles;
    for (const RunEvent& event : drained.events)
      if (event.message.contains(QLatin1String("compute threads"))) profiles << event.message;
    QCOMPARE(profiles.size(), 1);  // once, not every epoch
    const QRegularExpression told(
        QStringLiteral("^2 compute threads and 1 inter-op thread, 1 image worker: waiting for the images "
                       "took \\d+% of the training "
                       "time \\(forward \\d+%, backward \\d+%, update \\d+%\\)\\."));
    QVERIFY2(told.match(profiles.first()).hasMatch(), qPrintable(profiles.first()));
    // And at the end, the most memory held during the run: at least what a ResNet-18 and its AdamW
    // state take (11.7 million parameters, 4 bytes each, three times over), below 20 GB.
    const QRegularExpression memory(
        QStringLiteral("^The most memory Attune held during this run: ([0-9.]+) (MB|GB)\\.$"));
    double peak_GB = 0.0;
    for (const RunEvent& event : drained.events)
      if (const auto m = memory.match(event.message); m.hasMatch())
        peak_GB = m.captured(1).toDouble() / (m.captured(2) == QLatin1String("GB") ? 1.0 : 1000.0);
    QVERIFY2(peak_GB > 0.14 && peak_GB < 20.0, qPrintable(QStringLiteral("peak %1 GB").arg(peak_GB)));
  }

  // runtime.loader_workers unset: when the model waits for its images (large pictures, a tiny Keras
  // CNN), Attune adds image workers part-way through the epoch and says so, and the batches are the
  // same as with a fixed worker (the loader restarted at the next batch hands out the same ones).
  void automaticImageWorkersGrowWhileTheModelWaits() {
    const QString data = m_dir.filePath(QStringLiteral("large-data"));
    testing::writeTinyDataset(data, 2, 60, /*side=*/1280);
    const QString model = m_dir.filePath(QStringLiteral("tfjs-workers"));
    QVERIFY(writeTinyTfjsExport(model));
    Project project = testing::tinyProject(m_dir.filePath(QStringLiteral("large.attune")), data);
    project.config.architecture = QStringLiteral("tfjs");
    project.config.weightsPath = model;
    project.config.epochs = 1;
    project.config.threads = 2;
    project.config.loaderWorkers.reset();  // automatic
    project.data.valFraction = 0.2;
    auto job = prepareTrainingJob(project);
    QVERIFY(job.ok());
    std::vector<StepMetrics> steps;
    std::vector<RunEvent> events;
    const RunSummary summary = testing::runToEnd(job.value(), &steps, nullptr, &events);
    QVERIFY2(summary.outcome == RunOutcome::Finished, qPrintable(summary.message));
    QString added;
    QString profile;
    for (const RunEvent& event : events) {
      if (event.message.contains(QLatin1String("prepare them from now on"))) added = event.message;
      if (event.message.contains(QLatin1String("compute threads"))) profile = event.message;
    }
    const QRegularExpression told(QStringLiteral(
        "^The model waited for its images (\\d+)% of the time: (\\d+) image workers prepare them from now on "
        "\\(there were (\\d+)\\)\\.$"));
    const auto match = told.match(added);
    QVERIFY2(match.hasMatch(), qPrintable(QStringLiteral("no worker added; the run said: ") + profile));
    QVERIFY(match.captured(1).toInt() > 5);
    QVERIFY(match.captured(2).toInt() > match.captured(3).toInt());
    // The run's profile names the workers at work at the end.
    QVERIFY2(profile.contains(match.captured(2) + QStringLiteral(" image workers")), qPrintable(profile));

    // The same run with one fixed worker learns from the same batches: the same losses.
    project.config.loaderWorkers = 1;
    auto fixedJob = prepareTrainingJob(project);
    QVERIFY(fixedJob.ok());
    std::vector<StepMetrics> fixedSteps;
    QVERIFY(testing::runToEnd(fixedJob.value(), &fixedSteps).outcome == RunOutcome::Finished);
    QCOMPARE(fixedSteps.size(), steps.size());
    for (size_t i = 0; i < steps.size(); ++i)
      QVERIFY2(std::abs(fixedSteps[i].trainLoss - steps[i].trainLoss) < 1e-5,
               qPrintable(QStringLiteral("step %1: %2 against %3")
                              .arg(i)
                              .arg(steps[i].trainLoss)
                              .arg(fixedSteps[i].trainLoss)));
  }

  void missingFolderIsAPlainError() {
    Project project = testing::tinyProject(m_dir.filePath(QStringLiteral("x.attune")),
                                           m_dir.filePath(QStringLiteral("nowhere")));
    auto job = prepareTrainingJob(project);
    QVERIFY(!job.ok());
    QVERIFY(!job.error().message.isEmpty());
  }

  void badSettingsAreRefusedBeforeTraining() {
    Project project = makeProject(QStringLiteral("bad"), 3);
    project.config.lrHead = -1.0;
    auto job = prepareTrainingJob(project);
    QVERIFY(!job.ok());
    QVERIFY(job.error().message.contains(QLatin1String("learning rate")));
  }
};

QTEST_GUILESS_MAIN(TestTrainingSession)
#include "test_training_session.moc"
