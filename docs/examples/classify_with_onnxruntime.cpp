// Classify a prepared image tensor with an Attune ONNX export through ONNX Runtime's C++ API.
// Build: g++ -std=c++17 classify_with_onnxruntime.cpp -lonnxruntime (ONNX Runtime's release archive).
#include <onnxruntime_cxx_api.h>
#include <iostream>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) return 2;                     // usage: classify_with_onnxruntime EXPORT_FOLDER/model.onnx
  const int64_t size = 224;                    // attune-export.json: input.size
  std::vector<float> pixels(3 * size * size);  // fill: RGB / 255, minus mean, over std, channel by channel
  Ort::Env env;
  Ort::Session session(env, argv[1], Ort::SessionOptions());
  const int64_t shape[] = {1, 3, size, size};
  auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Value input = Ort::Value::CreateTensor<float>(memory, pixels.data(), pixels.size(), shape, 4);
  const char* inputs[] = {"pixel_values"};
  const char* outputs[] = {"probabilities"};
  auto result = session.Run(Ort::RunOptions(), inputs, &input, 1, outputs, 1);
  const float* p = result[0].GetTensorData<float>();
  const size_t classes = result[0].GetTensorTypeAndShapeInfo().GetShape()[1];
  for (size_t c = 0; c < classes; ++c) std::cout << c << ": " << p[c] << "\n";  // labels.txt, line c + 1
}
