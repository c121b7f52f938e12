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

// Decodes an image file as RGB (QImage::Format_RGB888, EXIF orientation applied), reading a JPEG at
// reduced scale when it is at least twice as large as `minSide` on its shorter side: it then comes
// out with its shorter side exactly `minSide`. minSide <= 0 always decodes at full size. Error:
// FileUnreadable / BadFormat with the path in the message.
Result<QImage> decodeImage(const QString& path, int minSide);
// The same pixels as QImage::Format_RGB32 when `format` is Format_RGB32 (else RGB888): the layout
// the decoders and transformImage work in, so the BatchLoader skips two conversions per image.
Result<QImage> decodeImage(const QString& path, int minSide, QImage::Format format);

// The shorter side the evaluation transform resizes to before its centre crop: 256 for 224.
int evaluationResizeSide(int outputSize);

// The `minSide` to decode with for these options. Evaluation needs evaluationResizeSide(); a random
// resized crop may take as little as 8% of the area and is enlarged again, so training keeps twice
// the output size to avoid training on blurred upsampled pixels.
int decodeMinSide(const TransformOptions& options);

// Writes 3 * outputSize * outputSize floats (CHW, normalised) to `dst`. Accepts any QImage (works in
// RGB32; other layouts are converted first). Draws from `rng` only in training mode: the
// crop first, then the flip. A null image gives zeros.
void transformImage(const QImage& rgb, const TransformOptions& options, std::mt19937_64& rng, float* dst);

}  // namespace attune
