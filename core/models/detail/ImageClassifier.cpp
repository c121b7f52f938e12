#include "core/models/detail/ImageClassifier.h"

#include "core/models/detail/MobileNetV2.h"
#include "core/models/detail/ResNet.h"

namespace attune::detail {

std::vector<torch::Tensor> ImageClassifierImpl::backboneParameters() const {
  std::vector<torch::Tensor> result;
  for (const auto& item : named_parameters())
    if (!isHeadName(item.key())) result.push_back(item.value());
  return result;
}

std::vector<torch::Tensor> ImageClassifierImpl::headParameters() const {
  std::vector<torch::Tensor> result;
  for (const auto& item : named_parameters())
    if (isHeadName(item.key())) result.push_back(item.value());
  return result;
}

void ImageClassifierImpl::setBackboneState(BackboneState state) {
  m_backboneState = state;
  const bool trainable = state == BackboneState::Trainable;
  for (auto& parameter : backboneParameters()) parameter.set_requires_grad(trainable);
  // Re-apply the current mode so that freezing in the middle of training takes effect on the
  // BatchNorm layers at once.
  train(is_training());
}

void ImageClassifierImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (!on || m_backboneState != BackboneState::Frozen) return;
  // A frozen backbone must compute exactly what it computed when it was trained: BatchNorm in
  // training mode would normalise with batch statistics and overwrite the pre-trained running ones.
  for (const auto& item : named_modules(/*name_prefix=*/std::string(), /*include_self=*/false)) {
    if (isHeadName(item.key() + '.')) continue;
    if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(item.value().get()) != nullptr) item.value()->train(false);
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
  return nullptr;
}

}  // namespace attune::detail
