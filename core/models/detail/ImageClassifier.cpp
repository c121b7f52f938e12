#include "core/models/detail/ImageClassifier.h"

#include "core/models/detail/ConvNeXt.h"
#include "core/models/detail/EfficientNet.h"
#include "core/models/detail/MobileNetV2.h"
#include "core/models/detail/MobileNetV3.h"
#include "core/models/detail/ResNet.h"
#include "core/models/detail/VisionTransformer.h"

namespace attune::detail {

std::vector<torch::Tensor> ImageClassifierImpl::backboneParameters() const {
  return parametersOf(Part::Backbone, nullptr);
}

std::vector<torch::Tensor> ImageClassifierImpl::headParameters() const {
  return parametersOf(Part::Head, nullptr);
}

std::vector<torch::Tensor> ImageClassifierImpl::backboneParameters(WeightDecay decay) const {
  return parametersOf(Part::Backbone, &decay);
}

std::vector<torch::Tensor> ImageClassifierImpl::headParameters(WeightDecay decay) const {
  return parametersOf(Part::Head, &decay);
}

WeightDecay ImageClassifierImpl::weightDecayOf(const std::string& name, const torch::Tensor& parameter) {
  // Biases and the weights of BatchNorm / LayerNorm are 1-d; the others are known by name.
  if (parameter.dim() <= 1) return WeightDecay::Exempt;
  const auto dot = name.rfind('.');
  const std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
  if (leaf == "class_token" || leaf == "pos_embedding" || leaf == "layer_scale") return WeightDecay::Exempt;
  // Embedding tables (word vectors, BERT's word / position / token type embeddings): a row is a
  // learned meaning, not a connection strength, and rows of rare words would shrink every step.
  const auto owner = name.substr(0, dot == std::string::npos ? 0 : dot);
  if (owner == "embedding" || (owner.size() >= 10 && owner.compare(owner.size() - 10, 10, "embeddings") == 0))
    return WeightDecay::Exempt;
  return WeightDecay::Apply;
}

std::vector<torch::Tensor> ImageClassifierImpl::parametersOf(Part part, const WeightDecay* decay) const {
  std::vector<torch::Tensor> result;
  for (const auto& item : named_parameters()) {
    if (isHeadName(item.key()) != (part == Part::Head)) continue;
    if (decay != nullptr && weightDecayOf(item.key(), item.value()) != *decay) continue;
    result.push_back(item.value());
  }
  return result;
}

torch::Tensor ImageClassifierImpl::classify(torch::Tensor features) {
  if (m_headDropout > 0.0 && is_training())
    features = torch::dropout(features, m_headDropout, /*train=*/true);
  return classifyFeatures(std::move(features));
}

void ImageClassifierImpl::setBackboneState(BackboneState state) {
  if (state == BackboneState::Frozen)
    setFrozen([this](const std::string& name) { return !isHeadName(name); });
  else
    setFrozen([](const std::string&) { return false; });
}

void ImageClassifierImpl::setFrozen(const FrozenPredicate& isFrozen) {
  m_frozen.clear();
  for (const auto& item : named_parameters()) {
    const bool frozen = isFrozen(item.key());
    if (frozen) m_frozen.insert(item.key());
    item.value().set_requires_grad(!frozen);
    // A parameter that stops training keeps no stale gradient for the optimiser to apply.
    if (frozen && item.value().grad().defined()) item.value().mutable_grad() = torch::Tensor();
  }
  // Re-apply the current mode so that freezing in the middle of training takes effect on the
  // BatchNorm layers at once.
  train(is_training());
}

void ImageClassifierImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (!on || m_frozen.empty()) return;
  // A frozen part must compute exactly what it computed when it was trained: BatchNorm in training
  // mode would normalise with batch statistics and overwrite the pre-trained running ones, and
  // stochastic depth would drop whole blocks of the fixed feature extractor at random. Modules are
  // visited parents first, so a frozen block is switched off whole. (The dropout before the head has
  // no parameters of its own and stays on: it regularises the head.)
  for (const auto& item : named_modules(/*name_prefix=*/std::string(), /*include_self=*/false)) {
    auto& module = *item.value();
    if (!module.is_training()) continue;
    const auto parameters = module.named_parameters(/*recurse=*/true);
    if (parameters.is_empty()) continue;
    bool allFrozen = true;
    for (const auto& parameter : parameters) {
      if (!m_frozen.count(item.key() + '.' + parameter.key())) {
        allFrozen = false;
        break;
      }
    }
    if (allFrozen) module.train(false);
  }
}

bool ImageClassifierImpl::isHeadName(const std::string& name) const {
  const std::string prefix = headPrefix();
  return name.compare(0, prefix.size(), prefix) == 0;
}

ImageClassifierPtr makeImageClassifier(const QString& architecture, int numClasses) {
  TORCH_CHECK(numClasses > 0, "an image classifier needs at least one class, got ", numClasses);
  if (architecture == QLatin1String("resnet18"))
    return std::make_shared<ResNetImpl>(ResNetImpl::Block::Basic, ResNetImpl::LayerCounts{2, 2, 2, 2},
                                        numClasses);
  if (architecture == QLatin1String("resnet34"))
    return std::make_shared<ResNetImpl>(ResNetImpl::Block::Basic, ResNetImpl::LayerCounts{3, 4, 6, 3},
                                        numClasses);
  if (architecture == QLatin1String("resnet50"))
    return std::make_shared<ResNetImpl>(ResNetImpl::Block::Bottleneck, ResNetImpl::LayerCounts{3, 4, 6, 3},
                                        numClasses);
  if (architecture == QLatin1String("mobilenet_v2")) return std::make_shared<MobileNetV2Impl>(numClasses);
  if (architecture == QLatin1String("mobilenet_v3_small"))
    return std::make_shared<MobileNetV3Impl>(MobileNetV3Impl::Size::Small, numClasses);
  if (architecture == QLatin1String("mobilenet_v3_large"))
    return std::make_shared<MobileNetV3Impl>(MobileNetV3Impl::Size::Large, numClasses);
  if (architecture == QLatin1String("efficientnet_b0"))
    return std::make_shared<EfficientNetB0Impl>(numClasses);
  if (architecture == QLatin1String("convnext_tiny")) return std::make_shared<ConvNeXtTinyImpl>(numClasses);
  if (architecture == QLatin1String("vit_b_16"))
    return std::make_shared<VisionTransformerB16Impl>(numClasses);
  return nullptr;
}

}  // namespace attune::detail
