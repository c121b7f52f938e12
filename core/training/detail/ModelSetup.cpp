#include "core/training/detail/ModelSetup.h"

#include "core/common/EngineBoundary.h"
#include "core/data/WordPieceFiles.h"
#include "core/data/WordVocabulary.h"
#include "core/models/WordVectorModel.h"
#include "core/models/detail/KerasClassifier.h"
#include "core/models/detail/StateDict.h"
#include "core/models/detail/TextClassifier.h"
#include "core/models/detail/WordVectorClassifier.h"
#include "core/training/LoaderPolicy.h"
#include "core/training/detail/EngineFault.h"
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

Result<PreparedModel> prepareWordVectorModel(const TrainingConfig& config, int numClasses) {
  if (config.weightsPath.isEmpty())
    return Error(ErrorCode::BadValue, QStringLiteral("The word-vector model needs a file of word vectors."),
                 QStringLiteral("Choose the GloVe vectors file that Attune's set-up made "
                                "(installer/convert_glove.py makes one)."));
  auto vocabulary = WordVocabulary::fromFile(config.weightsPath);
  if (!vocabulary) return vocabulary.error();
  WordVectorOptions options;
  options.pooling = wordPoolingFromString(config.wordPooling).value_or(WordPooling::MeanMax);
  options.encoder = wordEncoderFromString(config.wordEncoder).value_or(WordEncoder::None);
  options.maxTokens = config.maxTokens;
  auto model = makeWordVectorClassifier(options, config.weightsPath, numClasses);
  if (!model) return model.error();
  PreparedModel prepared;
  prepared.model = *model;
  prepared.architecture = findArchitecture(QLatin1String(kWordVectorArchitecture));
  prepared.inputSize = 0;
  prepared.padId = WordVocabulary::kPaddingId;
  auto shared = std::make_shared<const WordVocabulary>(std::move(*vocabulary));
  const int maxTokens = config.maxTokens;
  prepared.encodeText = [shared, maxTokens](const QString& text) {
    const std::vector<int64_t> ids = shared->encode(text, maxTokens);
    return std::vector<int32_t>(ids.begin(), ids.end());
  };
  prepared.notes << QStringLiteral(
                        "Using %1 pre-trained word vectors from %2, pooled (%3), then a new final "
                        "layer for your %4 classes.")
                        .arg(shared->idCount() - WordVocabulary::kFirstWordId)
                        .arg(QFileInfo(config.weightsPath).fileName(), config.wordPooling)
                        .arg(numClasses);
  return prepared;
}

Result<PreparedModel> prepareTransformerModel(const TrainingConfig& config, int numClasses,
                                              PretrainedWeights pretrained) {
  const ArchitectureInfo* architecture = findArchitecture(config.architecture);
  if (config.weightsPath.isEmpty() || !QFileInfo(config.weightsPath).isDir())
    return Error(
        ErrorCode::BadValue,
        QStringLiteral("%1 needs a Hugging Face model folder (config.json, the weights and the "
                       "tokenizer's vocabulary).")
            .arg(architecture->displayName),
        QStringLiteral("Choose the model's folder as its weights, or download it from the catalog."));
  auto loaded = loadTextClassifier(config.weightsPath, numClasses, pretrained);
  if (!loaded) return loaded.error();
  const TextModelConfig& modelConfig = loaded->folder.config;
  const bool isBert = modelConfig.kind == TextModelKind::Bert;
  if (isBert != (config.architecture == QLatin1String(kBertArchitecture)))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The folder %1 holds a %2 model, not %3.")
                     .arg(config.weightsPath, isBert ? QStringLiteral("BERT") : QStringLiteral("DistilBERT"),
                          architecture->displayName),
                 QStringLiteral("Choose the matching model or another folder."));
  auto tokenizer = loadWordPieceTokenizer(config.weightsPath);
  if (!tokenizer) return tokenizer.error();
  if (tokenizer->vocabSize() > modelConfig.vocabSize)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The tokenizer of %1 knows %2 tokens but the model only %3.")
                     .arg(config.weightsPath)
                     .arg(tokenizer->vocabSize())
                     .arg(modelConfig.vocabSize),
                 QStringLiteral("The folder mixes files of different models: download it again."));
  PreparedModel prepared;
  prepared.model = loaded->model;
  prepared.architecture = architecture;
  prepared.inputSize = 0;
  prepared.padId = modelConfig.padTokenId;
  const int maxLength = std::min(config.maxTokens, modelConfig.maxPositionEmbeddings);
  const int32_t padId = modelConfig.padTokenId;
  const int32_t tokenizerPad = tokenizer->padId();
  prepared.encodeText = [shared = std::make_shared<const WordPieceTokenizer>(std::move(*tokenizer)),
                         maxLength, padId, tokenizerPad](const QString& text) {
    std::vector<int32_t> ids = shared->encode(text, maxLength);
    // The model masks its own padding id; a tokenizer that pads with another id never puts that id in
    // a text, and its own padding id in a text is kept as a token.
    if (padId != tokenizerPad)
      for (int32_t& id : ids)
        if (id == padId) id = shared->unkId();
    return ids;
  };
  prepared.notes << loaded->report.summary();
  prepared.notes << QStringLiteral("Texts are cut to %1 tokens.").arg(maxLength);
  return prepared;
}

}  // namespace

torch::Device computeDevice() {
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

Result<PreparedModel> prepareModel(const TrainingConfig& config, int numClasses,
                                   PretrainedWeights pretrained) {
  const auto build = [&]() -> Result<PreparedModel> {
    injectEngineFault(EngineFaultSite::Prepare);
    if (config.architecture == QLatin1String(kTfjsArchitecture)) return prepareKerasModel(config, numClasses);
    if (config.architecture == QLatin1String(kWordVectorArchitecture))
      return prepareWordVectorModel(config, numClasses);
    if (config.architecture == QLatin1String(kBertArchitecture) ||
        config.architecture == QLatin1String(kDistilBertArchitecture))
      return prepareTransformerModel(config, numClasses, pretrained);
    PreparedModel prepared;
    prepared.architecture = findArchitecture(config.architecture);
    if (!prepared.architecture)
      return Error(ErrorCode::BadValue, QStringLiteral("Unknown architecture %1.").arg(config.architecture),
                   QStringLiteral("Choose a model from the list."));
    prepared.inputSize = config.inputSize.value_or(prepared.architecture->inputSize);
    prepared.model = makeImageClassifier(config.architecture, numClasses);
    if (!prepared.model)
      return Error(ErrorCode::BadValue, QStringLiteral("Unknown architecture %1.").arg(config.architecture));
    if (pretrained == PretrainedWeights::Skip) return prepared;
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
  };
  Result<PreparedModel> result = guardEngine(QStringLiteral("Preparing the model"), build);
  if (result) {
    result->model->setHeadDropout(config.headDropout);
    // The groups everyone else shows and checks optim.group_lrs against, for every architecture.
    result->layerGroups = layerGroupsFor(modelChoiceOf(config));
    result->numClasses = numClasses;
  }
  return result;
}

Result<PreparedModel> loadTrainedModel(const TrainingConfig& config, int numClasses,
                                       const QString& checkpoint, const torch::Device& device) {
  auto prepared = prepareModel(config, numClasses, PretrainedWeights::Skip);
  if (!prepared) return prepared.error();
  {
    torch::NoGradGuard noGrad;
    auto loaded =
        loadWeightsFile(*prepared->model, checkpoint, prepared->model->headPrefix(), HeadPolicy::LoadAll);
    if (!loaded) return loaded.error();
  }
  prepared->model->to(device);
  prepared->model->eval();
  return prepared;
}

torch::Tensor textProbabilities(const PreparedModel& prepared, const std::vector<TextSample>& texts,
                                int batchSize, const torch::Device& device) {
  torch::NoGradGuard noGrad;
  auto data = textRunData({}, texts, prepared.encodeText, prepared.padId, std::max(1, batchSize), 0, device);
  auto batches = data->batches(Split::Val, {}, TransformMode::Evaluation, 0, 0);
  std::vector<torch::Tensor> parts;
  while (auto batch = batches->next())
    parts.push_back(torch::softmax(prepared.model->forward(batch->inputs), 1).cpu());
  if (parts.empty()) return torch::zeros({0, prepared.numClasses});
  return torch::cat(parts);
}

torch::Tensor imageProbabilities(const PreparedModel& prepared, const std::vector<ImageSample>& samples,
                                 int batchSize, int workers, const torch::Device& device,
                                 FailedImageReporter onFailed) {
  BatchLoaderOptions options;
  options.batchSize = std::max(1, batchSize);
  options.workers = workers;
  options.transform.outputSize = prepared.inputSize;
  options.transform.mode = TransformMode::Evaluation;
  if (prepared.architecture) options.transform.normalization = prepared.architecture->normalization;
  // One loader for all the images: its workers decode the next batches while the model classifies
  // this one. An image that fails is left out of its batch (reported by next() before it returns):
  // its row stays NaN, and each survivor goes back to its own row.
  torch::Tensor out =
      torch::full({int64_t(samples.size()), prepared.numClasses}, std::numeric_limits<float>::quiet_NaN());
  torch::NoGradGuard noGrad;
  QStringList failed;  // of the batch being read
  auto batches =
      imageBatches(samples, options, device, [&](const QStringList& paths, const QStringList& reasons) {
        failed << paths;
        if (onFailed) onFailed(paths, reasons);
      });
  for (size_t start = 0; start < samples.size(); start += size_t(options.batchSize)) {
    failed.clear();
    auto batch = batches->next();
    if (!batch) break;
    const size_t end = std::min(samples.size(), start + size_t(options.batchSize));
    torch::Tensor probabilities;
    if (batch->count > 0) probabilities = torch::softmax(prepared.model->forward(batch->inputs), 1).cpu();
    int64_t row = 0;
    for (size_t i = start; i < end; ++i)
      if (!failed.contains(samples[i].path) && probabilities.defined())
        out[int64_t(i)] = probabilities[row++];
  }
  return out;
}

std::unique_ptr<RunData> runDataFor(const TrainingJob& job, const TrainingConfig& config,
                                    const PreparedModel& prepared, const torch::Device& device,
                                    FailedImageReporter onFailed) {
  if (job.task == TaskKind::TextClassification)
    return textRunData(job.trainTexts, job.valTexts, prepared.encodeText, prepared.padId, config.batchSize,
                       uint64_t(config.seed), device);
  BatchLoaderOptions options;
  options.batchSize = config.batchSize;
  options.seed = static_cast<uint64_t>(config.seed);
  options.workers = loaderWorkersFor(config);
  options.transform.outputSize = prepared.inputSize;
  options.transform.randomResizedCrop = config.randomResizedCrop;
  options.transform.horizontalFlip = config.horizontalFlip;
  if (prepared.architecture) options.transform.normalization = prepared.architecture->normalization;
  return imageRunData(job.trainSamples, job.valSamples, options, device, std::move(onFailed));
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
  const auto isHead = [&](const std::string& name) { return model.isHeadName(name); };
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
