#include "core/weights/NetworkPolicy.h"

#include <QByteArray>

#include <atomic>

namespace attune {

namespace {

std::atomic<NetworkMode> g_programmatic_mode{NetworkMode::Online};

// huggingface_hub reads its boolean variables this way ("1", "ON", "YES", "TRUE"); do the same so
// one setting means the same thing to both.
bool envFlagSet(const char* name) {
  const QByteArray value = qgetenv(name).trimmed().toUpper();
  return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

}  // namespace

void NetworkPolicy::setMode(NetworkMode mode) {
  g_programmatic_mode.store(mode);
}

NetworkMode NetworkPolicy::programmaticMode() {
  return g_programmatic_mode.load();
}

QString NetworkPolicy::offlineReason() {
  if (envFlagSet("ATTUNE_OFFLINE")) return QStringLiteral("ATTUNE_OFFLINE");
  if (envFlagSet("HF_HUB_OFFLINE")) return QStringLiteral("HF_HUB_OFFLINE");
  if (g_programmatic_mode.load() == NetworkMode::Offline) return QStringLiteral("offline mode");
  return {};
}

}  // namespace attune
