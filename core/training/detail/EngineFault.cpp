#include "core/training/detail/EngineFault.h"

#include <torch/torch.h>

#include <QByteArrayList>
#include <QtGlobal>

namespace attune::detail {

void injectEngineFault(EngineFaultSite site) {
  static constexpr const char* kSiteNames[] = {"predict", "lr_find", "evaluate",
                                               "suggest", "export",  "prepare"};
  const QByteArray sites = qgetenv("ATTUNE_FAULT_ENGINE");
  if (sites.isEmpty()) return;
  if (!sites.split(',').contains(QByteArray(kSiteNames[int(site)]))) return;
  // Six elements viewed as five: LibTorch throws "shape '[5]' is invalid for input of size 6".
  const torch::Tensor invalid = torch::zeros({2, 3}).view({5});
  Q_UNUSED(invalid);
}

}  // namespace attune::detail
