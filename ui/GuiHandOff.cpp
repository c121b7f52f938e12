#include "ui/GuiHandOff.h"

#include <mutex>

namespace attune::ui {
namespace {

std::mutex& handOffMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

void postToGui(QObject* receiver, std::function<void()> call) {
  // Held while Qt allocates and queues the event: its memory and `call`'s are the worker's writes that
  // the receiving thread's lock below orders before the call (and before the event's deletion after it).
  std::lock_guard lock(handOffMutex());
  QMetaObject::invokeMethod(
      receiver,
      [call = std::move(call)] {
        { std::lock_guard received(handOffMutex()); }
        call();
      },
      Qt::QueuedConnection);
}

}  // namespace attune::ui
