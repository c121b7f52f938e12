#include "core/models/Architecture.h"

#include <algorithm>

namespace attune {

const std::vector<ArchitectureInfo>& architectures() {
  // All of them were pre-trained by torchvision at 224 px with ImageNet's mean and standard deviation
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
      {QStringLiteral("mobilenet_v3_small"), QStringLiteral("MobileNetV3-Small"), 224, Normalization{},
       QStringLiteral("classifier.3."),
       QStringLiteral(
           "MobileNetV3-Small: tiny and the fastest of all, for quick tries and weak computers; the "
           "least accurate.")},
      {QStringLiteral("mobilenet_v3_large"), QStringLiteral("MobileNetV3-Large"), 224, Normalization{},
       QStringLiteral("classifier.3."),
       QStringLiteral("MobileNetV3-Large: small and fast like MobileNetV2, and a little more accurate.")},
      {QStringLiteral("efficientnet_b0"), QStringLiteral("EfficientNet-B0"), 224, Normalization{},
       QStringLiteral("classifier.1."),
       QStringLiteral("EfficientNet-B0: small, and more accurate than ResNet-50; trains somewhat slower than "
                      "ResNet-18.")},
      {QStringLiteral("convnext_tiny"), QStringLiteral("ConvNeXt-Tiny"), 224, Normalization{},
       QStringLiteral("classifier.2."),
       QStringLiteral("ConvNeXt-Tiny: a modern network, clearly more accurate than ResNet-50 at a similar "
                      "speed; best with a graphics card.")},
      {QStringLiteral("vit_b_16"), QStringLiteral("ViT-B/16"), 224, Normalization{},
       QStringLiteral("heads.head."),
       QStringLiteral(
           "ViT-B/16: a large transformer, accurate but the slowest here; needs a graphics card and "
           "does best with many images.")},
      // A Keras model exported for TensorFlow.js: its own folder is the "weights"; the input size
      // comes from the export, and those models take RGB in [0, 1] (no ImageNet normalisation).
      {QString::fromLatin1(kTfjsArchitecture), QStringLiteral("Keras / TF.js export"), 224,
       Normalization{{0.f, 0.f, 0.f}, {1.f, 1.f, 1.f}}, QStringLiteral("head."),
       QStringLiteral("A Keras model exported for TensorFlow.js (for example from Teachable Machine): choose "
                      "its folder as the pre-trained weights; a new final layer learns your classes.")},
      // Text: no pixels, so no input side or normalisation.
      {QString::fromLatin1(kBertArchitecture), QStringLiteral("BERT"), 0, Normalization{},
       QStringLiteral("classifier."),
       QStringLiteral(
           "BERT: the classic pre-trained language model; accurate on texts, slow on a CPU. Choose a "
           "Hugging Face model folder as its weights."),
       InputKind::Text},
      {QString::fromLatin1(kDistilBertArchitecture), QStringLiteral("DistilBERT"), 0, Normalization{},
       QStringLiteral("classifier."),
       QStringLiteral("DistilBERT: a smaller BERT, nearly as accurate and about twice as fast."),
       InputKind::Text},
      {QString::fromLatin1(kWordVectorArchitecture), QStringLiteral("Word vectors (GloVe)"), 0,
       Normalization{}, QStringLiteral("classifier."),
       QStringLiteral(
           "Word vectors: pre-trained GloVe vectors of each word, pooled and classified; trains in "
           "seconds on a CPU, less accurate than BERT."),
       InputKind::Text},
  };
  return kArchitectures;
}

bool needsItsPretrainedFiles(const QString& architecture) {
  return architecture == QLatin1String(kWordVectorArchitecture) ||
         architecture == QLatin1String(kTfjsArchitecture) ||
         architecture == QLatin1String(kBertArchitecture) ||
         architecture == QLatin1String(kDistilBertArchitecture);
}

const ArchitectureInfo* findArchitecture(const QString& id) {
  const auto& all = architectures();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const ArchitectureInfo& info) { return info.id == id; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace attune
