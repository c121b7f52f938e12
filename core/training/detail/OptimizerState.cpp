#include "core/training/detail/OptimizerState.h"

#include "core/models/detail/StateDict.h"

#include <sstream>
#include <string>
#include <type_traits>

namespace attune::detail {
namespace {

// LibTorch keys its optimiser state by the parameter's TensorImpl: a pointer in 2.x, the pointer's
// text (as an ostream prints it) in 1.13.
template <typename Key>
Key stateKey(const torch::Tensor& parameter) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << parameter.unsafeGetTensorImpl();
    return text.str();
  } else {
    return Key(parameter.unsafeGetTensorImpl());
  }
}

using StateMap = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>;
using StateKey = StateMap::key_type;

std::string prefixOf(size_t group, size_t index) {
  return "optim.g" + std::to_string(group) + ".p" + std::to_string(index) + ".";
}

torch::Tensor stepTensor(int64_t step) {
  return torch::full({}, step, torch::kInt64);
}

Error stateError(const QString& what) {
  return Error(ErrorCode::BadFormat,
               QStringLiteral("The saved optimiser state does not fit this run: %1.").arg(what),
               QStringLiteral("Start a new run instead of resuming this one."));
}

const TensorData* find(const TensorMap& tensors, const std::string& name) {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

Result<torch::Tensor> tensorLike(const TensorMap& tensors, const std::string& name,
                                 const torch::Tensor& like) {
  const TensorData* data = find(tensors, name);
  if (!data) return stateError(QStringLiteral("%1 is missing").arg(QString::fromStdString(name)));
  torch::Tensor t = toTensor(*data);
  if (t.sizes() != like.sizes())
    return stateError(QStringLiteral("%1 has another shape").arg(QString::fromStdString(name)));
  return t.to(like.options());
}

void put(TensorMap& out, const std::string& name, const torch::Tensor& tensor) {
  out[name] = toTensorData(tensor);
}
void put(TensorSources& out, const std::string& name, const torch::Tensor& tensor) {
  out[name] = tensorSource(tensor);
}

// Adam and AdamW keep the same fields in two unrelated classes.
template <typename State, typename Out>
void saveAdamState(const State& state, const std::string& prefix, const char* stepName, Out& out) {
  put(out, prefix + stepName, stepTensor(state.step()));
  put(out, prefix + "exp_avg", state.exp_avg());
  put(out, prefix + "exp_avg_sq", state.exp_avg_sq());
  if (state.max_exp_avg_sq().defined()) put(out, prefix + "max_exp_avg_sq", state.max_exp_avg_sq());
}

template <typename Out>
void saveState(torch::optim::Optimizer& optimizer, Out& out) {
  auto& state = optimizer.state();
  const auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      auto it = state.find(stateKey<StateKey>(params[i]));
      if (it == state.end()) continue;
      const std::string prefix = prefixOf(g, i);
      auto* base = it->second.get();
      if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(base)) {
        saveAdamState(*adam, prefix, "adam_step", out);
      } else if (auto* adamw = dynamic_cast<torch::optim::AdamWParamState*>(base)) {
        saveAdamState(*adamw, prefix, "adamw_step", out);
      } else if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(base)) {
        if (sgd->momentum_buffer().defined()) put(out, prefix + "momentum_buffer", sgd->momentum_buffer());
      }
    }
  }
}

template <typename State>
std::unique_ptr<State> makeAdamState(int64_t step, const torch::Tensor& expAvg, const torch::Tensor& expAvgSq,
                                     const torch::Tensor& maxExpAvgSq) {
  auto state = std::make_unique<State>();
  state->step(step);
  state->exp_avg(expAvg);
  state->exp_avg_sq(expAvgSq);
  if (maxExpAvgSq.defined()) state->max_exp_avg_sq(maxExpAvgSq);
  return state;
}

}  // namespace

void saveOptimizerState(torch::optim::Optimizer& optimizer, TensorMap& out) {
  saveState(optimizer, out);
}

void saveOptimizerState(torch::optim::Optimizer& optimizer, TensorSources& out) {
  saveState(optimizer, out);
}

Status restoreOptimizerState(torch::optim::Optimizer& optimizer, const TensorMap& tensors) {
  const bool isAdam = dynamic_cast<torch::optim::Adam*>(&optimizer) != nullptr;
  const bool isAdamW = dynamic_cast<torch::optim::AdamW*>(&optimizer) != nullptr;
  // Every saved name must belong to a parameter of this optimiser.
  size_t used = 0;
  StateMap restored;
  const auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string prefix = prefixOf(g, i);
      const torch::Tensor& p = params[i];
      if (isAdam || isAdamW) {
        const TensorData* step = find(tensors, prefix + (isAdam ? "adam_step" : "adamw_step"));
        if (!step) {
          if (find(tensors, prefix + (isAdam ? "adamw_step" : "adam_step")))
            return stateError(QStringLiteral("it was made by another optimiser"));
          continue;
        }
        auto expAvg = tensorLike(tensors, prefix + "exp_avg", p);
        if (!expAvg) return expAvg.error();
        auto expAvgSq = tensorLike(tensors, prefix + "exp_avg_sq", p);
        if (!expAvgSq) return expAvgSq.error();
        torch::Tensor maxSq;
        if (find(tensors, prefix + "max_exp_avg_sq")) {
          auto m = tensorLike(tensors, prefix + "max_exp_avg_sq", p);
          if (!m) return m.error();
          maxSq = *m;
          ++used;
        }
        const int64_t stepValue = toTensor(*step).item<int64_t>();
        used += 3;
        if (isAdam)
          restored[stateKey<StateKey>(p)] =
              makeAdamState<torch::optim::AdamParamState>(stepValue, *expAvg, *expAvgSq, maxSq);
        else
          restored[stateKey<StateKey>(p)] =
              makeAdamState<torch::optim::AdamWParamState>(stepValue, *expAvg, *expAvgSq, maxSq);
      } else {
        if (!find(tensors, prefix + "momentum_buffer")) {
          if (find(tensors, prefix + "exp_avg"))
            return stateError(QStringLiteral("it was made by another optimiser"));
          continue;
        }
        auto buffer = tensorLike(tensors, prefix + "momentum_buffer", p);
        if (!buffer) return buffer.error();
        ++used;
        auto s = std::make_unique<torch::optim::SGDParamState>();
        s->momentum_buffer(*buffer);
        restored[stateKey<StateKey>(p)] = std::move(s);
      }
    }
  }
  size_t saved = 0;
  for (const auto& [name, data] : tensors)
    if (name.compare(0, 6, "optim.") == 0) ++saved;
  if (saved != used)
    return stateError(QStringLiteral("it holds state for parameters this model does not have"));
  optimizer.state() = std::move(restored);
  return {};
}

TensorData cpuGeneratorState() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return toTensorData(generator.get_state());
}

Status restoreCpuGeneratorState(const TensorData& state) {
  torch::Tensor t = toTensor(state);
  if (t.scalar_type() != torch::kUInt8)
    return Error(ErrorCode::BadFormat, QStringLiteral("The saved random-number state is damaged."),
                 QStringLiteral("Start a new run instead of resuming this one."));
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  try {
    generator.set_state(t);
  } catch (const std::exception&) {
    return Error(ErrorCode::BadFormat, QStringLiteral("The saved random-number state is damaged."),
                 QStringLiteral("Start a new run instead of resuming this one."));
  }
  return {};
}

}  // namespace attune::detail
