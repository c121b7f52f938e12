#pragma once
// Hands work from worker threads to the GUI thread so that everything a worker did before is visible
// there, in a way ThreadSanitizer can check (tests/sanitize/run.sh tsan).
//
// Qt's queued calls pass through Qt's posted-event list, guarded by Qt's futex-based mutexes, which
// TSan does not see in Debian's Qt (not built with TSan): a result the worker wrote and the GUI thread
// read, the queued call's event, and the event list itself (moved in memory by both threads) were all
// reported as races. An inbox keeps its calls in a queue of its own under a std::mutex (a pthread
// mutex, which TSan sees) and wakes the GUI thread through an eventfd watched by a QSocketNotifier:
// no Qt structure passes between the threads. The window's worker threads are std::threads, joined by
// their owners (pthread_join, which TSan also sees), never Qt thread pools.
//
//   HandOffInbox m_inbox;                       // a member of the object that owns the worker
//   m_inbox.post([this, result] { show(result); });   // on the worker
//
// The owner joins its workers before its inbox is destroyed; calls not run by then are dropped.

#include <cstdint>
#include <functional>

namespace attune::ui {

class HandOffInbox {
 public:
  // Made on the thread that runs the calls (the GUI thread, with an event loop).
  HandOffInbox();
  // Drops the calls posted and not yet run.
  ~HandOffInbox();
  HandOffInbox(const HandOffInbox&) = delete;
  HandOffInbox& operator=(const HandOffInbox&) = delete;

  // Runs `call` on the inbox's thread, soon, in the order posted. Safe from any thread while the
  // inbox exists.
  void post(std::function<void()> call);

 private:
  std::uint64_t m_id;
};

}  // namespace attune::ui
