#include "app/cli/InterruptGuard.h"

namespace attune::cli {
namespace {

// A handler may only touch lock-free atomics.
static_assert(std::atomic<bool>::is_always_lock_free);
std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int) {
  g_interrupted.store(true);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the kernel puts the default action back as it runs the handler, so a second Ctrl-C
  // ends the process. SA_RESTART: a read or wait that the first one interrupts goes on instead of
  // failing with EINTR in the middle of the work.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, &m_previous);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &m_previous, nullptr);
}

const std::atomic<bool>& InterruptGuard::stopFlag() const {
  return g_interrupted;
}

}  // namespace attune::cli
