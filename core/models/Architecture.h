#pragma once
// The image and text architectures Attune can build, described without any LibTorch type.

#include "core/data/ImageTransform.h"

#include <QString>

#include <vector>

namespace attune {

enum class InputKind { Image, Text };

struct ArchitectureInfo {
  QString id;           // "resnet18", ..., "vit_b_16" (torchvision's ids), or "tfjs"
  QString displayName;  // "ResNet-18"
  int inputSize = 224;  // the side the architecture was pre-trained at
  Normalization normalization;
  QString headPrefix;   // parameter-name prefix of the classification head: "fc." / "classifier.1."
  QString description;  // one plain sentence for the GUI
  InputKind input = InputKind::Image;
};

// Text architectures: their weights are a Hugging Face model folder (BERT, DistilBERT) or a word-vector
// file (installer/convert_glove.py).
inline constexpr char kBertArchitecture[] = "bert";
inline constexpr char kDistilBertArchitecture[] = "distilbert";
inline constexpr char kWordVectorArchitecture[] = "word_vectors";

// The id of a model read from a Keras/TF.js export (its folder is the config's weights).
inline constexpr char kTfjsArchitecture[] = "tfjs";

// Whether a trained model of `architecture` still needs the files it was built from: its word list
// (word vectors), tokenizer and configuration (BERT, DistilBERT) or topology (Keras/TF.js). The
// catalog's image models need none once trained: a checkpoint holds every tensor.
bool needsItsPretrainedFiles(const QString& architecture);

const std::vector<ArchitectureInfo>& architectures();
// nullptr when the id is unknown.
const ArchitectureInfo* findArchitecture(const QString& id);

}  // namespace attune
