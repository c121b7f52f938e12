#include "core/training/detail/ComputeProbe.h"

#include "core/common/AppFolders.h"
#include "core/common/AtomicFile.h"
#include "core/common/BoundedJson.h"
#include "core/common/FileRead.h"
#include "core/training/Runtime.h"
#include "core/training/detail/Autocast.h"

#include <ATen/CPUGeneratorImpl.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <chrono>
#include <limits>
#include <map>
#include <mutex>

namespace attune::detail {
namespace {

constexpr double kFasterBy = 0.95;      // another way must take at most 95% of the default's time
constexpr double kLongPassMs = 3000.0;  // a pass this long is timed once, not twice
constexpr int kMaxProbeExamples = 16;
constexpr int kMinConvolutions = 8;  // 4-d weights: fewer (a ViT's patch layer) gain nothing from NHWC

QString cpuModelName() {
  // /proc files report no size: read until the end, not while !atEnd().
  QFile file(QStringLiteral("/proc/cpuinfo"));
  if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("unknown CPU");
  for (const QByteArray& line : file.read(1 << 20).split('\n'))
    if (line.startsWith("model name")) return QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
  return QStringLiteral("unknown CPU");
}

QString choicesFile() {
  return QDir(attuneCacheFolder()).filePath(QStringLiteral("compute-choices.json"));
}

std::mutex g_choicesMutex;

nlohmann::json readChoices() {
  auto bytes = readRegularFile(choicesFile(), kMaxSmallJsonBytes, QStringLiteral("compute choices"));
  if (!bytes) return nlohmann::json::object();
  auto json = parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), 4);
  return json.is_object() ? json : nlohmann::json::object();
}

// This process's own choices come first: another process may write the file meanwhile, and two runs
// in one process must compute alike.
std::map<std::string, ComputeChoice> g_choicesMade;

std::optional<ComputeChoice> knownChoice(const std::string& key) {
  std::lock_guard<std::mutex> lock(g_choicesMutex);
  if (const auto made = g_choicesMade.find(key); made != g_choicesMade.end()) return made->second;
  const auto json = readChoices();
  const auto it = json.find(key);
  if (it == json.end() || !it->is_object()) return std::nullopt;
  const auto bf16 = it->find("bf16");
  const auto channelsLast = it->find("channels_last");
  if (bf16 == it->end() || !bf16->is_boolean() || channelsLast == it->end() || !channelsLast->is_boolean())
    return std::nullopt;
  const ComputeChoice choice{bf16->get<bool>(), channelsLast->get<bool>(), {}};
  g_choicesMade[key] = choice;
  return choice;
}

// A choice that cannot be kept (a read-only cache folder) only means the next run measures again.
void keepChoice(const std::string& key, const ComputeChoice& choice) {
  std::lock_guard<std::mutex> lock(g_choicesMutex);
  g_choicesMade[key] = choice;
  auto json = readChoices();
  json[key] = {{"bf16", choice.bf16}, {"channels_last", choice.channelsLast}};
  QDir().mkpath(QFileInfo(choicesFile()).absolutePath());
  (void)AtomicFile::writeFile(choicesFile(), QByteArray::fromStdString(json.dump(1)));
}

QString computeFormatName(bool bf16, bool channelsLast) {
  QString text = bf16 ? QStringLiteral("bfloat16") : QStringLiteral("float32");
  if (channelsLast) text += QStringLiteral(" channels-last");
  return text;
}

// The model's buffers (BatchNorm's statistics), the random generator and the training mode, put back
// after the probe's passes.
class ModelSnapshot {
 public:
  explicit ModelSnapshot(ImageClassifierImpl& model) : m_model(model), m_training(model.is_training()) {
    torch::NoGradGuard noGrad;
    for (const auto& b : model.named_buffers()) m_buffers.emplace_back(b.value(), b.value().clone());
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    m_random = generator.get_state();
  }
  void restore() {
    torch::NoGradGuard noGrad;
    for (auto& [buffer, saved] : m_buffers) buffer.copy_(saved);
    for (auto& p : m_model.parameters())
      if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(m_random);
    m_model.train(m_training);
  }

 private:
  ImageClassifierImpl& m_model;
  bool m_training;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> m_buffers;
  torch::Tensor m_random;
};

}  // namespace

QString computeChoicesFile() {
  return choicesFile();
}

void forgetComputeChoices() {
  std::lock_guard<std::mutex> lock(g_choicesMutex);
  g_choicesMade.clear();
}

void setChannelsLast(ImageClassifierImpl& model, bool channelsLast) {
  torch::NoGradGuard noGrad;
  const auto format = channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  for (auto& p : model.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(format));
  for (auto& b : model.buffers())
    if (b.dim() == 4) b.set_data(b.data().contiguous(format));
}

ComputeProbeRequest computeProbeRequest(const ImageClassifierImpl& model, bool autoPrecision, bool images,
                                        const torch::Device& device) {
  ComputeProbeRequest request;
  if (!device.is_cpu() || qgetenv("ATTUNE_COMPUTE_PROBE").trimmed().toLower() == "off") return request;
  request.tryBFloat16 = autoPrecision && cpuHasNativeBFloat16();
  int convolutions = 0;
  for (const auto& p : model.parameters())
    if (p.dim() == 4) ++convolutions;
  request.tryChannelsLast = images && convolutions >= kMinConvolutions;
  return request;
}

ComputeChoice chooseComputeFormat(ImageClassifierImpl& model, const torch::Tensor& inputs,
                                  const torch::Tensor& labels, const ComputeProbeRequest& request) {
  ComputeChoice choice;
  if ((!request.tryBFloat16 && !request.tryChannelsLast) || !inputs.defined() || inputs.size(0) == 0)
    return choice;
  const int64_t examples = std::min<int64_t>(inputs.size(0), kMaxProbeExamples);
  const std::string key =
      QStringLiteral("%1|%2 threads|LibTorch %3.%4.%5|%6|%7 examples|%8%9%10")
          .arg(cpuModelName())
          .arg(at::get_num_threads())
          .arg(TORCH_VERSION_MAJOR)
          .arg(TORCH_VERSION_MINOR)
          .arg(TORCH_VERSION_PATCH)
          .arg(request.key)
          .arg(examples)
          .arg(request.withBackward ? QStringLiteral("training") : QStringLiteral("features"))
          .arg(request.tryBFloat16 ? QStringLiteral("|bfloat16?") : QString())
          .arg(request.tryChannelsLast ? QStringLiteral("|channels-last?") : QString())
          .toStdString();
  if (auto known = knownChoice(key)) {
    choice = *known;
    setChannelsLast(model, choice.channelsLast);
    choice.message =
        QStringLiteral("Computing in %1, as measured for this model on this computer before (%2).")
            .arg(computeFormatName(choice.bf16, choice.channelsLast), choicesFile());
    return choice;
  }

  const auto x = inputs.narrow(0, 0, examples);
  const auto y = labels.narrow(0, 0, examples);
  const torch::Device device = inputs.device();
  ModelSnapshot snapshot(model);
  const auto pass = [&](bool bf16, const torch::Tensor& batch) {
    if (!request.withBackward) {
      torch::NoGradGuard noGrad;
      AutocastGuard autocast(bf16, device);
      (void)model.forward(batch);
      return;
    }
    torch::AutoGradMode grad(true);
    torch::Tensor logits;
    {
      AutocastGuard autocast(bf16, device);
      logits = model.forward(batch).to(torch::kFloat32);
    }
    torch::nn::functional::cross_entropy(logits, y).backward();
  };
  struct Candidate {
    bool bf16;
    bool channelsLast;
    double ms = std::numeric_limits<double>::infinity();
  };
  std::vector<Candidate> candidates{{false, false}};
  if (request.tryBFloat16) candidates.push_back({true, false});
  if (request.tryChannelsLast) candidates.push_back({false, true});
  if (request.tryBFloat16 && request.tryChannelsLast) candidates.push_back({true, true});
  model.train(request.withBackward);
  for (auto& c : candidates) {
    setChannelsLast(model, c.channelsLast);
    const auto batch = c.channelsLast && x.dim() == 4 ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
    const auto warmUp = std::chrono::steady_clock::now();
    pass(c.bf16, batch);  // first use: kernels chosen, memory allocated
    const bool longPass =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - warmUp).count() >
        kLongPassMs;
    for (int i = 0; i < (longPass ? 1 : 2); ++i) {
      const auto start = std::chrono::steady_clock::now();
      pass(c.bf16, batch);
      c.ms = std::min(
          c.ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    snapshot.restore();
    model.train(request.withBackward);
  }
  snapshot.restore();
  // The passes' activations were for the probe's batch: the run's own sizes come next.
  releaseCachedCpuMemory();
  const Candidate* best = &candidates.front();
  for (const auto& c : candidates)
    if (c.ms < best->ms) best = &c;
  if (best->ms > kFasterBy * candidates.front().ms) best = &candidates.front();
  choice.bf16 = best->bf16;
  choice.channelsLast = best->channelsLast;
  setChannelsLast(model, choice.channelsLast);
  keepChoice(key, choice);

  QStringList times;
  for (const auto& c : candidates)
    times << QStringLiteral("%1 %2 ms").arg(computeFormatName(c.bf16, c.channelsLast)).arg(qRound(c.ms));
  choice.message =
      QStringLiteral("Measured on this processor (%1 %2, %3): %4 per pass. Attune computes in %5%6.")
          .arg(examples)
          .arg(examples == 1 ? QStringLiteral("example") : QStringLiteral("examples"))
          .arg(request.withBackward ? QStringLiteral("forward and backward") : QStringLiteral("forward only"))
          .arg(times.join(QStringLiteral(", ")), computeFormatName(choice.bf16, choice.channelsLast))
          .arg(best == &candidates.front() && candidates.size() > 1
                   ? QStringLiteral(": no other way was at least 5% faster")
                   : QString());
  return choice;
}

}  // namespace attune::detail
