#pragma once
// Image decoding and augmentation, producing the float CHW input a model expects.
//  evaluation: resize the shorter side to outputSize / 0.875, centre crop outputSize (torchvision's
//              Resize(256) + CenterCrop(224) for 224);
//  training:   random resized crop (scale 0.08-1, aspect 3/4-4/3) and horizontal flip, each switchable;
//              with random resized crop off, the evaluation transform is used (plus the flip if on).
// JPEGs are decoded at a reduced scale (QImageReader::setScaledSize) when the target is much smaller.

#include "core/common/Result.h"

#include <QImage>
#include <QString>

#include <array>
#include <random>

namespace attune {

struct Normalization {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // ImageNet, RGB in [0, 1]
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

enum class TransformMode { Evaluation, Training };

struct TransformOptions {
  int outputSize = 224;
  TransformMode mode = TransformMode::Evaluation;
  bool randomResizedCrop = true;
  bool horizontalFlip = true;
  Normalization normalization;
};

// Decodes an image file as RGB, reading a JPEG at reduced scale when it is at least twice as large
// as `minSide` on its shorter side. Error: FileUnreadable / BadFormat with the path in the message.
Result<QImage> decodeImage(const QString& path, int minSide);

// Writes 3 * outputSize * outputSize floats (CHW, normalised) to `dst`.
void transformImage(const QImage& rgb, const TransformOptions& options, std::mt19937_64& rng, float* dst);

}  // namespace attune
