#pragma once
// A Hugging Face model folder (config.json, model.safetensors, vocab.txt) of a tiny random BERT or
// DistilBERT (hidden 32, 2 layers, 4 heads) whose vocabulary holds the special tokens and the words of
// TinyTexts.h's reviews; no classifier, as a pre-trained encoder has none for the user's classes.
// Includes LibTorch.

#include "core/models/TextModelConfig.h"
#include "core/models/detail/StateDict.h"
#include "core/models/detail/TextClassifier.h"
#include "core/weights/SafetensorsWriter.h"
#include "tests/support/RandomModelInputs.h"
#include "tests/support/TinyTexts.h"

#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>

namespace attune::testing {

inline QString writeTinyTransformer(const QString& folder, TextModelKind kind) {
  using namespace attune::testing::texts;
  QDir().mkpath(folder);
  QStringList vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ",", "."};
  vocab << kPositive << kNegative << kNeutral;
  TextModelConfig config = tinyTextConfig(kind);
  config.vocabSize = int(vocab.size()) + 3;
  config.maxPositionEmbeddings = 64;
  torch::manual_seed(11);
  auto model = detail::makeTextClassifier(config, 2);
  QFile configFile(QDir(folder).filePath(QStringLiteral("config.json")));
  QFile vocabFile(QDir(folder).filePath(QStringLiteral("vocab.txt")));
  if (!configFile.open(QIODevice::WriteOnly) || !vocabFile.open(QIODevice::WriteOnly)) return {};
  configFile.write(QByteArray::fromStdString(config.toJson().dump(2)));
  vocabFile.write(vocab.join(QLatin1Char('\n')).toUtf8() + '\n');
  TensorMap tensors = detail::stateDictOf(*model);
  for (auto it = tensors.begin(); it != tensors.end();)
    it = model->isHeadName(it->first) ? tensors.erase(it) : std::next(it);
  if (!SafetensorsWriter::writeFile(QDir(folder).filePath(QStringLiteral("model.safetensors")), tensors).ok())
    return {};
  return folder;
}

}  // namespace attune::testing
