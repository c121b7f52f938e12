#pragma once
// Internal (includes LibTorch): a whole classifier as one ONNX file, with its inputs and outputs named
// for the people who run it elsewhere:
//   image models  pixel_values float32 [batch, 3, height, width], normalised exactly as the model takes it
//   text models   input_ids int64 [batch, sequence] and attention_mask int64 [batch, sequence]
//                 (1 at real tokens, 0 at padding), as Hugging Face's tokenizers give them
//   both          logits float32 [batch, classes] and probabilities float32 [batch, classes] (softmax)

#include "core/models/detail/ImageClassifier.h"

#include <string>
#include <utility>
#include <vector>

namespace attune::detail {

inline constexpr char kOnnxImageInput[] = "pixel_values";
inline constexpr char kOnnxTokenInput[] = "input_ids";
inline constexpr char kOnnxMaskInput[] = "attention_mask";

struct OnnxModelSpec {
  bool text = false;
  int64_t imageHeight = 224;  // image models
  int64_t imageWidth = 224;
  int64_t imageChannels = 3;  // a Keras model may take others
  int64_t classes = 0;
  std::string name = "attune_classifier";
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata_props
};

// The bytes of model.onnx, checked by ONNX's checker with full shape inference. Throws OnnxUnsupported
// (naming the layer or the checker's reason) when the model cannot be written as ONNX.
std::string modelToOnnx(const ImageClassifierImpl& model, const OnnxModelSpec& spec);

}  // namespace attune::detail
