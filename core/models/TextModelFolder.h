#pragma once
// A Hugging Face model folder of a BERT or DistilBERT model, as downloaded from the Hub or saved by
// save_pretrained(): config.json, the weights (model.safetensors or pytorch_model.bin) and the tokenizer
// files. Described without LibTorch; detail/TextClassifier.h builds and loads the model.

#include "core/common/Result.h"
#include "core/models/TextModelConfig.h"

#include <QString>

namespace attune {

enum class TextWeightsFormat { Safetensors, PyTorch };

struct TextModelFolder {
  QString path;  // the folder
  TextModelConfig config;
  QString weightsFile;  // model.safetensors when present, else pytorch_model.bin
  TextWeightsFormat weightsFormat = TextWeightsFormat::Safetensors;
  QString vocabFile;            // vocab.txt; empty when absent
  QString tokenizerFile;        // tokenizer.json; empty when absent
  QString tokenizerConfigFile;  // tokenizer_config.json (do_lower_case, model_max_length); empty when absent

  // A WordPiece vocabulary is at hand (vocab.txt or tokenizer.json).
  bool hasTokenizer() const { return !vocabFile.isEmpty() || !tokenizerFile.isEmpty(); }
};

// Whether the folder must hold the pre-trained weights: not when a run's checkpoint will supply every
// tensor (an exported model's base folder holds the configuration and the tokenizer only).
enum class TextFolderWeights { Required, Optional };

// Reads and checks config.json and finds the other files. Refused: no folder, no or a bad config.json,
// no weights file (when required; else weightsFile stays empty), weights split into several files
// (not supported).
Result<TextModelFolder> describeTextModelFolder(const QString& folder,
                                                TextFolderWeights weights = TextFolderWeights::Required);

}  // namespace attune
