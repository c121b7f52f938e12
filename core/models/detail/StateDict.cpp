#include "core/models/detail/StateDict.h"

#include "core/weights/WeightsFile.h"

#include <QStringList>

#include <bit>
#include <cstring>
#include <set>

namespace attune::detail {

// TensorData bytes are little-endian; tensors are copied to and from them byte for byte.
static_assert(std::endian::native == std::endian::little, "Attune assumes a little-endian host");

namespace {

constexpr int kKeysNamedInError = 3;
constexpr char kBatchCounterSuffix[] = ".num_batches_tracked";

torch::ScalarType scalarTypeOf(DType dtype) {
  switch (dtype) {
    case DType::F64:
      return torch::kFloat64;
    case DType::F32:
      return torch::kFloat32;
    case DType::F16:
      return torch::kFloat16;
    case DType::BF16:
      return torch::kBFloat16;
    case DType::I64:
      return torch::kInt64;
    case DType::I32:
      return torch::kInt32;
    case DType::I16:
      return torch::kInt16;
    case DType::I8:
      return torch::kInt8;
    case DType::U8:
      return torch::kUInt8;
    case DType::Bool:
      return torch::kBool;
  }
  TORCH_CHECK(false, "unknown DType ", static_cast<int>(dtype));
}

DType dtypeOf(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64:
      return DType::F64;
    case torch::kFloat32:
      return DType::F32;
    case torch::kFloat16:
      return DType::F16;
    case torch::kBFloat16:
      return DType::BF16;
    case torch::kInt64:
      return DType::I64;
    case torch::kInt32:
      return DType::I32;
    case torch::kInt16:
      return DType::I16;
    case torch::kInt8:
      return DType::I8;
    case torch::kUInt8:
      return DType::U8;
    case torch::kBool:
      return DType::Bool;
    default:
      break;
  }
  TORCH_CHECK(false, "tensors of type ", c10::toString(type), " cannot be stored as TensorData");
}

QString shapeText(c10::IntArrayRef shape) {
  QStringList dims;
  for (const int64_t dim : shape) dims << QString::number(dim);
  return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "a, b, c and 4 more"
QString firstFew(const QStringList& items) {
  QString text = items.mid(0, kKeysNamedInError).join(QStringLiteral(", "));
  if (items.size() > kKeysNamedInError)
    text += QStringLiteral(" and %1 more").arg(items.size() - kKeysNamedInError);
  return text;
}

Error mismatchError(const WeightLoadReport& report, HeadPolicy policy) {
  QStringList problems;
  if (!report.missing.isEmpty())
    problems << QStringLiteral("%1 of the model's tensors are not in the file (%2)")
                    .arg(report.missing.size())
                    .arg(firstFew(report.missing));
  if (!report.shapeMismatches.isEmpty())
    problems << QStringLiteral("%1 tensors have another shape (%2)")
                    .arg(report.shapeMismatches.size())
                    .arg(firstFew(report.shapeMismatches));
  const QString message = QStringLiteral("The weights do not fit this model: ") +
                          problems.join(QStringLiteral("; ")) + QLatin1Char('.');
  const QString hint =
      policy == HeadPolicy::ReplaceHead
          ? QStringLiteral(
                "These weights are for a different architecture; choose the matching architecture or "
                "another weights file.")
          : QStringLiteral(
                "This checkpoint was saved from a different model (another architecture or number of "
                "classes); choose the run it belongs to or start from pre-trained weights.");
  return Error(report.missing.isEmpty() ? ErrorCode::ShapeMismatch : ErrorCode::MissingKey, message, hint);
}

}  // namespace

torch::Tensor toTensor(const TensorData& data) {
  const auto type = scalarTypeOf(data.dtype);
  auto tensor = torch::empty(data.shape, torch::TensorOptions().dtype(type));
  const auto byteCount = static_cast<size_t>(tensor.numel()) * tensor.element_size();
  TORCH_CHECK(static_cast<size_t>(data.bytes.size()) == byteCount, "TensorData holds ", data.bytes.size(),
              " bytes, its shape and dtype need ", byteCount);
  if (byteCount > 0) std::memcpy(tensor.data_ptr(), data.bytes.constData(), byteCount);
  return tensor;
}

TensorData toTensorData(const torch::Tensor& tensor) {
  const auto dense = tensor.detach().to(torch::kCPU).contiguous();
  TensorData data;
  data.dtype = dtypeOf(dense.scalar_type());
  data.shape.assign(dense.sizes().begin(), dense.sizes().end());
  const auto byteCount = static_cast<qsizetype>(dense.numel() * dense.element_size());
  data.bytes = QByteArray(static_cast<const char*>(dense.data_ptr()), byteCount);
  return data;
}

TensorMap stateDictOf(const torch::nn::Module& module) {
  TensorMap result;
  for (const auto& item : module.named_parameters()) result.emplace(item.key(), toTensorData(item.value()));
  for (const auto& item : module.named_buffers()) result.emplace(item.key(), toTensorData(item.value()));
  return result;
}

TensorSource tensorSource(const torch::Tensor& tensor) {
  TensorSource source;
  const auto held = tensor.detach();
  source.dtype = dtypeOf(held.scalar_type());
  source.shape.assign(held.sizes().begin(), held.sizes().end());
  source.bytes = [held](QByteArray& scratch) {
    const auto byteCount = static_cast<qsizetype>(held.numel() * held.element_size());
    if (held.is_cpu() && held.is_contiguous())
      return QByteArrayView(static_cast<const char*>(held.data_ptr()), byteCount);
    const auto dense = held.to(torch::kCPU).contiguous();
    scratch = QByteArray(static_cast<const char*>(dense.data_ptr()), byteCount);
    return QByteArrayView(scratch);
  };
  return source;
}

TensorSources stateDictSources(const torch::nn::Module& module) {
  TensorSources result;
  for (const auto& item : module.named_parameters()) result.emplace(item.key(), tensorSource(item.value()));
  for (const auto& item : module.named_buffers()) result.emplace(item.key(), tensorSource(item.value()));
  return result;
}

Result<WeightLoadReport> loadStateDict(torch::nn::Module& module, const TensorMap& tensors,
                                       const std::string& headPrefix, HeadPolicy policy) {
  return loadStateDict(
      module, tensors,
      [&headPrefix](const std::string& name) { return name.compare(0, headPrefix.size(), headPrefix) == 0; },
      policy);
}

Result<WeightLoadReport> loadStateDict(torch::nn::Module& module, const TensorMap& tensors,
                                       const HeadNamePredicate& isHeadName, HeadPolicy policy) {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& item : module.named_parameters()) targets.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers()) targets.emplace_back(item.key(), item.value());

  WeightLoadReport report;
  std::vector<std::pair<torch::Tensor, const TensorData*>> copies;
  std::set<std::string> modelNames;
  for (const auto& [name, target] : targets) {
    modelNames.insert(name);
    if (policy == HeadPolicy::KeepHead && isHeadName(name)) {
      report.freshHead << QString::fromStdString(name);
      continue;
    }
    const bool freshHeadAllowed = policy == HeadPolicy::ReplaceHead && isHeadName(name);
    const auto found = tensors.find(name);
    if (found == tensors.end()) {
      if (freshHeadAllowed)
        report.freshHead << QString::fromStdString(name);
      else if (!endsWith(name, kBatchCounterSuffix))
        report.missing << QString::fromStdString(name);
      continue;
    }
    const auto& fileShape = found->second.shape;
    if (!std::equal(fileShape.begin(), fileShape.end(), target.sizes().begin(), target.sizes().end())) {
      if (freshHeadAllowed)
        report.freshHead << QString::fromStdString(name);
      else
        report.shapeMismatches << QString::fromStdString(name) + QStringLiteral(": file ") +
                                      shapeText(fileShape) + QStringLiteral(", model ") +
                                      shapeText(target.sizes());
      continue;
    }
    copies.emplace_back(target, &found->second);
  }
  for (const auto& item : tensors)
    if (!modelNames.contains(item.first) && !(policy == HeadPolicy::KeepHead && isHeadName(item.first)))
      report.unexpected << QString::fromStdString(item.first);

  if (!report.backboneComplete()) return mismatchError(report, policy);

  torch::NoGradGuard noGrad;
  for (auto& [target, data] : copies) target.copy_(toTensor(*data));  // converts dtype and device
  report.loadedCount = static_cast<int>(copies.size());
  return report;
}

Result<WeightLoadReport> loadWeightsFile(torch::nn::Module& module, const QString& path,
                                         const std::string& headPrefix, HeadPolicy policy) {
  auto content = readWeightsFile(path);
  if (!content) return content.error();
  return loadStateDict(module, content->tensors, headPrefix, policy);
}

}  // namespace attune::detail
