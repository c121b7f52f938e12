#pragma once
// Whether Attune may use the network. Offline when the environment says so (ATTUNE_OFFLINE=1, or
// HF_HUB_OFFLINE=1 which Hugging Face users already set for the same purpose) or when the
// application switched it off. Under it the Downloader creates no network request at all.

#include <QString>

namespace attune {

enum class NetworkMode { Online, Offline };

class NetworkPolicy {
 public:
  // The programmatic switch (e.g. a "work offline" setting). The environment still wins: a process
  // started with ATTUNE_OFFLINE=1 stays offline.
  static void setMode(NetworkMode mode);
  static NetworkMode programmaticMode();

  static bool isOffline() { return !offlineReason().isEmpty(); }
  // Why Attune is offline: "ATTUNE_OFFLINE", "HF_HUB_OFFLINE" or "offline mode"; empty when online.
  static QString offlineReason();
};

}  // namespace attune
