#include "core/models/detail/Dense.h"

#include <ATen/autocast_mode.h>

#include <cstdlib>
#include <string_view>

#include <dlfcn.h>

// LibTorch 2.4 replaced the per-device autocast queries by one taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define ATTUNE_DENSE_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace attune::detail {
namespace {

// oneDNN's C function (dnnl.h): C = alpha * op(A) op(B) + beta * C, row-major, op = 'N' or 'T'.
using Sgemm = int (*)(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                      int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

Sgemm findSgemm() {
  const char* setting = std::getenv("ATTUNE_ONEDNN_GEMM");
  if (setting != nullptr && std::string_view(setting) == "off") return nullptr;
  // Only a oneDNN that LibTorch already loaded (Debian's libdnnl.so.2); LibTorch builds that carry
  // oneDNN inside their own library do not export it, and the layer then uses torch::linear.
  void* library = ::dlopen("libdnnl.so.2", RTLD_LAZY | RTLD_NOLOAD);
  if (library == nullptr) return nullptr;
  auto sgemm = reinterpret_cast<Sgemm>(::dlsym(library, "dnnl_sgemm"));
  ::dlclose(library);  // still loaded: LibTorch holds it
  return sgemm;
}

Sgemm sgemm() {
  static const Sgemm kSgemm = findSgemm();
  return kSgemm;
}

bool cpuAutocastOn() {
#ifdef ATTUNE_DENSE_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(at::kCPU);
#else
  return at::autocast::is_cpu_enabled();
#endif
}

void gemm(char transa, char transb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int status = sgemm()(transa, transb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  TORCH_CHECK(status == 0, "oneDNN's matrix product failed (status ", status, ")");
}

// x2 [M, K] (contiguous), weight [N, K] (contiguous), bias [N] or undefined -> [M, N].
torch::Tensor forwardProduct(const torch::Tensor& x2, const torch::Tensor& weight,
                             const torch::Tensor& bias) {
  const int64_t m = x2.size(0), k = x2.size(1), n = weight.size(0);
  torch::Tensor out;
  float beta = 0.0f;
  if (bias.defined()) {
    // The product is added to rows holding the bias. A new tensor each time: contiguous() of the
    // expanded bias would be the bias itself when there is one row, and the product would land in it.
    out = torch::empty({m, n}, x2.options()).copy_(bias.expand({m, n}));
    beta = 1.0f;
  } else {
    out = torch::empty({m, n}, x2.options());
  }
  if (m > 0 && n > 0 && k > 0)
    gemm('N', 'T', m, n, k, x2.data_ptr<float>(), k, weight.data_ptr<float>(), k, beta, out.data_ptr<float>(),
         n);
  else if (!bias.defined())
    out.zero_();
  return out;
}

class DenseFunction : public torch::autograd::Function<DenseFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x2,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    ctx->save_for_backward({x2, weight});
    return forwardProduct(x2, weight, bias);
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x2 = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor gradOut = grads[0].contiguous();
    const int64_t m = x2.size(0), k = x2.size(1), n = weight.size(0);
    torch::Tensor gradInput, gradWeight, gradBias;
    if (ctx->needs_input_grad(0)) {  // [M, N] x [N, K]
      gradInput = torch::empty({m, k}, x2.options());
      if (m > 0 && k > 0 && n > 0)
        gemm('N', 'N', m, k, n, gradOut.data_ptr<float>(), n, weight.data_ptr<float>(), k, 0.0f,
             gradInput.data_ptr<float>(), k);
      else
        gradInput.zero_();
    }
    if (ctx->needs_input_grad(1)) {  // [N, M] x [M, K]
      gradWeight = torch::empty({n, k}, weight.options());
      if (m > 0 && k > 0 && n > 0)
        gemm('T', 'N', n, k, m, gradOut.data_ptr<float>(), n, x2.data_ptr<float>(), k, 0.0f,
             gradWeight.data_ptr<float>(), k);
      else
        gradWeight.zero_();
    }
    if (ctx->needs_input_grad(2)) gradBias = gradOut.sum(0);
    return {gradInput, gradWeight, gradBias};
  }
};

bool fastPathApplies(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (sgemm() == nullptr || cpuAutocastOn()) return false;
  const auto cpuFloat = [](const torch::Tensor& t) {
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.layout() == torch::kStrided;
  };
  return input.dim() >= 1 && weight.dim() == 2 && cpuFloat(input) && cpuFloat(weight) &&
         (!bias.defined() || (cpuFloat(bias) && bias.dim() == 1));
}

}  // namespace

bool oneDnnGemmAvailable() {
  return sgemm() != nullptr;
}

torch::Tensor denseLinear(const torch::Tensor& input, const torch::Tensor& weight,
                          const torch::Tensor& bias) {
  if (!fastPathApplies(input, weight, bias)) return torch::linear(input, weight, bias);
  const int64_t features = input.size(-1);
  TORCH_CHECK(features == weight.size(1), "a linear layer for ", weight.size(1), " features was given ",
              features);
  auto sizes = input.sizes().vec();
  const auto x2 = input.reshape({-1, features}).contiguous();
  sizes.back() = weight.size(0);
  // autograd::Function takes defined tensors only: no bias is a zero bias that needs no gradient.
  const auto b = bias.defined() ? bias.contiguous() : torch::zeros({weight.size(0)}, weight.options());
  return DenseFunction::apply(x2, weight.contiguous(), b).view(sizes);
}

}  // namespace attune::detail
