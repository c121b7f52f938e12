#include "core/eval/Predictor.h"

#include "core/common/EngineBoundary.h"
#include "core/eval/TrainedModelFiles.h"
#include "core/models/detail/OnnxModel.h"
#include "core/training/RunCheckpoints.h"
#include "core/training/RunWriter.h"
#include "core/training/Runtime.h"
#include "core/training/detail/EngineFault.h"
#include "core/training/detail/EpochBatches.h"
#include "core/training/detail/ModelSetup.h"

#include <torch/torch.h>

#include <QFile>
#include <QFileInfo>
#include <QHash>

namespace attune {
namespace {

constexpr int kPredictBatch = 32;

std::vector<std::vector<double>> rowsOf(const torch::Tensor& probabilities) {
  const torch::Tensor values = probabilities.to(torch::kDouble).contiguous();
  std::vector<std::vector<double>> rows(size_t(values.size(0)));
  for (int64_t r = 0; r < values.size(0); ++r) {
    const double* row = values[r].data_ptr<double>();
    if (!std::isnan(row[0])) rows[size_t(r)].assign(row, row + values.size(1));
  }
  return rows;
}

ModelInput inputOf(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.cpu().contiguous();
  ModelInput input;
  input.name = name;
  input.dtype = t.scalar_type() == torch::kInt64 ? "int64" : "float32";
  input.shape.assign(t.sizes().begin(), t.sizes().end());
  input.data = QByteArray(static_cast<const char*>(t.data_ptr()), qsizetype(t.numel() * t.element_size()));
  return input;
}

// The tensor of a ModelInput (a copy), checking that its size agrees with its shape.
torch::Tensor tensorOf(const ModelInput& input) {
  const auto dtype = input.dtype == "int64" ? torch::kInt64 : torch::kFloat32;
  int64_t count = 1;
  for (int64_t size : input.shape) count *= size;
  TORCH_CHECK(input.dtype == "int64" || input.dtype == "float32", "input ", input.name, " is of type ",
              input.dtype, ", not float32 or int64");
  TORCH_CHECK(count * int64_t(torch::elementSize(dtype)) == int64_t(input.data.size()), "input ", input.name,
              " holds ", input.data.size(), " bytes, not what its shape needs");
  return torch::from_blob(const_cast<char*>(input.data.constData()), input.shape, dtype).clone();
}

const ModelInput* findInput(const std::vector<ModelInput>& inputs, const std::string& name) {
  for (const auto& input : inputs)
    if (input.name == name) return &input;
  return nullptr;
}

}  // namespace

struct Predictor::Impl {
  detail::PreparedModel prepared;
  torch::Device device = torch::kCPU;
  TaskKind task = TaskKind::ImageClassification;
  QStringList classes;
  QString runId;
  QString checkpoint;
  int epoch = 0;
  // The run's compute threads (unset: every core). LibTorch's thread count belongs to the calling
  // thread, so each prediction sets it on the thread that computes.
  std::optional<int> threads;
};

Predictor::Predictor(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Predictor::~Predictor() {
  d.reset();
  releaseCachedCpuMemory();  // the model's and the batches' memory goes back to the system
}

Result<std::unique_ptr<Predictor>> Predictor::open(TrainedModelSettings settings, const QString& checkpoint) {
  auto impl = std::make_unique<Impl>();
  const TrainingConfig& config = settings.config;
  impl->classes = std::move(settings.classes);
  impl->runId = std::move(settings.runId);
  impl->checkpoint = checkpoint;
  if (needsItsPretrainedFiles(config.architecture) && !config.weightsPath.isEmpty() &&
      !QFileInfo::exists(config.weightsPath))
    return Error(ErrorCode::FileNotFound,
                 QStringLiteral("The model of run %1 was built from %2, which is no longer there.")
                     .arg(impl->runId, config.weightsPath),
                 QStringLiteral("Put the pre-trained weights back where they were, or train again."));
  impl->device = detail::computeDevice();
  impl->threads = config.threads;
  configureThreads(impl->threads);  // also puts the CPU memory cache in place
  auto prepared = detail::loadTrainedModel(config, int(impl->classes.size()), impl->checkpoint, impl->device);
  if (!prepared) return prepared.error();
  impl->prepared = std::move(*prepared);
  impl->task = impl->prepared.architecture && impl->prepared.architecture->input == InputKind::Text
                   ? TaskKind::TextClassification
                   : TaskKind::ImageClassification;
  impl->epoch = checkpointEpochOf(impl->checkpoint);
  return std::unique_ptr<Predictor>(new Predictor(std::move(impl)));
}

Result<std::unique_ptr<Predictor>> Predictor::openRun(const QString& runDirectory,
                                                      const PredictorOptions& options) {
  return guardEngine(QStringLiteral("Opening the model"), [&]() -> Result<std::unique_ptr<Predictor>> {
    auto settings = readRunModelSettings(runDirectory);
    if (!settings) return settings.error();
    auto checkpoint = runCheckpointFile(runDirectory, settings->runId, options.checkpoint);
    if (!checkpoint) return checkpoint.error();
    return open(std::move(*settings), *checkpoint);
  });
}

Result<std::unique_ptr<Predictor>> Predictor::openExport(const QString& exportDirectory) {
  return guardEngine(QStringLiteral("Opening the model"), [&]() -> Result<std::unique_ptr<Predictor>> {
    auto manifest = readModelExportManifest(exportDirectory);
    if (!manifest) return manifest.error();
    return open(std::move(manifest->settings), manifest->weightsFile);
  });
}

TaskKind Predictor::task() const {
  return d->task;
}
const QStringList& Predictor::classes() const {
  return d->classes;
}
QString Predictor::runId() const {
  return d->runId;
}
QString Predictor::checkpointPath() const {
  return d->checkpoint;
}
int Predictor::checkpointEpoch() const {
  return d->epoch;
}

Result<std::vector<std::vector<double>>> Predictor::predictTexts(const QStringList& texts) {
  if (d->task != TaskKind::TextClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies images, not texts."),
                 QStringLiteral("Give it image files."));
  return guardEngine(
      QStringLiteral("Classifying the texts"), [&]() -> Result<std::vector<std::vector<double>>> {
        detail::injectEngineFault(detail::EngineFaultSite::Predict);
        configureThreads(d->threads);
        std::vector<TextSample> samples;
        samples.reserve(size_t(texts.size()));
        for (const QString& text : texts) samples.push_back({text, 0, 0});
        return rowsOf(detail::textProbabilities(d->prepared, samples, kPredictBatch, d->device));
      });
}

Result<std::vector<std::vector<double>>> Predictor::predictImages(const QStringList& paths,
                                                                  QStringList* failures) {
  if (d->task != TaskKind::ImageClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies texts, not images."),
                 QStringLiteral("Give it texts."));
  return guardEngine(
      QStringLiteral("Classifying the images"), [&]() -> Result<std::vector<std::vector<double>>> {
        detail::injectEngineFault(detail::EngineFaultSite::Predict);
        configureThreads(d->threads);
        std::vector<ImageSample> samples;
        samples.reserve(size_t(paths.size()));
        for (const QString& path : paths) samples.push_back(ImageSample{path, 0});
        if (failures) *failures = QStringList(paths.size(), QString());
        // Where each path is in the list (a path given twice fails twice, with the same reason).
        QHash<QString, QList<int>> positions;
        if (failures)
          for (int i = 0; i < int(paths.size()); ++i) positions[paths[i]].append(i);
        return rowsOf(detail::imageProbabilities(d->prepared, samples, kPredictBatch, 0, d->device,
                                                 [&](const QStringList& failed, const QStringList& reasons) {
                                                   if (!failures) return;
                                                   for (int i = 0; i < failed.size(); ++i)
                                                     for (int index : positions.value(failed[i]))
                                                       (*failures)[index] = reasons.value(i);
                                                 }));
      });
}

Result<std::vector<ModelInput>> Predictor::textInputs(const QStringList& texts) {
  if (d->task != TaskKind::TextClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies images, not texts."),
                 QStringLiteral("Give it image files."));
  return guardEngine(QStringLiteral("Reading the texts"), [&]() -> Result<std::vector<ModelInput>> {
    std::vector<std::vector<int32_t>> encoded;
    size_t longest = 1;
    for (const QString& text : texts) {
      encoded.push_back(d->prepared.encodeText(text));
      longest = std::max(longest, encoded.back().size());
    }
    torch::Tensor ids =
        torch::full({int64_t(texts.size()), int64_t(longest)}, d->prepared.padId, torch::kInt64);
    auto cells = ids.accessor<int64_t, 2>();
    for (size_t row = 0; row < encoded.size(); ++row)
      for (size_t column = 0; column < encoded[row].size(); ++column)
        cells[int64_t(row)][int64_t(column)] = int64_t(encoded[row][column]);
    // The model masks exactly the padding id out (TextClassifier.h).
    const torch::Tensor mask = ids.ne(d->prepared.padId).to(torch::kInt64);
    return std::vector<ModelInput>{inputOf(detail::kOnnxTokenInput, ids),
                                   inputOf(detail::kOnnxMaskInput, mask)};
  });
}

Result<std::vector<ModelInput>> Predictor::imageInputs(const QStringList& paths, std::vector<int>* kept) {
  if (d->task != TaskKind::ImageClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("This model classifies texts, not images."),
                 QStringLiteral("Give it texts."));
  return guardEngine(QStringLiteral("Reading the images"), [&]() -> Result<std::vector<ModelInput>> {
    std::vector<ImageSample> samples;
    for (const QString& path : paths) samples.push_back(ImageSample{path, 0});
    BatchLoaderOptions options;
    options.batchSize = std::max<int>(1, int(paths.size()));
    options.transform.outputSize = d->prepared.inputSize;
    options.transform.mode = TransformMode::Evaluation;
    if (d->prepared.architecture) options.transform.normalization = d->prepared.architecture->normalization;
    QStringList failed;
    auto batches = detail::imageBatches(samples, options, torch::kCPU,
                                        [&](const QStringList& bad, const QStringList&) { failed << bad; });
    torch::Tensor pixels = torch::zeros({0, 3, d->prepared.inputSize, d->prepared.inputSize});
    if (auto batch = batches->next(); batch && batch->count > 0) pixels = batch->inputs.contiguous().clone();
    if (kept) {
      kept->clear();
      for (int i = 0; i < int(paths.size()); ++i)
        if (!failed.contains(paths[i])) kept->push_back(i);
    }
    return std::vector<ModelInput>{inputOf(detail::kOnnxImageInput, pixels)};
  });
}

Result<std::vector<std::vector<double>>> Predictor::predictInputs(const std::vector<ModelInput>& inputs) {
  return guardEngine(QStringLiteral("Classifying"), [&]() -> Result<std::vector<std::vector<double>>> {
    configureThreads(d->threads);
    torch::NoGradGuard noGrad;
    const bool texts = d->task == TaskKind::TextClassification;
    const ModelInput* input = findInput(inputs, texts ? detail::kOnnxTokenInput : detail::kOnnxImageInput);
    if (!input)
      return Error(
          ErrorCode::BadValue,
          QStringLiteral("The model's input %1 is missing.")
              .arg(QString::fromStdString(texts ? detail::kOnnxTokenInput : detail::kOnnxImageInput)),
          QStringLiteral("Make the inputs with textInputs or imageInputs."));
    const torch::Tensor x = tensorOf(*input);
    if (x.size(0) == 0) return std::vector<std::vector<double>>{};
    // In batches, as predictTexts and predictImages: the activations of one batch at a time.
    std::vector<torch::Tensor> parts;
    for (const torch::Tensor& batch : x.split(kPredictBatch))
      parts.push_back(torch::softmax(d->prepared.model->forward(batch.to(d->device)), 1).cpu());
    return rowsOf(torch::cat(parts));
  });
}

Result<QByteArray> Predictor::onnxModel(
    const std::vector<std::pair<std::string, std::string>>& metadata) const {
  return guardEngine(QStringLiteral("Writing the model as ONNX"), [&]() -> Result<QByteArray> {
    detail::OnnxModelSpec spec;
    spec.text = d->task == TaskKind::TextClassification;
    spec.imageHeight = spec.imageWidth = d->prepared.inputSize;
    spec.classes = d->prepared.numClasses;
    spec.metadata = metadata;
    try {
      // On the CPU: the initializers are read from the model's tensors.
      return QByteArray::fromStdString(detail::modelToOnnx(*d->prepared.model, spec));
    } catch (const detail::OnnxUnsupported& unsupported) {
      return Error(
          ErrorCode::BadValue,
          QStringLiteral("This model cannot be written as ONNX: %1.")
              .arg(QString::fromStdString(unsupported.what())),
          QStringLiteral(
              "Export it as an Attune folder (safetensors) instead, which Attune and PyTorch read."));
    }
  });
}

}  // namespace attune
