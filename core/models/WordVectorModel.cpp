#include "core/models/WordVectorModel.h"

namespace attune {

QString toString(WordPooling pooling) {
  switch (pooling) {
    case WordPooling::Mean:
      return QStringLiteral("mean");
    case WordPooling::Max:
      return QStringLiteral("max");
    case WordPooling::MeanMax:
      return QStringLiteral("mean_max");
  }
  return {};
}

std::optional<WordPooling> wordPoolingFromString(const QString& text) {
  for (WordPooling pooling : {WordPooling::Mean, WordPooling::Max, WordPooling::MeanMax})
    if (toString(pooling) == text) return pooling;
  return std::nullopt;
}

QString toString(WordEncoder encoder) {
  return encoder == WordEncoder::Convolution ? QStringLiteral("conv") : QStringLiteral("none");
}

std::optional<WordEncoder> wordEncoderFromString(const QString& text) {
  for (WordEncoder encoder : {WordEncoder::None, WordEncoder::Convolution})
    if (toString(encoder) == text) return encoder;
  return std::nullopt;
}

Result<void> WordVectorOptions::validate() const {
  constexpr int kMaxConvChannels = 4096;
  if (encoder == WordEncoder::Convolution && (convChannels < 1 || convChannels > kMaxConvChannels))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The convolution needs between 1 and %1 channels, not %2.")
                     .arg(kMaxConvChannels)
                     .arg(convChannels),
                 QStringLiteral("128 is a good start."));
  if (!(dropout >= 0.0 && dropout < 1.0))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The dropout must be at least 0 and below 1, not %1.").arg(dropout),
                 QStringLiteral("0.25 is a good start; 0 turns it off."));
  if (maxTokens < 1)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("A text must be allowed at least one word, not %1.").arg(maxTokens),
                 QStringLiteral("256 words fit most reviews and messages."));
  return {};
}

int WordVectorOptions::featureWidth(int vectorWidth) const {
  const int perPosition = encoder == WordEncoder::Convolution ? convChannels : vectorWidth;
  return pooling == WordPooling::MeanMax ? 2 * perPosition : perPosition;
}

std::vector<LayerGroupSpec> wordVectorLayerGroups(const WordVectorOptions& options) {
  std::vector<LayerGroupSpec> groups;
  groups.push_back({QStringLiteral("embeddings"), {QStringLiteral("embedding.")}});
  if (options.encoder == WordEncoder::Convolution)
    groups.push_back({QStringLiteral("encoder"), {QStringLiteral("conv.")}});
  groups.push_back({QStringLiteral("head"), {QStringLiteral("classifier.")}});
  return groups;
}

}  // namespace attune
