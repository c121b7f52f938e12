#pragma once
// Read-only lookup in torch.hub's checkpoint folder, where torchvision's `weights=` downloads land
// (file names such as "resnet18-f37072fd.pth"). Attune never writes into it.

#include <QString>

#include <optional>

namespace attune {

class TorchHubCache {
 public:
  explicit TorchHubCache(QString root = defaultRoot());

  // $TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/hub/checkpoints, else
  // ~/.cache/torch/hub/checkpoints (torch.hub.get_dir()'s rule).
  static QString defaultRoot();
  const QString& root() const { return m_root; }

  // The file (symlinks resolved) when present; nothing for names with a path in them.
  std::optional<QString> find(const QString& fileName) const;

 private:
  QString m_root;
};

}  // namespace attune
