#include "core/training/detail/GradientStep.h"

#include <atomic>
#include <cmath>
#include <stdexcept>

namespace attune::detail {
namespace {

namespace F = torch::nn::functional;

class SimulatedOutOfMemory : public std::runtime_error {
 public:
  SimulatedOutOfMemory() : std::runtime_error("out of memory (simulated by fault injection)") {}
};

std::atomic<int64_t> g_stepResultReads{0};

bool isOutOfMemory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return true;
  const QString text = QString::fromUtf8(e.what());
  return text.contains(QLatin1String("out of memory"), Qt::CaseInsensitive) ||
         text.contains(QLatin1String("can't allocate memory"), Qt::CaseInsensitive) ||
         text.contains(QLatin1String("not enough memory"), Qt::CaseInsensitive);
}

}  // namespace

GradientStep::GradientStep(const TrainingConfig& config, const std::vector<BoundLayerGroup>& groups,
                           const std::vector<ParameterGroup>& paramGroups, torch::optim::Optimizer& optimizer,
                           const torch::Device& device, GradientFaults faults, QString items,
                           bool checksOnDevice)
    : m_config(config),
      m_paramGroups(paramGroups),
      m_optimizer(optimizer),
      m_device(device),
      m_faults(faults),
      m_items(std::move(items)),
      m_checksOnDevice(checksOnDevice) {
  if (m_config.l2sp <= 0.0) return;
  torch::NoGradGuard noGrad;
  for (const auto& group : groups) {
    if (group.plan.isHead) continue;
    for (const auto& p : group.parameters) {
      m_l2spParams.push_back(p);
      m_l2spReference.push_back(p.detach().clone());
    }
  }
}

StepGradients GradientStep::compute(std::vector<TensorBatch>& window, const Logits& logitsOf,
                                    const F::CrossEntropyFuncOptions& lossOptions, int& microBatch,
                                    const Warn& warn) {
  StepGradients out;
  int64_t largest = 0;
  for (const auto& b : window) {
    out.examples += b.count;
    largest = std::max(largest, b.count);
  }
  ++m_attempts;
  // Grad mode is thread-local: whatever the calling thread set, the step computes gradients.
  torch::AutoGradMode gradMode(true);
  for (;;) {
    try {
      accumulate(window, out.examples, logitsOf, lossOptions, microBatch, out);
      break;
    } catch (const std::exception& e) {
      if (!isOutOfMemory(e)) throw;
      const int64_t current = microBatch > 0 ? microBatch : largest;
      if (current <= 1) throw;
      microBatch = int((current + 1) / 2);
      const int64_t passes = (largest + microBatch - 1) / microBatch;
      warn(QStringLiteral("Not enough memory for %1 %5 at once: Attune now computes %2 at a time and adds up "
                          "their gradients (%3 passes per batch), so every step still learns from %4 %5.")
               .arg(current)
               .arg(microBatch)
               .arg(passes * m_config.accumulateSteps)
               .arg(m_config.batchSize * m_config.accumulateSteps)
               .arg(m_items));
    }
  }
  const auto check = std::chrono::steady_clock::now();
  injectNonFiniteGradients();
  applyL2Sp();
  const torch::Tensor norm = clipOrMeasure();
  out.lossFinite = torch::isfinite(out.lossSum);
  out.gradientsFinite = norm.defined()
                            ? torch::isfinite(norm)
                            : torch::ones({}, torch::TensorOptions().dtype(torch::kBool).device(m_device));
  if (m_checksOnDevice) {
    zeroIfNotFinite(out);
    out.verdict = StepGradients::Verdict::Unknown;
    out.loss = std::nan("");
  } else {
    // One read per step: the loss and both flags together.
    const auto host = torch::stack({out.lossSum, out.lossFinite.to(torch::kFloat64),
                                    out.gradientsFinite.to(torch::kFloat64)})
                          .to(torch::kCPU);
    countStepResultRead();
    const auto values = host.accessor<double, 1>();
    out.loss = values[0];
    if (values[1] == 0.0 || !std::isfinite(out.loss))
      out.verdict = StepGradients::Verdict::LossNotFinite;
    else if (values[2] == 0.0)
      out.verdict = StepGradients::Verdict::GradientsNotFinite;
  }
  out.checkMs = msSince(check);
  return out;
}

void GradientStep::accumulate(std::vector<TensorBatch>& window, int64_t total, const Logits& logitsOf,
                              const F::CrossEntropyFuncOptions& lossOptions, int microBatch,
                              StepGradients& out) {
  m_optimizer.zero_grad();
  out.lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
  out.correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(m_device));
  for (auto& b : window) {
    const int64_t micro = microBatch > 0 ? std::min<int64_t>(microBatch, b.count) : b.count;
    for (int64_t start = 0; start < b.count; start += micro) {
      const int64_t n = std::min(micro, b.count - start);
      if (m_faults.simulateOutOfMemoryAbove > 0 && n > m_faults.simulateOutOfMemoryAbove)
        throw SimulatedOutOfMemory();
      auto inputs = n == b.count ? b.inputs : b.inputs.narrow(0, start, n);
      auto labels = n == b.count ? b.labels : b.labels.narrow(0, start, n);
      const auto forward = std::chrono::steady_clock::now();
      auto logits = logitsOf(inputs);
      auto loss = F::cross_entropy(logits, labels, lossOptions);
      if (n != total) loss = loss * (double(n) / double(total));
      // Not read here: a loss that is not a finite number makes gradients that are not either, and
      // compute() finds both once the step's passes are done.
      out.forwardMs += msSince(forward);
      const auto backward = std::chrono::steady_clock::now();
      loss.backward();
      out.backwardMs += msSince(backward);
      out.lossSum += loss.detach().to(torch::kFloat64);
      out.correct += logits.detach().argmax(1).eq(labels).sum();
    }
  }
}

void GradientStep::injectNonFiniteGradients() {
  if (m_faults.nonFiniteGradientsFrom <= 0 || m_attempts < m_faults.nonFiniteGradientsFrom ||
      m_attempts >= m_faults.nonFiniteGradientsFrom + m_faults.nonFiniteGradientsCount)
    return;
  torch::NoGradGuard noGrad;
  for (const auto& group : m_paramGroups)
    for (const auto& p : group.parameters)
      if (p.grad().defined()) p.mutable_grad().fill_(std::nan(""));
}

void GradientStep::applyL2Sp() {
  if (m_l2spParams.empty()) return;
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < m_l2spParams.size(); ++i) {
    auto& p = m_l2spParams[i];
    if (!p.requires_grad() || !p.grad().defined()) continue;
    p.mutable_grad().add_(p.detach() - m_l2spReference[i], m_config.l2sp);
  }
}

// The gradients' global L2 norm (float32, on the device; undefined without gradients), and with
// config.clipGradNorm > 0 the gradients scaled by min(1, max / (norm + 1e-6)), PyTorch's
// clip_grad_norm_ formula, without reading the norm on the host.
torch::Tensor GradientStep::clipOrMeasure() {
  std::vector<torch::Tensor> grads;
  for (const auto& group : m_paramGroups)
    for (const auto& p : group.parameters)
      if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return {};
  std::vector<torch::Tensor> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(g.detach().to(torch::kFloat32).norm());
  torch::Tensor total = norms.size() == 1 ? norms.front() : torch::stack(norms).norm();
  if (m_config.clipGradNorm > 0.0) {
    torch::NoGradGuard noGrad;
    const auto coefficient = torch::clamp_max(m_config.clipGradNorm / (total + 1e-6), 1.0);
    for (auto& g : grads) g.mul_(coefficient);
  }
  return total;
}

// Checks on the device: a step whose loss or gradients are not finite numbers keeps its place but
// learns nothing from its batch (zero gradients), decided on the device without a wait.
void GradientStep::zeroIfNotFinite(const StepGradients& step) {
  torch::NoGradGuard noGrad;
  const auto notFinite = torch::logical_not(torch::logical_and(step.lossFinite, step.gradientsFinite));
  for (const auto& group : m_paramGroups)
    for (const auto& p : group.parameters)
      if (p.grad().defined()) p.mutable_grad().masked_fill_(notFinite, 0.0);
}

bool stepChecksOnDevice(const torch::Device& device) {
  const QByteArray chosen = qgetenv("ATTUNE_STEP_CHECKS").trimmed().toLower();
  if (chosen == "device") return true;
  if (chosen == "host") return false;
  return !device.is_cpu();
}

int64_t stepResultReads() {
  return g_stepResultReads.load();
}
void countStepResultRead() {
  ++g_stepResultReads;
}

}  // namespace attune::detail
