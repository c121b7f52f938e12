#pragma once
// A linear layer (torch::nn::Linear's parameters, names and initialisation) whose matrix products on
// the CPU in float32 are computed by oneDNN's sgemm when LibTorch has loaded oneDNN, instead of the
// BLAS library LibTorch uses for torch::linear.
//
// Why: LibTorch 1.13 computes float32 linear layers with the system's BLAS (Debian: OpenBLAS), whose
// kernels are chosen when it is loaded, from the CPU model it recognises or from OPENBLAS_CORETYPE.
// oneDNN, which LibTorch already uses for convolutions, compiles its kernels for the CPU it runs on.
// On a 2-vCPU AMD EPYC (Zen 4) whose environment sets OPENBLAS_CORETYPE=Haswell (AVX2 only), oneDNN's
// sgemm ran a 1184x768x3072 product at about 310 GFLOP/s against OpenBLAS's 180; with OpenBLAS's own
// choice (its AVX-512 kernels) both ran at about 320. Transformers (ViT, BERT, DistilBERT) spend most
// of their time in these products.
//
// Elsewhere (a CUDA tensor, bfloat16 autocast, another dtype, no oneDNN symbol in the process, or
// ATTUNE_ONEDNN_GEMM=off in the environment) it computes torch::linear, so it is always a drop-in
// replacement. Gradients: the input's, the weight's and the bias's, each only when needed.

#include <torch/torch.h>

namespace attune::detail {

// y = x W^T + b over the last dimension of x (b may be undefined), as torch::linear.
torch::Tensor denseLinear(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias);

// Whether oneDNN's sgemm was found in this process and is not turned off.
bool oneDnnGemmAvailable();

class DenseImpl : public torch::nn::LinearImpl {
 public:
  using LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& input) { return denseLinear(input, weight, bias); }
};
TORCH_MODULE(Dense);

}  // namespace attune::detail
