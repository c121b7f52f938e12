#pragma once
// Ctrl-C during a long command (train, lr-find). The first one asks the work to stop at its next step
// (training saves a checkpoint first) through a flag that the command hands to the engine; a second one
// ends the process at once, as Ctrl-C does anywhere else.

#include <signal.h>

#include <atomic>

namespace attune::cli {

// Handles SIGINT while it lives and puts the previous handler back when it ends. One guard at a time:
// a signal handler can reach only process-wide state, so the guards share one flag.
class InterruptGuard {
 public:
  InterruptGuard();  // the flag starts cleared
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Set by the first Ctrl-C.
  const std::atomic<bool>& stopFlag() const;
  bool interrupted() const { return stopFlag().load(); }

 private:
  struct sigaction m_previous {};
};

}  // namespace attune::cli
