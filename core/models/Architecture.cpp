#include "core/models/Architecture.h"

#include <algorithm>

namespace attune {

const std::vector<ArchitectureInfo>& architectures() {
  // All four were pre-trained by torchvision at 224 px with ImageNet's mean and standard deviation
  // (the defaults of Normalization).
  static const std::vector<ArchitectureInfo> kArchitectures = {
      {QStringLiteral("resnet18"), QStringLiteral("ResNet-18"), 224, Normalization{}, QStringLiteral("fc."),
       QStringLiteral("ResNet-18: small and fast; a good first choice.")},
      {QStringLiteral("resnet34"), QStringLiteral("ResNet-34"), 224, Normalization{}, QStringLiteral("fc."),
       QStringLiteral("ResNet-34: deeper than ResNet-18, somewhat more accurate and about twice as slow.")},
      {QStringLiteral("resnet50"), QStringLiteral("ResNet-50"), 224, Normalization{}, QStringLiteral("fc."),
       QStringLiteral("ResNet-50: the most accurate here, and the slowest; best with a graphics card.")},
      {QStringLiteral("mobilenet_v2"), QStringLiteral("MobileNetV2"), 224, Normalization{},
       QStringLiteral("classifier.1."),
       QStringLiteral(
           "MobileNetV2: the smallest and fastest; suits laptops and phones, slightly less accurate.")},
  };
  return kArchitectures;
}

const ArchitectureInfo* findArchitecture(const QString& id) {
  const auto& all = architectures();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const ArchitectureInfo& info) { return info.id == id; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace attune
